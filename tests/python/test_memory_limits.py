"""Out of memory: a ``LensError`` naming the largest saved layers and what to do, with the saved
activations let go (the next capture has the memory back); ``max_memory=`` stops a capture
before it fills the machine."""

from __future__ import annotations

import gc
import weakref

import pytest
import torch
from torch import nn

from lenslab import LensError, lens


class Grows(nn.Module):
    """Makes ever larger activations; optionally fails as torch's allocator does."""

    def __init__(self, fail: bool) -> None:
        super().__init__()
        self.proj = nn.Linear(16, 16)
        self.fail = fail
        self.steps = 0
        self.big: weakref.ref[torch.Tensor] | None = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.proj(x)
        for size in (1, 4, 64, 256, 1024):
            x = x.repeat(size, 1)[: x.shape[0]] + torch.zeros(size * 1024, 16).sum()
            y = torch.ones(size * 1024, 16) * 2  # the large ones
            self.big = weakref.ref(y)
            self.steps += 1
        if self.fail:
            raise torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 20.00 GiB")
        return x


def test_out_of_memory_is_a_lens_error_that_lets_go() -> None:
    model = Grows(fail=True)
    with pytest.raises(LensError) as info:
        lens(model, torch.randn(4, 16))
    message = str(info.value)
    assert "ran out of memory (CUDA out of memory" in message
    assert "the largest: mul (op" in message and "67.1 MB" in message  # 1024*1024*16 float32
    assert "save=[" in message and "postfunc=" in message and "extract" in message
    # The allocator's exception, and the frames holding the activations, are not kept.
    assert not isinstance(info.value.__context__, torch.OutOfMemoryError)
    assert info.value.__cause__ is None
    partial = info.value.lens_history  # type: ignore[attr-defined]
    assert partial is not None and not partial.complete
    assert all(layer.activation is None for layer in partial)  # metadata only
    del info
    gc.collect()
    assert model.big is not None and model.big() is None  # nothing pins the activations
    assert lens(nn.Linear(16, 2), torch.randn(4, 16))  # and the next capture works


def test_max_memory_stops_before_the_machine_does() -> None:
    model = Grows(fail=False)
    with pytest.raises(LensError, match=r"passed max_memory=5\.0 MB.*the largest: zeros") as info:
        lens(model, torch.randn(4, 16), max_memory="5MB")
    assert model.steps < 5  # stopped inside the forward, not after it
    assert info.value.lens_history is not None  # type: ignore[attr-defined]
    h = lens(Grows(fail=False), torch.randn(4, 16), max_memory=10**9)
    assert h.complete


@pytest.mark.parametrize("bad", ["lots", "-1GB", "5 parsecs", True])
def test_max_memory_must_be_a_size(bad: object) -> None:
    with pytest.raises(LensError, match="is not a size"):
        lens(nn.Linear(2, 2), torch.randn(1, 2), max_memory=bad)  # type: ignore[arg-type]
