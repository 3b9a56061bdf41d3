"""The engineer's profile: grad_fn, parameters and their grads, memory, module figures."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from lenslab import lens


class Block(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(8, 16)
        self.norm = nn.BatchNorm1d(16)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.norm(self.fc(x)))


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(16, 3)
        self.head.bias.requires_grad_(False)  # one frozen parameter

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.block(x)) * 2.0


def _net() -> Net:
    torch.manual_seed(0)
    return Net()


def test_grad_fn_names_the_autograd_node() -> None:
    h = lens(_net(), torch.randn(4, 8))
    assert h["block.fc"].grad_fn == "AddmmBackward0"
    assert h["relu_1_4"].grad_fn == "ReluBackward0"
    assert h.inputs[0].grad_fn is None
    with torch.no_grad():
        h2 = lens(_net(), torch.randn(4, 8))
    assert all(layer.grad_fn is None for layer in h2)


def test_param_grads_equal_those_of_the_same_backward_without_lens() -> None:
    model = _net()
    reference = copy.deepcopy(model)
    x = torch.randn(4, 8)
    h = lens(model, x, grads=True)
    h.outputs[0].activation.square().sum().backward()
    reference(x).square().sum().backward()
    params = h.params
    assert set(params) == {n for n, _ in model.named_parameters()}
    for name, p in reference.named_parameters():
        info = params[name]
        assert info.shape == tuple(p.shape) and info.dtype == p.dtype
        assert info.trainable == p.requires_grad
        if p.requires_grad:
            assert info.grad is not None and torch.allclose(info.grad, p.grad)
            assert info.grad is dict(model.named_parameters())[name].grad
        else:
            assert info.grad is None
    assert params["head.weight"].used_by == [h["head"].label]


def test_several_backward_passes_accumulate_param_grads_and_replace_layer_grads() -> None:
    model = _net()
    h = lens(model, torch.randn(4, 8), grads=True)
    out = h.outputs[0].activation
    out.sum().backward(retain_graph=True)
    first_param = h.params["head.weight"].grad.clone()
    (3 * out).sum().backward()
    assert torch.allclose(h.params["head.weight"].grad, 4 * first_param)  # p.grad sums
    assert torch.allclose(
        h["head"].grad, torch.full((4, 3), 6.0)
    )  # the last backward only (3 x the 2.0 after head)


def _expected_saved(op: object, *args: torch.Tensor) -> int:
    seen: list[int] = []

    def pack(t: torch.Tensor) -> torch.Tensor:
        seen.append(t.numel() * t.element_size())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        op(*args)  # type: ignore[operator]
    return sum(seen)


def test_saved_for_backward_bytes_match_a_hand_written_hook() -> None:
    model = _net()
    x = torch.randn(4, 8)
    h = lens(model, x, memory=True)
    fc_out = h["block.fc"]
    assert fc_out.saved_for_backward_bytes == _expected_saved(model.block.fc, x)
    relu_in = h[h["relu_1_4"].parents[0]].activation.clone().requires_grad_()
    assert h["relu_1_4"].saved_for_backward_bytes == _expected_saved(torch.relu, relu_in)
    # Over the whole pass: what one hook around the plain forward sees.
    fresh = _net()
    assert sum(layer.saved_for_backward_bytes or 0 for layer in h) == _expected_saved(fresh, x)
    assert h.modules["block"].saved_for_backward_bytes == sum(
        h[i].saved_for_backward_bytes or 0 for i in h.modules["block"].ops
    )


def test_without_memory_nothing_is_recorded() -> None:
    h = lens(_net(), torch.randn(4, 8))
    assert h["block.fc"].saved_for_backward_bytes is None
    assert h.modules["block"].saved_for_backward_bytes is None
    assert h._trace.saved_bytes is None


def test_module_figures() -> None:
    model = _net()
    model.block.norm.eval()
    h = lens(model, torch.randn(4, 8))
    mods = h.modules
    assert mods[""].training and mods["block"].training and not mods["block.norm"].training
    block_ops = [h[i] for i in mods["block"].ops if h[i].role == "op"]
    assert mods["block"].time_s == pytest.approx(sum(op.time_s for op in block_ops))
    assert mods["block"].flops == sum(op.flops for op in block_ops) > 0
    assert h["block.fc"].output_bytes == 4 * 16 * 4
    assert mods["block"].output_bytes == sum(op.output_bytes for op in block_ops)
    assert mods["head"].own_params == 16 * 3 + 3
    assert (mods[""].trainable_params, mods[""].frozen_params) == (8 * 16 + 16 + 32 + 48, 3)
    assert mods["block"].own_params == 0 and mods["block"].num_params == 8 * 16 + 16 + 32
    frame = mods.to_pandas()
    assert list(frame["address"]) == list(mods) and "training" in frame.columns


def test_summary_has_a_depth_limited_module_table() -> None:
    h = lens(_net(), torch.randn(4, 8))
    text = h.summary(depth=1)
    assert "block (Block)" in text and "head (Linear)" in text
    assert "fc (Linear)" not in text
    assert "frozen 3" in text
    assert "fc (Linear)" in h.summary()
    assert "kept for backward" not in h.summary()
    assert "kept for backward" in lens(_net(), torch.randn(4, 8), memory=True).summary()


def test_to_pandas_profile_columns_and_gradient_flow() -> None:
    model = _net()
    h = lens(model, torch.randn(4, 8), grads=True, memory=True)
    h.outputs[0].activation.sum().backward()
    frame = h.to_pandas().set_index("label")
    for column in ("grad_fn", "output_bytes", "saved_for_backward_bytes", "grad_ratio"):
        assert column in frame.columns
    fc = h["block.fc"]
    expected = float(fc.grad.norm() / fc.activation.detach().norm())
    assert frame.loc[fc.label, "grad_ratio"] == pytest.approx(expected, rel=1e-5)
    assert frame.isna().loc[h.inputs[0].label, "grad_norm"]  # the input takes no grad here


def test_gradient_flow_flags_a_collapsing_layer() -> None:
    class Squash(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            a = x * 1.0
            b = torch.tanh(a * 1e4)  # saturated: almost no gradient flows back through it
            return b * 3.0

    x = torch.randn(64, requires_grad=True)
    h = lens(Squash(), x, grads=True)
    h.outputs[0].activation.sum().backward()
    flags = h.to_pandas().set_index("label")["grad_flag"]
    assert flags[h["mul_1_1"].label] == "vanishing"
    assert flags.isna()[h["tanh_1_3"].label]  # the saturated op itself passes grads on


def test_the_wire_graph_carries_saved_bytes_only_with_memory() -> None:
    from lenslab.export.compact import compact
    from lenslab.export.wire import to_wire

    assert "saved_bytes" not in compact(to_wire(lens(_net(), torch.randn(4, 8))))
    h = lens(_net(), torch.randn(4, 8), memory=True)
    sent = compact(to_wire(h))["saved_bytes"]
    assert sent == [layer.saved_for_backward_bytes for layer in h]
    assert h.show(overlay="kept for backward").view_options == {"overlay": "saved"}
