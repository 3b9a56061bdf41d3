"""``c.save(path)`` / ``lenslab.load_comparison(path)``: a comparison as one ``.lens`` file,
which loads again and which the ``.lens`` viewer opens (its graph is the compare view's)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from torch import nn

import lenslab
from lenslab import LensError, compare, lens, load
from lenslab.compare.state import compare_state
from lenslab.compare.union import union_graph
from test_compare_union import Branchy, _branch_runs


def _graph(path: Path) -> dict[str, object]:
    with safe_open(str(path), "pt") as f:
        raw = f.get_tensor("lenslab/graph")
        manifest = json.loads(f.metadata()["lenslab.manifest"])
    assert manifest["kind"] == "compare"
    return json.loads(bytes(raw.tolist()).decode())  # type: ignore[no-any-return]


def test_a_saved_comparison_loads_again_with_the_same_rows(tmp_path: Path) -> None:
    c = _branch_runs()
    path = c.save(tmp_path / "branch")
    assert path.name == "branch.lens"
    again = lenslab.load_comparison(path)
    assert isinstance(again, lenslab.Comparison)
    before, after = c.to_pandas(), again.to_pandas()
    assert before.drop(columns=["rel_l2", "max_abs"]).equals(
        after.drop(columns=["rel_l2", "max_abs"])
    )
    assert before.rel_l2.fillna(-1).tolist() == pytest.approx(after.rel_l2.fillna(-1).tolist())
    assert again.first_divergence == c.first_divergence
    assert (again.rtol, again.atol) == (c.rtol, c.atol)
    label = "sigmoid_1_4:1"  # only b ran it: b's tensor is in the file
    assert torch.equal(again.b.layer(label).activation, c.b.layer(label).activation)
    # What the viewer draws: the union graph and the compare trait, as the widget has them.
    graph = _graph(path)
    view = graph["view"]
    assert isinstance(view, dict)
    assert view["compare"] == json.loads(json.dumps(compare_state(c, 0.0)))
    labels = [op["label"] for op in view["wire"]["ops"]]
    assert labels == [op["label"] for op in union_graph(c).wire["ops"]]
    assert "b/sigmoid_1_4:1" in labels


def test_loading_says_which_function_opens_which_file(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model, x = Branchy(), torch.randn(3, 4)
    single = lens(model, x).save(tmp_path / "one")
    pair = compare(lens(model, x), lens(model, x, intervene={"inp": "zero"}), rtol=1e-3)
    saved = pair.save(tmp_path / "two.lens")
    with pytest.raises(LensError, match="load_comparison"):
        load(saved)
    with pytest.raises(LensError, match=r"lenslab\.load\(path\)"):
        lenslab.load_comparison(single)
    again = lenslab.load_comparison(saved)
    assert again.rtol == 1e-3
    assert again.counts() == pair.counts()


def test_train_vs_eval_saved_and_loaded_keeps_its_only_b_ops(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 2))
    x = torch.randn(8, 4)
    c = compare(lens(model.eval(), x), lens(model.train(), x))
    again = lenslab.load_comparison(c.save(tmp_path / "modes", strip_paths=True))
    assert again.counts() == c.counts() and again.counts()["only_b"] == 2
    text = (tmp_path / "modes.lens").read_bytes().decode("latin-1")
    assert "compare_bundle.py" in text and str(Path(__file__).parent) not in text
