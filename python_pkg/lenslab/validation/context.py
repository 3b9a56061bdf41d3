"""What a capture for validation keeps besides the ops: the model, its inputs, the RNG state
and buffers as they were just before the forward pass, and the grad mode.

``lens(..., keep_args=True)`` builds a ``RunContext`` before the pass and attaches it to the
``Capture`` afterwards; ordinary captures build none. Captures are keys of a weak mapping, so a
context lives exactly as long as its capture.
"""

from __future__ import annotations

import random
import weakref
from typing import TYPE_CHECKING, Any

import torch

if TYPE_CHECKING:
    from ..trace.record import Capture


def _cuda_in_use() -> bool:
    return bool(torch.cuda.is_initialized())  # type: ignore[no-untyped-call]  # untyped in torch


class RngState:
    """Global RNG states (torch CPU, CUDA when initialised, Python, numpy), to restore later."""

    def __init__(self) -> None:
        self.cpu = torch.get_rng_state()
        self.cuda = torch.cuda.get_rng_state_all() if _cuda_in_use() else None
        self.python = random.getstate()
        self.numpy: Any = None
        try:
            import numpy

            self.numpy = numpy.random.get_state()
        except ImportError:  # numpy is optional
            pass

    def restore(self) -> None:
        torch.set_rng_state(self.cpu)
        if self.cuda is not None:
            torch.cuda.set_rng_state_all(self.cuda)
        random.setstate(self.python)
        if self.numpy is not None:
            import numpy

            numpy.random.set_state(self.numpy)


def torch_rng() -> tuple[torch.Tensor, list[torch.Tensor] | None]:
    """The torch generator states only: cheap enough to take before every replayed op."""
    cuda = torch.cuda.get_rng_state_all() if _cuda_in_use() else None
    return torch.get_rng_state(), cuda


def set_torch_rng(state: tuple[torch.Tensor, list[torch.Tensor] | None]) -> None:
    torch.set_rng_state(state[0])
    if state[1] is not None:
        torch.cuda.set_rng_state_all(state[1])


def _clone_tree(obj: Any) -> Any:
    """Copies of the tensors in nested tuples/lists/dicts (the model may change its inputs)."""
    if isinstance(obj, torch.Tensor):
        return obj.detach().clone()
    if isinstance(obj, (tuple, list)):
        return type(obj)(_clone_tree(o) for o in obj) if type(obj) in (tuple, list) else obj
    if type(obj) is dict:
        return {k: _clone_tree(v) for k, v in obj.items()}
    return obj


class RunContext:
    """The model and its state just before the captured forward pass."""

    def __init__(self, model: torch.nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any]):
        self.model = model
        self.args: tuple[Any, ...] = _clone_tree(args)
        self.kwargs: dict[str, Any] = _clone_tree(kwargs)
        self.grad_enabled = torch.is_grad_enabled()
        self.buffers = {name: b.detach().clone() for name, b in model.named_buffers()}
        self.rng = RngState()  # taken last: cloning consumes no random numbers, but be safe
        self.param_ids = {id(p) for p in model.parameters()}
        self.targets: dict[int, Any] | None = None  # lens(intervene=): op position -> Target
        self.attention_weights = False  # as captured: it decides which ops the targets index

    def load_buffers(self, values: dict[str, torch.Tensor]) -> None:
        with torch.no_grad():
            for name, buffer in self.model.named_buffers():
                saved = values.get(name)
                if saved is not None and saved.shape == buffer.shape:
                    buffer.copy_(saved)


_CONTEXTS: weakref.WeakKeyDictionary[Capture, RunContext] = weakref.WeakKeyDictionary()


def attach_context(capture: Capture, context: RunContext) -> None:
    _CONTEXTS[capture] = context


def context_of(capture: Capture) -> RunContext | None:
    return _CONTEXTS.get(capture)
