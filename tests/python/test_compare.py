"""``lenslab.compare(a, b)``: ops matched by label and structure, statuses and distances."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
import torch
from torch import nn

import lenslab
from lenslab import compare, lens, load
from toy_models import DynamicElse, DynamicIf, TwoLayer


class Chain(nn.Module):
    """A main path and a side path that never meets the intervened op."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(6, 6)
        self.b = nn.Linear(6, 6)
        self.c = nn.Linear(6, 6)
        self.side = nn.Linear(6, 6)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        h = torch.relu(self.a(x))
        h = torch.tanh(self.b(h))
        side = self.side(x) * 2
        return self.c(h) + 1, side


def _descendants(h: lenslab.ModelHistory, label: str) -> set[str]:
    found: set[str] = set()
    todo = [label]
    while todo:
        for child in h[todo.pop()].children:
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def test_exactly_the_ops_downstream_of_an_intervention_are_changed() -> None:
    torch.manual_seed(0)
    model, x = Chain().eval(), torch.randn(3, 6)
    a = lens(model, x)
    b = lens(model, x, intervene={"b": lambda v, layer: v * 0.5})
    c = compare(a, b)
    table = c.to_pandas()
    site = a["b"].label
    expected = {site} | _descendants(a, site)
    assert set(table[table.status == "changed"].label) == expected
    assert set(table[table.status == "same"].label) == {layer.label for layer in a} - expected
    assert c.first_divergence == site
    assert list(table.columns[:4]) == ["label", "status", "rel_l2", "max_abs"]
    row = c[site]
    va, vb = a[site].activation, b[site].activation
    assert row.max_abs == pytest.approx(float((va - vb).abs().max()))
    assert row.rel_l2 == pytest.approx(float((va - vb).norm() / max(va.norm(), vb.norm())))


def test_identical_runs_have_no_divergence() -> None:
    model, x = TwoLayer(), torch.randn(2, 4)
    c = compare(lens(model, x), lens(model, x))
    assert c.first_divergence is None
    assert set(c.to_pandas().status) == {"same"}
    assert (c.to_pandas().rel_l2 == 0).all()


class NormDrop(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 8)
        self.bn = nn.BatchNorm1d(8)
        self.drop = nn.Dropout(0.5)
        self.out = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(self.drop(self.bn(self.fc(x))))


def test_train_vs_eval_on_batchnorm_and_dropout() -> None:
    torch.manual_seed(0)
    model, x = NormDrop(), torch.randn(16, 8) * 3 + 1
    with torch.no_grad():
        model.bn.running_mean.fill_(0.5)
    a = lens(model.train(), x, seed=1)
    b = lens(model.eval(), x)
    c = compare(a, b)
    table = c.to_pandas().set_index("label")
    fc, bn = a["fc"].label, a["bn"].label
    assert table.loc[fc, "status"] == "same"
    assert table.loc[bn, "status"] == "changed"  # batch statistics vs running statistics
    # Training mode reads (and bumps) the batch counter, which eval mode never touches.
    assert c.first_divergence == a["bn.num_batches_tracked"].label
    assert table.loc[a["bn.num_batches_tracked"].label, "status"] == "only_a"
    # The training pass moved the running mean that the eval pass then read.
    assert table.loc[a["bn.running_mean"].label, "status"] == "changed"
    drop = a["drop"].label
    assert table.loc[drop, "status"] in ("changed", "only_a")  # eval dropout is the identity
    assert table.loc[a.outputs[0].label, "status"] == "changed"


def test_a_different_branch_is_matched_by_structure() -> None:
    torch.manual_seed(0)
    first = DynamicIf()
    second = DynamicElse()
    second.load_state_dict(first.state_dict())
    x = torch.randn(2, 4)
    c = compare(lens(first, x), lens(second, x))
    table = c.to_pandas()
    status = dict(zip(table.label, table.status, strict=True))
    assert status["linear_1_1:1"] == "same"
    assert {"gt_1_3:1", "mul_1_4:1", "relu_1_5:1"} <= {
        k for k, v in status.items() if v == "only_a"
    }
    assert {"lt_1_3:1", "sigmoid_1_4:1", "mul_1_5:1"} <= {
        k for k, v in status.items() if v == "only_b"
    }
    assert status["add_1_6:1"] == "changed"  # the same op after the other branch
    assert c.first_divergence == "gt_1_3:1"
    assert "different models" in c.summary()


