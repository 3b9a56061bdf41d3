"""LensWidget: its synced state is the wire graph of a capture, small enough to sync."""

from __future__ import annotations

import json
import zlib
from typing import Any

import pytest
import torch
from torch import nn

from lenslab import lens
from lenslab.export import schema
from lenslab.export.compact import COLUMN_DEFAULTS, grad_fn_name
from lenslab.export.wire import to_wire
from lenslab.widget import ESM_PATH, FrontEndMissingError, LensWidget

MAX_BYTES_PER_OP = 300  # DESIGN.md: the synced state carries <= 300 bytes per op
MAX_ESM_BYTES = 300 * 1024  # DESIGN.md: the widget bundle stays <= 300 KB


class TinyResNet(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.conv = nn.Conv2d(8, 8, 3, padding=1)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        return self.head(torch.relu(self.conv(x) + x))


@pytest.fixture(scope="module")
def history() -> Any:
    return lens(TinyResNet().eval(), torch.randn(1, 3, 16, 16))


@pytest.fixture(scope="module")
def widget(history: Any) -> LensWidget:
    return LensWidget(history)


def keys(typed_dict: type) -> set[str]:
    return set(typed_dict.__annotations__)


def test_graph_trait_is_the_compact_form_of_the_wire_graph(
    widget: LensWidget, history: Any
) -> None:
    graph = widget.graph
    # NotRequired fields ("failure", "source_text", "folds", "saved_bytes", ...) travel only
    # when not empty.
    optional = {
        "failure", "source_text", "folds", "op_folds", "output_groups", "intervened", "saved_bytes"
    }  # fmt: skip
    assert keys(schema.CompactWireGraph) - optional <= set(graph) <= keys(schema.CompactWireGraph)
    assert graph["schema_version"] == schema.SCHEMA_VERSION
    assert graph["num_ops"] == len(history)
    op_fields = keys(schema.WireOp) - {"layer", "source"}  # both derived by the reader
    # Columns where every op has the default (no loops here, no bools) are left out.
    assert op_fields - set(COLUMN_DEFAULTS) <= set(graph["ops"]) <= op_fields
    for field, column in graph["ops"].items():
        codes = column["codes"] if isinstance(column, dict) else column
        assert len(codes) == len(history), field


def test_compact_columns_decode_to_the_wire_records(widget: LensWidget, history: Any) -> None:
    rows = to_wire(history)["ops"]
    for field, column in widget.graph["ops"].items():
        if isinstance(column, dict):  # interned strings
            column = [column["table"][c] for c in column["codes"]]
        if field == "grad_fn":  # sent without its usual ending
            column = [grad_fn_name(v) for v in column]
        assert column == [op[field] for op in rows], field


def test_graph_trait_is_synced_to_the_front_end_compressed(widget: LensWidget) -> None:
    assert widget.trait_metadata("graph_z", "sync") is True
    packed = widget.get_state(["graph_z"])["graph_z"]
    assert json.loads(zlib.decompress(packed))["ops"] == widget.graph["ops"]
    assert len(packed) < len(json.dumps(widget.graph)) / 3


def test_saved_esm_is_the_small_loader_and_the_kernel_serves_the_code(widget: LensWidget) -> None:
    from lenslab.widget._lens_widget import CODE

    assert isinstance(widget._esm, str) and len(widget._esm) <= 4096
    sent: list[Any] = []
    widget.send = lambda content, buffers=None: sent.append(content)  # type: ignore[method-assign]
    widget._on_message(widget, {"type": CODE}, [])
    assert sent[0]["type"] == CODE and sent[0]["esm"] == ESM_PATH.read_text(encoding="utf-8")
    assert ".lenslab-root" in sent[0]["css"]
    widget._on_message(widget, {"type": CODE, "code": False}, [])  # a ping: the module is loaded
    assert sent[1] == {"type": CODE}


def test_view_options_reach_the_front_end(history: Any) -> None:
    widget = LensWidget(history, depth=2, rolled=True)
    assert widget.get_state(["view_options"])["view_options"] == {"depth": 2, "rolled": True}


def synced_bytes_per_op(widget: LensWidget) -> float:
    # Measured as jupyter_client sends it: json.dumps with default separators.
    size = len(json.dumps(widget.graph, ensure_ascii=False).encode())
    n = widget.graph["num_ops"]
    per_op = size / n
    print(f"\nwire graph: {size} bytes for {n} ops = {per_op:.0f} bytes/op")
    return per_op


def test_synced_graph_carries_metadata_only(widget: LensWidget, record_property: Any) -> None:
    per_op = synced_bytes_per_op(widget)
    record_property("wire_bytes_per_op", round(per_op))
    assert per_op <= 1000, "tensor data in the synced state?"


def test_synced_graph_meets_the_design_budget_per_op(widget: LensWidget) -> None:
    assert synced_bytes_per_op(widget) <= MAX_BYTES_PER_OP


def test_widget_bundle_exists_and_is_small() -> None:
    assert ESM_PATH.is_file(), f"{ESM_PATH} missing: run `make build`"
    size = ESM_PATH.stat().st_size
    print(f"\nwidget.js: {size / 1024:.0f} KB")
    assert size <= MAX_ESM_BYTES


def test_missing_bundle_says_how_to_build_it(history: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(LensWidget, "_esm")
    with pytest.raises(FrontEndMissingError, match="make build"):
        LensWidget(history)
