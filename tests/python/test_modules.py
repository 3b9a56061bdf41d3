"""Module hierarchy: the address tree, the call tree, and what each call did."""

from __future__ import annotations

import torch
from torch import nn

from lenslab import lens
from toy_models import ConvBlockLoop, Shared


class Outer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.inner = nn.Sequential(nn.Linear(3, 4), nn.ReLU())
        self.head = nn.Linear(4, 2)
        self.unused = nn.Linear(2, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.inner(x) * 2)


def test_address_tree_types_and_recursive_param_counts() -> None:
    h = lens(Outer(), torch.randn(3))
    modules = h.modules
    assert modules[""].type == "Outer" and modules[""].children == ["inner", "head", "unused"]
    assert modules["inner"].type == "Sequential"
    assert modules["inner"].children == ["inner.0", "inner.1"]
    assert modules["inner"].num_params == 3 * 4 + 4
    assert modules[""].num_params == 16 + 10 + 6
    assert modules["inner.0"].parent == "inner" and modules[""].parent is None
    assert modules["unused"].num_calls == 0 and modules["head"].num_calls == 1


def test_module_stack_is_outer_to_inner() -> None:
    h = lens(Outer(), torch.randn(3))
    linear = h["linear_1"]
    assert linear.module_stack == ["inner:1", "inner.0:1"] and linear.module == "inner.0"
    assert h["mul_1"].module_stack == [] and h["mul_1"].module is None


def test_per_module_ops_inputs_and_outputs() -> None:
    h = lens(Outer(), torch.randn(3))
    inner = h.modules["inner"]
    labels = [h[i].label for i in inner.ops]
    assert labels == ["linear_1_1:1", "relu_1_2:1"]
    assert [h[i].label for i in inner.inputs] == ["input_1:1"]
    assert [h[i].label for i in inner.outputs] == ["relu_1_2:1"]
    assert h["relu_1"].output_of_modules == ["inner:1", "inner.1:1"]  # outer -> inner


def test_modules_called_several_times_have_numbered_calls() -> None:
    h = lens(ConvBlockLoop().eval(), torch.randn(1, 3, 6, 6))
    block = h.modules["block"]
    assert block.num_calls == 4 and len(block.calls) == 4
    assert h["conv2d_2_2:3"].module_stack == ["block:3", "block.0:3"]


def test_shared_module_call_tree_differs_from_address_tree() -> None:
    h = lens(Shared(), torch.randn(4))
    assert h.modules["a"].num_calls == 2
    assert h["linear_1_1:2"].module_stack == ["a:2"]


def test_module_outputs_match_forward_hooks() -> None:
    model = Outer()
    x = torch.randn(3)
    seen: dict[str, torch.Tensor] = {}
    for address, module in model.named_modules():
        if address:
            module.register_forward_hook(
                lambda _m, _i, out, a=address: seen.__setitem__(a, out.detach().clone())
            )
    model(x)
    h = lens(model, x)
    for address, tensor in seen.items():
        torch.testing.assert_close(h[address].activation, tensor)