class Gate(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.sum() > 0:
            return x * 2
        return x - 1


def test_same_model_branches_taken_differently_are_noted() -> None:
    a, b = lens(Gate(), torch.ones(3)), lens(Gate(), -torch.ones(3))
    table = compare(a, b).to_pandas().set_index("label")
    gt = next(layer.label for layer in a if layer.is_terminal_bool)
    assert table.loc[gt, "note"] == "branch taken differently: True in a, False in b"
    assert table.loc[a.outputs[0].parents[0], "status"] == "only_a"  # x * 2
    assert "only_b" in set(table.status)  # x - 1


def test_histories_of_different_models_compare_what_matches() -> None:
    torch.manual_seed(0)
    a = lens(TwoLayer(), torch.randn(2, 4))
    b = lens(nn.Sequential(nn.Linear(4, 8), nn.Sigmoid(), nn.Linear(8, 3)), torch.randn(2, 4))
    c = compare(a, b)
    table = c.to_pandas().set_index("label")
    assert "different models (TwoLayer vs Sequential)" in c.summary()
    assert table.loc["linear_2_3:1", "status"] == "changed"
    assert "shape 2x2 vs 2x3" in table.loc["linear_2_3:1", "note"]
    assert "only_a" in set(table.status) and "only_b" in set(table.status)


def test_loaded_bundles_compare_like_live_histories(tmp_path: Path) -> None:
    model, x = TwoLayer(), torch.randn(2, 4)
    a = lens(model, x)
    b = lens(model, x, intervene={"act": "zero"})
    live = compare(a, b).to_pandas()
    loaded = compare(load(a.save(tmp_path / "a")), load(b.save(tmp_path / "b"))).to_pandas()
    assert live.equals(loaded)
    unsaved = compare(lens(model, x, save=None), b).to_pandas()
    assert set(unsaved.status) == {"unsaved"}


def test_compare_html_is_self_contained(tmp_path: Path) -> None:
    pytest.importorskip("lenslab.widget")
    from lenslab.export.html import STATIC

    if not (STATIC / "standalone.js").is_file():
        pytest.skip("front end not built")
    model, x = TwoLayer(), torch.randn(2, 4)
    c = compare(lens(model, x), lens(model, x, intervene={"act": "zero"}))
    page = c.to_html(tmp_path / "cmp").read_text()
    assert '"compare":{"kind":"compare"' in page and '"sides":{"b":' in page
    assert "http://" not in page.split("<script>")[0]


def test_nan_and_inf_positions_that_agree_are_the_same() -> None:
    from lenslab.compare.metrics import difference

    x = torch.tensor([1.0, math.nan, math.inf])
    assert difference(x, x.clone(), 1e-5, 1e-6).status == "same"
    moved = torch.tensor([1.0, 2.0, math.inf])
    d = difference(x, moved, 1e-5, 1e-6)
    assert d.status == "changed" and math.isinf(d.max_abs)


def test_a_saved_notebook_keeps_the_compare_view_without_a_kernel() -> None:
    from lenslab.compare.html import kept_compare_bundle
    from lenslab.export.notebook import KEPT_CLASS, snapshot_svg

    model, x = TwoLayer(), torch.randn(2, 4)
    c = compare(lens(model, x), lens(model, x, intervene={"act": "zero"}))
    try:
        bundle = kept_compare_bundle(c)
    except ImportError:
        pytest.skip("the headless renderer is not installed")
    svg = snapshot_svg(bundle)
    assert svg.startswith(f'<svg class="{KEPT_CLASS}"') and "relu_1_2" in svg
    assert bundle["text/plain"] == c.summary()
