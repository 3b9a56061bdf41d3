"""grad_fn travels to the widget in the compact graph: interned, with its usual ending elided;
columns where every op has the default value are left out (the reader fills them in)."""

from __future__ import annotations

import torch
from torch import nn

from lenslab import lens
from lenslab.export.compact import COLUMN_DEFAULTS, compact, grad_fn_name
from lenslab.export.wire import to_wire


def net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv2d(3, 4, 3), nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(4, 2))


def test_each_op_carries_its_grad_fn_in_the_wire_graph() -> None:
    h = lens(net(), torch.randn(1, 3, 8, 8))
    wire = to_wire(h)
    assert [op["grad_fn"] for op in wire["ops"]] == [layer.grad_fn or "" for layer in h]
    assert "ConvolutionBackward0" in {op["grad_fn"] for op in wire["ops"]}


def test_grad_fn_is_interned_with_backward0_elided() -> None:
    h = lens(net(), torch.randn(1, 3, 8, 8))
    column = compact(to_wire(h))["ops"]["grad_fn"]
    assert isinstance(column, dict), "always a table plus one code per op"
    names = [layer.grad_fn or "" for layer in h]
    table = column["table"]
    assert len(table) == len(set(names))
    assert "Convolution" in table and "Relu" in table
    assert "=MeanBackward1" in table  # another ending: sent whole after "="
    assert [grad_fn_name(table[c]) for c in column["codes"]] == names


def test_columns_with_only_default_values_are_left_out() -> None:
    with torch.no_grad():
        h = lens(net(), torch.randn(1, 3, 8, 8))
    ops = compact(to_wire(h))["ops"]
    for field in COLUMN_DEFAULTS:  # no grads, no loops, no bools consumed by Python
        assert field not in ops, field
    assert "label" in ops and "shape" in ops
