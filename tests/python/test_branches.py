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


def _kinds_into(h: object, prefix: str) -> set[str]:
    """Kinds of the branch edges whose child label starts with ``prefix``."""
    edges: list[tuple[str, str, str]] = h.branch_edges  # type: ignore[attr-defined]
    return {kind for _, child, kind in edges if child.startswith(prefix)}


def _contexts(h: object) -> list[str | None]:
    return [layer.bool_context for layer in h if layer.is_terminal_bool]  # type: ignore[attr-defined]


class ElifChain(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x * 2
        if y.sum() > 10:
            y = y.relu()
        elif y.sum() > 0:
            y = y.sigmoid()
        elif y.sum() > -10:
            y = y.tanh()
        else:
            y = y.exp()
        return y + 1


def test_elif_chain_attributes_each_arm() -> None:
    taken = {5.0: "relu_", 1.0: "sigmoid_", -1.0: "tanh_", -5.0: "exp_"}
    expected = {5.0: "THEN", 1.0: "ELIF", -1.0: "ELIF", -5.0: "ELSE"}
    contexts = {
        5.0: ["if"],
        1.0: ["if", "elif"],
        -1.0: ["if", "elif", "elif"],
        -5.0: ["if", "elif", "elif"],
    }
    for value, arm in taken.items():
        h = lens(ElifChain(), torch.full((3,), value))
        assert _kinds_into(h, arm) == {expected[value]}, value
        assert _contexts(h) == contexts[value], value
        kinds = {kind for _, _, kind in h.branch_edges}
        assert kinds == {"IF", expected[value]}, value  # no ELSE from a false if/elif test
        assert _kinds_into(h, "add_") == set()  # the op after the chain is in no arm


def test_else_inside_else_is_not_an_elif() -> None:
    class Nested(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = x * 2
            if y.sum() > 10:
                y = y.relu()
            else:
                if y.sum() > 0:
                    y = y.sigmoid()
            return y

    h = lens(Nested(), torch.ones(3))
    assert _contexts(h) == ["if", "if"]
    assert _kinds_into(h, "sigmoid_") == {"ELSE"}  # the outer else arm claims it first


def test_ternary_on_separate_lines_gets_then_else() -> None:
    class Ternary(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = x * 2
            z = (
                y.relu()
                if y.sum() > 0
                else y.sigmoid()
            )  # fmt: skip
            return z + 1

    h = lens(Ternary(), torch.ones(3))
    assert h["gt_1"].bool_context == "ternary"
    assert _kinds_into(h, "relu_") == {"THEN"} and _kinds_into(h, "add_") == set()
    h = lens(Ternary(), -torch.ones(3))
    assert _kinds_into(h, "sigmoid_") == {"ELSE"} and _kinds_into(h, "add_") == set()


def test_ternary_on_one_line_marks_only_if() -> None:
    # Only the line of the consuming frame is known, so arms sharing the test's line are not
    # told apart: the edge into the condition is IF, the arms get no label.
    class OneLine(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = x * 2
            return y.relu() if y.sum() > 0 else y.sigmoid()

    h = lens(OneLine(), torch.ones(3))
    assert h["gt_1"].bool_context == "ternary"
    assert {kind for _, _, kind in h.branch_edges} == {"IF"}


def test_assert_on_a_tensor() -> None:
    class Checked(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = x * 2
            assert (y > -1e9).all()
            return y.relu()

    h = lens(Checked(), torch.ones(3))
    assert _contexts(h) == ["assert"]
    assert h["all_1"].bool_value is True
    assert {kind for _, _, kind in h.branch_edges} == {"IF"}


def test_while_comprehension_and_bool_call_contexts() -> None:
    class Mixed(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            y = x * 2
            while y.abs().sum() > 3:
                y = y / 2
            rows = [r for r in y.unbind(0) if r.sum() > 0]
            if bool(y.sum() > -1e9):
                y = y.tanh()
            return y + len(rows)

    h = lens(Mixed(), torch.ones(2, 2))
    contexts = _contexts(h)
    assert contexts[0] == "while" and contexts[-1] == "bool"
    assert contexts.count("comprehension") == 2
    assert _kinds_into(h, "truediv_") == {"THEN"}  # y / 2 is truediv, as TorchLens spells it
    assert _kinds_into(h, "tanh_") == {"THEN"}  # bool() inside an if still selects its arm


def test_notebook_cell_with_elif_and_ternary() -> None:
    # As IPython does: the cell's source goes into linecache under a synthetic filename.
    filename = "<ipython-input-8-lenslab-elif>"
    source = (
        "import torch\n"
        "class CellChain(torch.nn.Module):\n"
        "    def forward(self, x):\n"
        "        if x.sum() > 100:\n"
        "            x = x + 1\n"
        "        elif x.sum() > 0:\n"
        "            x = x * 3\n"
        "        else:\n"
        "            x = x - 1\n"
        "        x = (x.relu()\n"
        "             if x.mean() > 1e9\n"
        "             else x.sigmoid())\n"
        "        return x\n"
    )
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    namespace: dict[str, object] = {}
    exec(compile(source, filename, "exec"), namespace)
    model = namespace["CellChain"]()  # type: ignore[operator]
    h = lens(model, torch.ones(3))
    assert _contexts(h) == ["if", "elif", "ternary"]
    assert h["mul_1"].source == (filename, 7)
    assert ("input_1:1", "mul_1_5:1", "ELIF") in h.branch_edges
    assert _kinds_into(h, "sigmoid_") == {"ELSE"}
    assert _kinds_into(h, "relu_") == set()


def test_bool_context_survives_save_and_load(tmp_path: object) -> None:
    from pathlib import Path

    from lenslab import load

    h = lens(ElifChain(), torch.ones(3))
    path = Path(str(tmp_path)) / "chain.lens"
    h.save(path)
    assert _contexts(load(path)) == ["if", "elif"]
