"""Bools consumed by Python control flow, and the branch edges IF / THEN / ELSE."""

from __future__ import annotations

import linecache

import torch
from torch import nn

from lenslab import lens
from toy_models import DynamicElse, DynamicIf


def test_terminal_bool_records_its_value() -> None:
    h = lens(DynamicIf(), torch.randn(2, 4))
    gt = h["gt_1"]
    assert gt.is_terminal_bool and gt.bool_value is True and gt.shape == ()
    assert not h["linear_1"].is_terminal_bool and h["linear_1"].bool_value is None


def test_if_edge_marks_where_the_condition_leaves_the_main_path() -> None:
    h = lens(DynamicIf(), torch.randn(2, 4))
    assert ("linear_1_1:1", "sum_1_2:1", "IF") in h.branch_edges


def test_then_edge_enters_the_arm_that_ran() -> None:
    h = lens(DynamicIf(), torch.randn(2, 4))
    assert ("linear_1_1:1", "mul_1_4:1", "THEN") in h.branch_edges
    kinds = {kind for _, _, kind in h.branch_edges}
    assert kinds == {"IF", "THEN"}


def test_else_edge_when_the_condition_is_false() -> None:
    h = lens(DynamicElse(), torch.randn(2, 4))
    assert h["lt_1"].bool_value is False
    assert ("linear_1_1:1", "sigmoid_1_4:1", "ELSE") in h.branch_edges


def test_branch_into_a_submodule_call_is_attributed() -> None:
    class Gate(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(3, 3)
            self.extra = nn.Sequential(nn.Linear(3, 3), nn.Tanh())

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = self.fc(x)
            if y.mean() > -1e9:
                y = self.extra(y)
            return y

    h = lens(Gate(), torch.randn(3))
    assert ("linear_1_1:1", "linear_2_4:1", "THEN") in h.branch_edges


def test_models_defined_in_notebook_cells_get_then_else() -> None:
    # IPython registers each cell's source in linecache under a synthetic filename.
    filename = "<ipython-input-7-lenslab>"
    source = (
        "import torch\n"
        "class CellModel(torch.nn.Module):\n"
        "    def forward(self, x):\n"
        "        if x.sum() > 1e9:\n"
        "            x = x + 1\n"
        "        else:\n"
        "            x = x * 3\n"
        "        return x\n"
    )
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, object] = {}
    exec(compile(source, filename, "exec"), namespace)
    model = namespace["CellModel"]()  # type: ignore[operator]
    h = lens(model, torch.randn(3))
    assert h["mul_1"].source == (filename, 7)
    assert ("input_1:1", "mul_1_3:1", "ELSE") in h.branch_edges


def test_no_branches_without_python_control_flow() -> None:
    class Plain(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.where(x > 0, x, -x)

    assert lens(Plain(), torch.randn(3)).branch_edges == []
