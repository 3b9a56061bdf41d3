"""Saved activations are what each op produced; save / postfunc / device / grads / seed."""

from __future__ import annotations

import torch

from lenslab import lens
from toy_models import BatchNormTrain, ConvBlockLoop, InPlaceChain, Noise, Recurrent, TwoLayer


def test_in_place_ops_do_not_change_saved_values() -> None:
    x = torch.randn(2, 3)
    h = lens(InPlaceChain(), x)
    y = x * 1.0
    torch.testing.assert_close(h["mul_1"].activation, y)
    torch.testing.assert_close(h["view_1"].activation, y.view(-1))  # a view of the mutated tensor
    torch.testing.assert_close(h["add_1"].activation, y + 1)
    torch.testing.assert_close(h["mul_2"].activation, (y + 1) * 2)
    expected = (y + 1) * 2
    expected[0] = 5.0
    torch.testing.assert_close(h["setitem_1"].activation, expected)
    torch.testing.assert_close(h["relu_1"].activation, expected.relu())
    torch.testing.assert_close(h["alias_1"].activation, expected.relu().view(-1))
    torch.testing.assert_close(h["input_1"].activation, x)


def test_input_mutated_in_place_keeps_its_saved_value() -> None:
    class Mutates(torch.nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x.mul_(3)

    x = torch.ones(3)
    h = lens(Mutates(), x)
    torch.testing.assert_close(h["input_1"].activation, torch.ones(3))
    torch.testing.assert_close(h["mul_1"].activation, torch.full((3,), 3.0))


def test_save_none_keeps_metadata_only() -> None:
    h = lens(TwoLayer(), torch.randn(2, 4), save=None)
    assert all(layer.activation is None for layer in h)
    assert h["fc1"].shape == (2, 8)


def test_save_list_keeps_keys_and_substrings() -> None:
    h = lens(TwoLayer(), torch.randn(2, 4), save=["fc1", "relu"])
    saved = {layer.label for layer in h if layer.activation is not None}
    assert saved == {"linear_1_1:1", "relu_1_2:1"}
    h = lens(TwoLayer(), torch.randn(2, 4), save=[0, -1])
    assert [layer.label for layer in h if layer.activation is not None] == [
        "input_1:1",
        "output_1:1",
    ]


def test_save_list_with_a_multi_pass_layer_keeps_every_pass() -> None:
    h = lens(Recurrent(), torch.randn(2, 6), save=["linear_1_1"])
    assert [x.pass_index for x in h if x.activation is not None] == [1, 2, 3, 4]


def test_postfunc_and_device_apply_to_saved_values() -> None:
    x = torch.randn(2, 4)
    h = lens(TwoLayer(), x, postfunc=lambda t: t.mean(), device="cpu")
    assert h["fc1"].activation.shape == ()
    assert [layer.func_name for layer in h][1:4] == ["linear", "relu", "linear"]  # not "mean"
    h2 = lens(TwoLayer(), x, save=["fc2"], postfunc=lambda t: t.sum())
    assert h2["fc2"].activation.shape == () and h2["fc1"].activation is None


def test_grads_fill_after_backward() -> None:
    model = TwoLayer()
    h = lens(model, torch.randn(2, 4, requires_grad=True), grads=True)
    h.outputs[0].activation.sum().backward()  # as the contract shows
    assert h["fc2"].grad is not None and h["fc2"].grad.shape == (2, 2)
    assert h["relu_1"].grad is not None and h["input_1"].grad is not None


def test_activations_are_detached_without_grads() -> None:
    h = lens(TwoLayer(), torch.randn(2, 4))
    assert not h.outputs[0].activation.requires_grad


def test_seed_makes_noise_repeatable() -> None:
    a = lens(Noise(), torch.ones(4), seed=3)["randn_1"].activation
    b = lens(Noise(), torch.ones(4), seed=3)["randn_1"].activation
    torch.testing.assert_close(a, b)


def test_batchnorm_training_updates_are_buffer_passes() -> None:
    model = BatchNormTrain().train()
    before = model.bn.running_mean.clone()
    h = lens(model, torch.randn(8, 4))
    mean_passes = [layer for layer in h.buffers if layer.address == "bn.running_mean"]
    assert len(mean_passes) == 2
    torch.testing.assert_close(mean_passes[0].activation, before)  # value before the update
    first_bn = h["batchnorm_1:1"]
    assert "bn.running_mean" in first_bn.mutates
    assert mean_passes[1].parents == [first_bn.label]
    assert h["bn.running_mean:2"].label == mean_passes[1].label


def test_eval_batchnorm_reads_buffers_once() -> None:
    h = lens(ConvBlockLoop().eval(), torch.randn(1, 3, 6, 6))
    buffers = [layer for layer in h.buffers]
    assert {b.address for b in buffers} == {"block.1.running_mean", "block.1.running_var"}
    assert all(b.num_passes == 1 for b in buffers)
    assert h["block.1.running_mean"].children == [f"batchnorm_1_3:{k}" for k in range(1, 5)]
