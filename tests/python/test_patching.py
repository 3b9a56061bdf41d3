"""Activation patching in one call, and the compare widget's kernel side (either run, b - a)."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from torch import nn

import lenslab
from lenslab import LensError, compare, lens
from lenslab.widget import ESM_PATH
from lenslab.widget.data import PROTOCOL_VERSION, REQUEST


class TwoPaths(nn.Module):
    """out = head(relu(a(x)) + b(x)): both paths carry information about the input."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)
        self.head = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.a(x)) + self.b(x))


def _metric(out: torch.Tensor) -> float:
    return float(out.sum())


def test_patching_the_last_op_restores_everything_and_matches_a_hook() -> None:
    torch.manual_seed(0)
    model = TwoPaths().eval()
    clean, corrupted = torch.randn(1, 4), torch.randn(1, 4)
    result = lenslab.patch_activations(model, clean, corrupted, _metric)
    scores = {row.label: row.effect for row in result.rows}
    head = result.corrupted["head"].label
    assert scores[head] == pytest.approx(1.0)
    # Patching b's output by hand with a forward hook gives the same metric.
    saved = model.b(clean).detach()
    handle = model.b.register_forward_hook(lambda m, i, o: saved)
    with torch.no_grad():
        expected = _metric(model(corrupted))
    handle.remove()
    row = next(r for r in result.rows if r.label == result.corrupted["b"].label)
    assert row.metric == pytest.approx(expected)
    gap = result.clean_metric - result.corrupted_metric
    assert row.effect == pytest.approx((expected - result.corrupted_metric) / gap)
    table = result.to_pandas()
    assert list(table.columns) == ["label", "module", "metric", "effect"]
    assert len(table) == 3  # a, b, head: every module's output


def test_patching_leaves_the_model_as_it_was_and_checks_keys() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x, y = torch.randn(8, 4), torch.randn(8, 4)
    result = lenslab.patch_activations(model, x, y, _metric, at=["0", "1"])
    assert [r.label for r in result.rows] == [
        result.corrupted["0"].label,
        result.corrupted["1"].label,
    ]
    after = model.state_dict()
    # The two plain captures update BatchNorm's statistics as two forward passes would; the
    # patched runs leave no further trace.
    assert int(after["1.num_batches_tracked"]) == int(before["1.num_batches_tracked"]) + 2
    with pytest.raises(LensError, match="close matches"):
        lenslab.patch_activations(model, x, y, _metric, at=["11"])


needs_front_end = pytest.mark.skipif(not ESM_PATH.is_file(), reason="front end not built")


@needs_front_end
def test_compare_widget_answers_for_either_side_and_the_difference() -> None:
    from lenslab.widget.compare import CompareWidget

    torch.manual_seed(0)
    model, x = TwoPaths().eval(), torch.randn(2, 4)
    c = compare(lens(model, x), lens(model, x, intervene={"a": lambda v, layer: v + 1}))
    widget = c.show(threshold=0.01)
    assert isinstance(widget, CompareWidget)
    state = widget.compare
    relu = c.a.layer("relu_1_2").label
    index = c.a.layer(relu).index
    assert state["status"][index] == "c" and state["values"][index] == pytest.approx(c[relu].rel_l2)
    assert state["threshold"] == 0.01 and state["first_divergence"] == c.first_divergence

    def stats(side: str) -> dict[str, Any]:
        request = {
            "type": REQUEST,
            "id": 1,
            "version": PROTOCOL_VERSION,
            "method": "stats",
            "params": {"layer": relu, "side": side},
        }
        reply, _ = widget._answer(request)
        assert "result" in reply, reply
        return reply["result"]  # type: ignore[no-any-return]

    va, vb = c.a.layer(relu).activation, c.b.layer(relu).activation
    assert stats("a")["max"] == pytest.approx(float(va.max()))
    assert stats("b")["max"] == pytest.approx(float(vb.max()))
    assert stats("diff")["mean"] == pytest.approx(float((vb - va).mean()), abs=1e-6)


@needs_front_end
def test_patching_result_displays_as_a_scores_widget() -> None:
    torch.manual_seed(0)
    model = TwoPaths().eval()
    result = lenslab.patch_activations(model, torch.randn(1, 4), torch.randn(1, 4), _metric)
    widget = result.show()
    values = widget.compare["values"]
    assert widget.compare["kind"] == "scores"
    for row in result.rows:
        assert values[row.index] == pytest.approx(row.effect) or math.isnan(row.effect)
