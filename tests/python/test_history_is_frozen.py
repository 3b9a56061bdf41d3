"""A history keeps what the forward produced: later changes to inputs, parameters, outputs or a
kept tensor never rewrite it, postfunc cannot reach the forward, and a module's recorded output
is the one the model got (after the module's own forward hooks)."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from lenslab import LensError, lens


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.l1 = nn.Linear(4, 3)
        self.l2 = nn.Linear(3, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.l2(torch.relu(self.l1(x)))


def test_changing_the_input_after_capture_changes_nothing() -> None:
    x = torch.randn(2, 4)
    h = lens(Net(), x)
    before = x.clone()
    x.add_(100)
    assert torch.equal(h["input_1"].activation, before)


def test_optimizer_steps_do_not_rewrite_views_of_parameters() -> None:
    class Transposed(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.w = nn.Parameter(torch.randn(3, 4))

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x @ self.w.t()  # t() returns a view of the parameter

    model = Transposed()
    h = lens(model, torch.randn(2, 4))
    recorded = model.w.detach().t().clone()
    with torch.no_grad():
        model.w.add_(5)
        model.w.data.mul_(3)  # .data has its own version counter: only a copy is safe
    assert torch.equal(h["t_1_1"].activation, recorded)


def test_changing_an_activation_handed_out_is_caught() -> None:
    h = lens(Net(), torch.randn(2, 4))
    h["l1"].activation.add_(1)  # the user's in-place edit of what the history handed out
    with pytest.raises(LensError, match="changed in place after the capture"):
        _ = h["l1"].activation


def test_a_kept_tensor_changed_later_is_refused_not_returned() -> None:
    class Keeps(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.kept = x * 2  # the model keeps an intermediate (a cache, say)
            return self.kept.sum(dim=1)

    model = Keeps()
    h = lens(model, torch.randn(2, 4))
    assert torch.equal(h["mul_1_1"].activation, model.kept)
    model.kept.add_(1)
    with pytest.raises(LensError, match="changed in place after the capture"):
        _ = h["mul_1_1"].activation


def test_an_in_place_postfunc_cannot_touch_the_forward() -> None:
    class Remembers(Net):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            self.result = super().forward(x)
            return self.result

    x = torch.randn(2, 4)
    x_before = x.clone()
    model = Remembers()
    expected = model(x)
    h = lens(model, x, postfunc=lambda t: t.mul_(0))
    assert torch.equal(x, x_before)
    torch.testing.assert_close(model.result, expected)  # the forward ran on real values
    assert h["l1"].activation.abs().sum() == 0  # what postfunc returned is what is kept


def test_the_output_a_user_forward_hook_returns_is_recorded() -> None:
    model = Net()
    model.l1.register_forward_hook(lambda m, a, o: o * 0 + 5)
    h = lens(model, torch.randn(2, 4))
    assert torch.equal(h["l1"].activation, torch.full((2, 3), 5.0))
    assert h["l1"].label != h["linear_1_1"].label  # the hook's op, not the linear
    assert "l1:1" in h["l1"].output_of_modules
    assert len(model.l1._forward_hooks) == 1  # lenslab's own hook is gone again
