"""Every torch call that produces a tensor is one recorded op, with its facts."""

from __future__ import annotations

import threading
from pathlib import Path

import torch
from torch import nn
from torch.nn import functional as F

from lenslab import lens
from toy_models import Attention, Factories, InPlaceChain, MultiOutput, Noise, TwoLayer


def ops_of(history: object) -> list[str]:
    return [layer.func_name for layer in history if layer.role == "op"]  # type: ignore[attr-defined]


class Everything(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.sin(x)  # torch.*
        y = F.gelu(y)  # functional
        y = y.permute(1, 0).contiguous().view(4, 2)  # methods
        y = y @ torch.ones(2, 2)  # operator + factory
        y = torch.linalg.norm(y, dim=1, keepdim=True) + y  # linalg
        y = torch.fft.fft(y).real  # fft + property
        y = y[1:, :]  # __getitem__
        return -y.T  # property + unary operator


def test_torch_functions_methods_operators_and_factories_are_each_one_op() -> None:
    h = lens(Everything(), torch.randn(2, 4))
    assert ops_of(h) == [
        "sin",
        "gelu",
        "permute",
        "contiguous",
        "view",
        "ones",
        "matmul",
        "linalg_norm",
        "add",
        "fft_fft",
        "real",
        "__getitem__",
        "T",
        "neg",
    ]
    assert [layer.type for layer in h][-3:] == ["t", "neg", "output"]


def test_parents_children_and_argument_slots() -> None:
    class Sub(nn.Module):
        def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
            return torch.sub(b, a) + torch.cat([a, b]).sum() + torch.where(a > 0, a, other=b)

    h = lens(Sub(), (torch.randn(3), torch.randn(3)))
    sub = h["sub_1"]
    assert sub.parent_args == {"0": "input_2:1", "1": "input_1:1"}
    cat = h["cat_1"]
    assert cat.parent_args == {"0.0": "input_1:1", "0.1": "input_2:1"}
    where = h["where_1"]
    assert where.parent_args["other"] == "input_2:1"
    assert sub.label in h["input_1"].children


def test_same_tensor_twice_is_one_parent_with_two_slots() -> None:
    class Square(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * x

    h = lens(Square(), torch.randn(3))
    assert h["mul_1"].parents == ["input_1:1"]
    from lenslab.export.wire import to_wire

    wire_op = to_wire(h)["ops"][h["mul_1"].index]
    assert wire_op["parents"] == [0] and wire_op["parent_args"] == ["0,1"]


def test_output_shape_dtype_params_and_module() -> None:
    h = lens(TwoLayer(), torch.randn(5, 4))
    fc1 = h["fc1"]
    assert fc1.shape == (5, 8) and fc1.dtype == torch.float32
    assert fc1.params == ["fc1.weight", "fc1.bias"] and fc1.num_params == 40
    assert fc1.param_shapes == [(8, 4), (8,)] and fc1.params_trainable is True
    assert fc1.module == "fc1" and fc1.module_stack == ["fc1:1"]
    assert h["relu_1"].module == "act"
    assert fc1.flops == 2 * 5 * 8 * 4
    assert fc1.time_s > 0


def test_frozen_parameters_and_buffers_read() -> None:
    model = nn.Sequential(nn.Linear(2, 2), nn.BatchNorm1d(2)).eval()
    model[0].weight.requires_grad_(False)
    h = lens(model, torch.randn(3, 2))
    assert h["0"].params_trainable is None  # frozen weight, trainable bias
    assert h["1"].buffers == ["1.running_mean", "1.running_var"]


def test_source_is_the_first_user_frame() -> None:
    h = lens(Noise(), torch.randn(4))
    filename, line = h["randn_1"].source  # type: ignore[misc]
    assert filename.endswith("toy_models.py")
    assert "torch.randn" in Path(filename).read_text().splitlines()[line - 1]
    assert h["linear_1"].source[0].endswith("toy_models.py")  # type: ignore[index]


def test_in_place_ops_and_setitem_are_recorded() -> None:
    h = lens(InPlaceChain(), torch.randn(2, 3))
    ops = ["mul", "view", "add_", "mul_", "__setitem__", "relu", "alias", "sum", "add"]
    assert ops_of(h) == ops
    assert h["add_1"].mutates == ["inplace"]
    assert h["setitem_1"].parents == ["mul_2_4:1"]  # the value it changed came from mul_


def test_a_view_changed_through_its_base_reads_from_an_alias_node() -> None:
    h = lens(InPlaceChain(), torch.randn(2, 3))
    alias = h["alias_1"]
    assert alias.parents == ["view_1_2:1", "relu_1_6:1"]  # stale view, last in-place writer
    assert alias.parent_args == {"0": "view_1_2:1", "write": "relu_1_6:1"}
    assert h["sum_1"].parents == [alias.label]


def test_inference_mode_captures() -> None:
    with torch.inference_mode():
        h = lens(InPlaceChain(), torch.randn(2, 3))
    assert h["relu_1"].shape == (2, 3)


def test_multi_output_functions_give_one_pass_per_output_tensor() -> None:
    h = lens(MultiOutput(), torch.randn(2, 4))
    splits = [layer for layer in h if layer.func_name == "split"]
    assert [layer.shape for layer in splits] == [(2, 2), (2, 2)]
    maxes = [layer for layer in h if layer.func_name == "max"]
    assert [layer.dtype for layer in maxes] == [torch.float32, torch.int64]
    assert h["output_3"].parents == [maxes[1].label]


def test_factories_have_no_input_ancestor() -> None:
    h = lens(Factories(), torch.randn(4))
    assert not h["zeros_1"].has_input_ancestor
    assert not h["arange_1"].has_input_ancestor
    assert h["oneslike_1"].has_input_ancestor  # computed from the input's shape
    noise = lens(Noise(), torch.randn(4))
    assert not noise["randn_1"].has_input_ancestor and not noise["mul_1"].has_input_ancestor
    assert noise["add_1"].has_input_ancestor


def test_ops_inside_a_recorded_op_are_not_recorded_twice() -> None:
    # multi_head_attention_forward is recorded op by op (composite); the fused attention
    # inside it is one op, and nothing it runs in C++ is recorded again.
    h = lens(Attention().eval(), torch.randn(1, 3, 8))
    funcs = ops_of(h)
    assert "multi_head_attention_forward" not in funcs
    assert funcs.count("scaled_dot_product_attention") == 1
    assert funcs.count("linear") == 2 and "softmax" not in funcs
    assert "mha.in_proj_weight" in h["linear_1"].params and h["linear_1"].module == "mha"


def test_ops_from_other_threads_are_not_recorded() -> None:
    class Threaded(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            worker = threading.Thread(target=lambda: torch.cos(x))
            worker.start()
            worker.join()
            return torch.sin(x)

    h = lens(Threaded(), torch.randn(3))
    assert ops_of(h) == ["sin"]


def test_non_tensor_arguments_are_summarised() -> None:
    class Conv(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return F.max_pool2d(x, kernel_size=2, stride=2)

    h = lens(Conv(), torch.randn(1, 1, 4, 4))
    summary = h["maxpool2d_1"].args_summary
    assert "stride=2" in summary and "ceil_mode=False" in summary


def test_final_outputs_equal_a_plain_forward() -> None:
    model = TwoLayer()
    x = torch.randn(3, 4)
    h = lens(model, x)
    torch.testing.assert_close(h.outputs[0].activation, model(x))
