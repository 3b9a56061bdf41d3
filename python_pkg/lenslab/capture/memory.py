"""``lens(..., memory=True)``: what autograd keeps for backward, per op.

A subclass of the trace builder, used only when asked for, so a capture without it pays
nothing per op. Autograd's saved-tensor hooks (``torch.autograd.graph.saved_tensors_hooks``)
see every tensor an op's backward will need, at the moment the op saves it; the bytes seen
while one recorded op runs are that op's ``saved_for_backward_bytes``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from .builder import TraceBuilder


def tensor_bytes(tensor: torch.Tensor) -> int:
    """Elements x element size: what the tensor's values take (views count their own size)."""
    return tensor.numel() * tensor.element_size()


class MemoryTraceBuilder(TraceBuilder):
    """Also adds up, per recorded op, the bytes autograd saves for its backward."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.saved_bytes = {}
        self._pending = 0

    def saved_tensors_hooks(self) -> torch.autograd.graph.saved_tensors_hooks:
        """The hooks to hold around the model call."""
        return torch.autograd.graph.saved_tensors_hooks(self._pack, _unpack)

    def _pack(self, tensor: torch.Tensor) -> torch.Tensor:
        # Only ops run by ``_call`` are attributed; a save between ops (none in practice) is
        # cleared by the next ``_call``.
        self._pending += tensor_bytes(tensor)
        return tensor  # kept exactly as autograd would keep it

    def _call(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, float]:
        self._pending = 0
        return super()._call(func, args, kwargs)

    def _record(self, *args: Any, **kwargs: Any) -> int:
        first = super()._record(*args, **kwargs)
        if self.saved_bytes is not None:
            self.saved_bytes[first] = self._pending
        self._pending = 0
        return first


def _unpack(tensor: torch.Tensor) -> torch.Tensor:
    return tensor
