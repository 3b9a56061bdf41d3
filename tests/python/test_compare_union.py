"""Ops only ``b`` ran are drawn as nodes of the compare graph (``compare/union.py``), with their
edges into the ops both runs share: in the widget, its data answers and ``c.to_html()``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn

import lenslab
from lenslab import compare, lens
from lenslab.compare.union import union_graph
from lenslab.export.html import embedded_data
from lenslab.widget import ESM_PATH
from lenslab.widget.data import PROTOCOL_VERSION, REQUEST


class Branchy(nn.Module):
    """A data-dependent branch: ``relu(h) * 2`` or ``sigmoid(h) - 1``, then one shared layer."""

    def __init__(self) -> None:
        super().__init__()
        self.inp = nn.Linear(4, 4)
        self.out = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.inp(x)
        if h.sum() > 0:  # noqa: SIM108  # an if statement, as users write it
            h = torch.relu(h) * 2
        else:
            h = torch.sigmoid(h) - 1
        return self.out(h)


def _branch_runs() -> lenslab.Comparison:
    torch.manual_seed(0)
    model = Branchy().eval()
    xs = [torch.randn(3, 4) for _ in range(40)]
    with torch.no_grad():
        pos = next(x for x in xs if model.inp(x).sum() > 0)
        neg = next(x for x in xs if model.inp(x).sum() <= 0)
    return compare(lens(model, pos), lens(model, neg))


def _labels(wire: dict[str, Any]) -> list[str]:
    return [op["label"] for op in wire["ops"]]


def test_ops_only_b_ran_are_nodes_with_edges_into_the_shared_graph() -> None:
    c = _branch_runs()
    union = union_graph(c)
    labels = _labels(dict(union.wire))
    at = {label: k for k, label in enumerate(labels)}
    # a's own ops keep their labels; b's branch arm is there too, under "b/".
    assert set(c.a.derived.labels) < set(labels)
    assert union.only_b == {"b/sigmoid_1_4:1": "sigmoid_1_4:1", "b/sub_1_5:1": "sub_1_5:1"}
    ops = union.wire["ops"]
    assert ops[at["b/sigmoid_1_4:1"]]["parents"] == [at["linear_1_1:1"]]  # leaves a's graph
    assert ops[at["b/sub_1_5:1"]]["parents"] == [at["b/sigmoid_1_4:1"]]
    merge = ops[at["linear_2_6:1"]]  # the shared layer: a's input, and b's (slot "in b")
    assert merge["parents"] == [at["mul_1_5:1"], at["b/sub_1_5:1"]]
    assert merge["parent_args"] == ["0", "in b"]
    assert merge["module_call"] == ops[at["linear_2_6:1"]]["module_call"] >= 0
    # Execution order: every op comes after its parents.
    assert all(p < k for k, op in enumerate(ops) for p in op["parents"])
    kinds = {(e["parent"], e["child"]): e["kind"] for e in union.wire["branch_edges"]}
    assert kinds[(at["linear_1_1:1"], at["b/sigmoid_1_4:1"])] == "ELSE"
    assert kinds[(at["linear_1_1:1"], at["relu_1_4:1"])] == "THEN"


def test_train_vs_eval_draws_the_ops_only_training_ran() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 2))
    x = torch.randn(8, 4)
    c = compare(lens(model.eval(), x), lens(model.train(), x))
    union = union_graph(c)
    ops = {op["label"]: op for op in union.wire["ops"]}
    only = [label for label in ops if label.startswith("b/")]
    # Training reads BatchNorm's batch counter and bumps it; evaluation does neither.
    assert only == ["b/buffer_1:1", "b/add_1_2:1"]
    calls = union.wire["module_calls"]
    assert all(calls[ops[label]["module_call"]]["address"] == "1" for label in only)
    status = c.to_pandas().set_index("label").status
    assert status[c.a.layer("2").label] == "changed"  # dropout: identity in eval, a mask in train
    from lenslab.compare.state import compare_state

    state = compare_state(c, 0.0)
    letters = dict(zip(ops, state["status"], strict=True))
    assert [letters[label] for label in only] == ["b", "b"]
    assert [o["label"] for o in state["only_b"]] == ["buffer_1:1", "add_1_2:1"]
    # The legend names the node drawn: b's counter read, not a's first buffer (running_mean).
    assert c.first_divergence == "buffer_1:1" and state["first_divergence"] == "b/buffer_1:1"


def test_no_op_only_in_b_leaves_a_graph_as_it_is() -> None:
    torch.manual_seed(0)
    model, x = Branchy(), torch.randn(3, 4)
    c = compare(lens(model, x), lens(model, x * 1.01))
    if any(r.a < 0 for r in c.rows):
        pytest.skip("the inputs took different branches")
    from lenslab.export.wire import to_wire

    assert union_graph(c).wire == to_wire(c.a)


needs_front_end = pytest.mark.skipif(not ESM_PATH.is_file(), reason="front end not built")


def _request(layer: str, side: str) -> dict[str, Any]:
    params = {"layer": layer, "side": side}
    return {
        "type": REQUEST,
        "id": 1,
        "version": PROTOCOL_VERSION,
        "method": "stats",
        "params": params,
    }


@needs_front_end
def test_the_compare_widget_draws_and_answers_for_ops_only_b_ran() -> None:
    c = _branch_runs()
    widget = c.show()
    graph = widget.graph
    column = graph["ops"]["label"]
    labels = [column["table"][k] for k in column["codes"]] if isinstance(column, dict) else column
    assert graph["num_ops"] == len(c.rows) == len(widget.compare["values"])
    k = labels.index("b/sigmoid_1_4:1")
    assert widget.compare["status"][k] == "b"
    assert widget.compare["labels_b"][k] == "sigmoid_1_4:1"
    reply, _ = widget._answer(_request("b/sigmoid_1_4:1", "b"))
    expected = c.b.layer("sigmoid_1_4:1").activation
    assert reply["result"]["max"] == pytest.approx(float(expected.max()))
    for side in ("a", "diff"):
        reply, _ = widget._answer(_request("b/sigmoid_1_4:1", side))
        assert "ran only in b" in reply["error"]["message"]
    # a's ops answer as before.
    reply, _ = widget._answer(_request("linear_1_1:1", "a"))
    assert reply["result"]["max"] == pytest.approx(
        float(c.a.layer("linear_1_1:1").activation.max())
    )


@needs_front_end
def test_the_compare_page_embeds_the_ops_only_b_ran(tmp_path: Path) -> None:
    c = _branch_runs()
    page = c.to_html(tmp_path / "branch.html").read_text(encoding="utf-8")
    data = embedded_data(page)  # the graph travels zlib-compressed (graph_z)
    column = data["graph"]["ops"]["label"]
    labels = [column["table"][k] for k in column["codes"]] if isinstance(column, dict) else column
    assert "b/sub_1_5:1" in labels and len(labels) == len(data["compare"]["values"])
    preview = data["sides"]["b"]["b/sub_1_5:1"]
    assert preview["stats"]["max"] == pytest.approx(float(c.b.layer("sub_1_5:1").activation.max()))


def test_a_saved_notebook_s_snapshot_draws_the_ops_only_b_ran() -> None:
    from lenslab.compare.html import kept_compare_bundle
    from lenslab.export.notebook import snapshot_svg

    try:
        svg = snapshot_svg(kept_compare_bundle(_branch_runs()))
    except ImportError:
        pytest.skip("the headless renderer is not installed")
    assert ">b/sigmoid_1_4<" in svg and ">relu_1_4<" in svg  # node titles


@needs_front_end
def test_the_code_of_an_op_only_b_ran_comes_from_b() -> None:
    c = _branch_runs()
    widget = c.show()
    union = union_graph(c)
    op = next(o for o in union.wire["ops"] if o["label"] == "b/sigmoid_1_4:1")
    assert op["frame"] >= len(union_graph(c).wire["frames"]) - len(union.frames_b)
    request = {
        "type": REQUEST,
        "id": 2,
        "version": PROTOCOL_VERSION,
        "method": "source",
        "params": {"frame": op["frame"], "context": 0},
    }
    reply, _ = widget._answer(request)
    result = reply["result"]
    assert result["frame"] == op["frame"]
    assert any("torch.sigmoid(h) - 1" in text for _, text in result["lines"])
    # Embedded where there is no kernel: the line's text travels with the graph.
    text = union_graph(c, source_text=True).wire["source_text"][op["frame"]]
    assert "torch.sigmoid(h) - 1" in text


def test_every_wire_field_is_renumbered_or_kept_by_the_union() -> None:
    from lenslab.compare.union import KEPT, RENUMBERED
    from lenslab.export.schema import WireGraph

    fields = set(WireGraph.__required_keys__ | WireGraph.__optional_keys__)
    assert fields == RENUMBERED | KEPT, (
        "a WireGraph field the compare union does not know: if it holds op positions, "
        "renumber it in compare/union.py (_renumber), then list it in RENUMBERED or KEPT: "
        f"{sorted(fields ^ (RENUMBERED | KEPT))}"
    )
