"""Interventions: replace chosen ops' outputs while the forward pass runs (``lens(intervene=)``).

Only a capture with interventions uses ``InterveningBuilder``; an ordinary capture runs the
plain ``TraceBuilder`` and pays nothing. Targets are op positions, resolved from labels by a
metadata-only first pass (labels need the finished graph); the replacement is what later ops,
the model's return value and the history all see.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch

from ..errors import LensError
from .builder import TraceBuilder
from .funcinfo import FuncInfo
from .records import OP, intern_shape

Tensor = torch.Tensor
# What the user gives per key: "zero", a tensor, or f(activation, layer) -> tensor.
Replacement = str | Tensor | Callable[[Tensor, Any], Any]


class Target:
    """One op to replace: what the first pass knew about it and what to put in its place."""

    __slots__ = ("func", "key", "layer", "replacement")

    def __init__(self, key: str, layer: Any, func: str, replacement: Replacement) -> None:
        self.key = key  # as the user wrote it
        self.layer = layer  # the LayerPass of the metadata pass (label, module, shape, ...)
        self.func = func  # callable name the op must have in this pass too
        self.replacement = replacement


class InterveningBuilder(TraceBuilder):
    """A ``TraceBuilder`` that swaps the outputs of target ops for their replacements."""

    targets: dict[int, Target]
    intervened: dict[int, str]  # op position -> how it was replaced ("zero", "tensor", "function")

    def run(
        self,
        func: Callable[..., Any],
        info: FuncInfo,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        before = len(self.ops)
        return self._swap(before, super().run(func, info, args, kwargs))

    def run_special(
        self,
        func: Callable[..., Any],
        info: FuncInfo,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        mode: Any,
    ) -> Any:
        before = len(self.ops)
        return self._swap(before, super().run_special(func, info, args, kwargs, mode))

    def replaced_since(self, first: int) -> bool:
        return any(index >= first for index in self.intervened)

    def _swap(self, before: int, out: Any) -> Any:
        """Replace the output of any target op recorded since ``before`` (a target recorded in
        a nested call was replaced there, and is what ``out`` already holds)."""
        after = len(self.ops)
        if after == before or not any(i in self.targets for i in range(before, after)):
            return out
        for index in range(before, after):
            if index in self.intervened:
                continue
            target = self.targets.get(index)
            if target is not None and self.ops[index].kind == OP:
                out = self._replace(index, target, out)
        return out

    def _replace(self, index: int, target: Target, out: Any) -> Any:
        record = self.ops[index]
        label = target.layer.label
        if record.name != target.func:
            raise LensError(
                f"intervene={{{target.key!r}: ...}}: op {label} was {target.func} when the "
                f"labels were resolved but {record.name} in the intervened pass; the model runs "
                "different ops from call to call (seed it, or intervene on a module address)."
            )
        many = not isinstance(out, Tensor)
        original = out[record.out_index] if many else out
        new = replacement_value(target, original)
        self._redirect(index, original, new)
        if not many:
            return new
        items = list(out)
        items[record.out_index] = new
        return type(out)(items)  # tuple, list or a torch.return_types record

    def _redirect(self, index: int, original: Tensor, new: Tensor) -> None:
        """Make the record, the store and the producer table point at the replacement."""
        record = self.ops[index]
        record.shape = intern_shape(new.shape)
        self._producer.pop(id(original), None)
        self._set_producer(new, index)
        self.store.replace(index, new, record.name)
        self.intervened[index] = _kind(self.targets[index].replacement)


def replacement_value(target: Target, activation: Tensor) -> Tensor:
    """The tensor that takes ``activation``'s place; a ``LensError`` when it cannot."""
    how = target.replacement
    label = target.layer.label
    if isinstance(how, str):
        if how != "zero":
            raise LensError(
                f'intervene={{{target.key!r}: {how!r}}}: the only named intervention is "zero"; '
                "pass a tensor or a function f(activation, layer) -> tensor instead."
            )
        with torch.no_grad():
            return torch.zeros_like(activation)
    if isinstance(how, Tensor):
        new: Any = how.clone()  # the model may change it in place: never the user's tensor
    else:
        new = how(activation, target.layer)
    if not isinstance(new, Tensor):
        raise LensError(
            f"intervene={{{target.key!r}: ...}} on {label}: the function returned "
            f"{type(new).__name__}, not a tensor. Return the replacement activation."
        )
    if new.shape != activation.shape:
        raise LensError(
            f"intervene={{{target.key!r}: ...}} on {label}: the replacement has shape "
            f"{tuple(new.shape)} but the op's output has shape {tuple(activation.shape)}. "
            "Return a tensor of the op's shape (expand or broadcast it first)."
        )
    result: Tensor = new
    if result.dtype != activation.dtype or result.device != activation.device:
        result = result.to(dtype=activation.dtype, device=activation.device)
    return result


def _kind(how: Replacement) -> str:
    if isinstance(how, str):
        return how
    return "tensor" if isinstance(how, Tensor) else "function"
