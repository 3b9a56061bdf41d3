"""User mistakes raise LensError; model exceptions propagate with a partial history; torch is
left exactly as it was."""

from __future__ import annotations

import gc
import threading
from typing import Any

import pytest
import torch
from torch import nn
from torch.nn.modules import module as torch_module

from lenslab import LensError, ModelHistory, lens
from toy_models import Raises, TwoLayer


def torch_state() -> tuple[Any, ...]:
    return (
        gc.isenabled(),
        torch._C._len_torch_function_stack(),
        torch.overrides._get_current_function_mode(),
        len(torch_module._global_forward_pre_hooks),
        len(torch_module._global_forward_hooks),
        len(torch_module._global_forward_hooks_always_called),
    )


CLEAN = torch_state()


@pytest.mark.parametrize("exc", [ValueError("boom"), KeyboardInterrupt()])
def test_model_exception_propagates_with_partial_history(exc: BaseException) -> None:
    with pytest.raises(type(exc)) as info:
        lens(Raises(exc), torch.randn(2, 4))
    assert info.value is exc
    partial = info.value.lens_history  # type: ignore[attr-defined]
    assert isinstance(partial, ModelHistory) and not partial.complete
    assert [layer.func_name for layer in partial][1:] == ["linear", "relu"]
    assert partial["fc"].module == "fc"
    assert torch_state() == CLEAN


def test_torch_is_unchanged_after_a_capture() -> None:
    lens(TwoLayer(), torch.randn(2, 4))
    assert torch_state() == CLEAN
    assert torch.randn(2).shape == (2,)


@pytest.mark.parametrize(
    ("model", "inputs", "message"),
    [
        ("not a model", torch.randn(2), "nn.Module"),
        (TwoLayer(), "text", "tensor, a tuple/list"),
        (TwoLayer(), torch.randn(2, 4, device="meta"), "Move one to the other"),
    ],
)
def test_user_mistakes_raise_lens_error(model: Any, inputs: Any, message: str) -> None:
    with pytest.raises(LensError, match=message):
        lens(model, inputs)
    assert torch_state() == CLEAN


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:FutureWarning")
def test_torchscript_is_refused() -> None:
    scripted = torch.jit.script(TwoLayer())
    with pytest.raises(LensError, match="TorchScript"):
        lens(scripted, torch.randn(2, 4))


def test_compiled_models_are_traced_eagerly() -> None:
    model = TwoLayer()
    compiled = torch.compile(model)
    h = lens(compiled, torch.randn(2, 4))
    assert h.model_type == "TwoLayer" and h["fc2"].func_name == "linear"


def test_nested_lens_call_is_refused() -> None:
    class Nested(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            lens(TwoLayer(), torch.randn(2, 4))
            return x

    with pytest.raises(LensError, match="nested") as info:
        lens(Nested(), torch.randn(2))
    partial = info.value.lens_history  # type: ignore[attr-defined]
    assert isinstance(partial, ModelHistory) and not partial.complete
    assert torch_state() == CLEAN


def test_lens_error_is_an_exception() -> None:
    assert issubclass(LensError, Exception)


def test_capture_in_a_thread_does_not_leak_into_the_main_thread() -> None:
    done: list[ModelHistory] = []
    worker = threading.Thread(target=lambda: done.append(lens(TwoLayer(), torch.randn(2, 4))))
    worker.start()
    worker.join()
    assert len(done[0]) == 5 and torch_state() == CLEAN
