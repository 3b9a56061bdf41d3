"""``to_wire`` follows the wire schema exactly; golden files show graph changes in review.

Refresh the golden files with ``LENSLAB_UPDATE_GOLDEN=1``.
"""

from __future__ import annotations

import json
import os
import typing
from pathlib import Path
from typing import Any

import pytest
import torch
from torch import nn
from torchvision.models.vision_transformer import EncoderBlock

from lenslab import lens
from lenslab.export import schema
from lenslab.export.wire import to_wire
from toy_models import DynamicIf, Recurrent, TwoLayer

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("LENSLAB_UPDATE_GOLDEN") == "1"
VOLATILE = ("time_s", "source")  # differ between runs and machines


def keys_of(typed_dict: Any) -> set[str]:
    return set(typing.get_type_hints(typed_dict))


def check_record(record: dict[str, Any], typed_dict: Any) -> None:
    # NotRequired fields (WireGraph.folds) may be absent; the annotations are strings here.
    optional = {k for k, v in typed_dict.__annotations__.items() if "NotRequired[" in str(v)}
    assert set(record) - optional == keys_of(typed_dict) - optional, typed_dict.__name__
    assert set(record) <= keys_of(typed_dict), typed_dict.__name__


def test_wire_graph_has_exactly_the_schema_fields() -> None:
    graph = to_wire(lens(DynamicIf(), torch.randn(2, 4)))
    check_record(dict(graph), schema.WireGraph)
    assert graph["schema_version"] == schema.SCHEMA_VERSION
    for op in graph["ops"]:
        check_record(dict(op), schema.WireOp)
        assert op["role"] in typing.get_args(schema.Role)
        assert len(op["parents"]) == len(op["parent_args"])
        assert all(p < graph["ops"].index(op) for p in op["parents"])
    for call in graph["module_calls"]:
        check_record(dict(call), schema.WireModuleCall)
    for module in graph["modules"]:
        check_record(dict(module), schema.WireModule)
    for edge in graph["branch_edges"]:
        check_record(dict(edge), schema.WireBranchEdge)
    json.dumps(graph)  # plain JSON, no tensors


def test_wire_links_are_positions() -> None:
    class Nested(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.outer = nn.Sequential(nn.Linear(2, 2), nn.ReLU())

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return self.outer(x)

    graph = to_wire(lens(Nested(), torch.randn(2)))
    ops, calls = graph["ops"], graph["module_calls"]
    linear = next(op for op in ops if op["func"] == "linear")
    inner = calls[linear["module_call"]]
    assert (inner["address"], inner["call"]) == ("outer.0", 1)
    assert calls[inner["parent"]]["address"] == "outer"
    assert ops[calls[inner["parent"]]["outputs"][0]]["func"] == "relu"
    assert ops[0]["label"] == "input_1:1" and ops[0]["role"] == "input"
    assert [m["address"] for m in graph["modules"]] == ["outer", "outer.0", "outer.1"]


def stable(graph: Any) -> dict[str, Any]:
    data = json.loads(json.dumps(graph))
    for op in data["ops"]:
        for key in VOLATILE:
            op.pop(key)
        op.pop("frame")  # call stacks point into this file: checked in test_stack.py
    for call in data["module_calls"]:
        call.pop("frames")
    for key in ("frames", "caller_frames", "source_text"):
        data.pop(key)
    return typing.cast(dict[str, Any], data)


def dump(graph: dict[str, Any]) -> str:
    """One record per line, so a review diff shows which op changed."""
    parts = []
    for key, value in graph.items():
        if isinstance(value, list):
            rows = ",\n".join("  " + json.dumps(item) for item in value)
            parts.append(
                f" {json.dumps(key)}: [\n{rows}\n ]" if value else f" {json.dumps(key)}: []"
            )
        else:
            parts.append(f" {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


class VitBlock(EncoderBlock):
    """torchvision's ViT encoder block, small: attention inside multi_head_attention_forward,
    two residual adds on two lines (two layers, no loop)."""

    def __init__(self) -> None:
        super().__init__(num_heads=2, hidden_dim=8, mlp_dim=16, dropout=0.0, attention_dropout=0.0)
        self.eval()


@pytest.mark.parametrize(
    ("name", "model", "inputs", "options"),
    [
        ("two_layer", TwoLayer, (2, 4), {}),
        ("recurrent", Recurrent, (2, 6), {}),
        ("dynamic_if", DynamicIf, (2, 4), {}),
        ("vit_block", VitBlock, (1, 5, 8), {"attention_weights": True}),
    ],
)
def test_golden_wire_graphs(
    name: str, model: type[nn.Module], inputs: tuple[int, ...], options: dict[str, Any]
) -> None:
    torch.manual_seed(0)
    graph = stable(to_wire(lens(model(), torch.randn(*inputs), **options)))
    path = GOLDEN / f"{name}.json"
    if UPDATE:
        path.write_text(dump(graph))
    # A missing golden file fails: writing it here would compare the graph with itself.
    assert path.exists(), f"no golden file {path}: create it with LENSLAB_UPDATE_GOLDEN=1"
    assert graph == json.loads(path.read_text()), f"refresh with LENSLAB_UPDATE_GOLDEN=1: {path}"
