"""Memory: ``lens(..., max_memory=)`` stops a capture before it fills the machine, and a capture
that runs out of memory anyway ends in a ``LensError`` that names the largest saved layers and
what to do — with the saved activations let go, so the next capture has the memory back."""

from __future__ import annotations

import re
from typing import Any

import torch

from ..errors import LensError
from .store import ActivationStore

_UNITS = {"": 1, "B": 1, "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12,
          "KIB": 2**10, "MIB": 2**20, "GIB": 2**30, "TIB": 2**40}  # fmt: skip
_SIZE = re.compile(r"^\s*([0-9]*\.?[0-9]+)\s*([a-zA-Z]*)\s*$")
HOW_TO_KEEP_LESS = (
    "Keep less: save=[...] with only the layers you need, postfunc= to keep a reduction (e.g. "
    "postfunc=lambda t: t.mean(dim=0)), save=None for the graph alone, or "
    "lenslab.extract(model, data, layers, to='acts.zarr') to stream activations to disk."
)


class MemoryLimitReached(LensError):
    """Saved activations passed ``max_memory`` (raised inside the forward, to stop it)."""


def parse_size(value: Any) -> int | None:
    """``max_memory``: ``None``, a number of bytes, or text such as ``"8GB"`` / ``"512 MiB"``."""
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
        return int(value)
    match = _SIZE.match(value) if isinstance(value, str) else None
    unit = _UNITS.get(match.group(2).upper()) if match else None
    if match is None or unit is None or float(match.group(1)) <= 0:
        raise LensError(
            f"max_memory={value!r} is not a size: give bytes (8_000_000_000) or text such as "
            "'8GB', '512MB' or '16GiB'."
        )
    return int(float(match.group(1)) * unit)


class BoundedStore(ActivationStore):
    """An ``ActivationStore`` that counts the bytes it keeps and stops the forward past
    ``limit`` (used only with ``max_memory``: the plain store does no counting)."""

    def __init__(self, *args: Any, limit: int) -> None:
        super().__init__(*args)
        self.as_is = False  # every kept value goes through ``keep``, which counts it
        self.limit = limit
        self.used = 0

    def keep(self, index: int, tensor: torch.Tensor, label_hint: str = "") -> None:
        super().keep(index, tensor, label_hint)
        self._count(index)

    def keep_late(self, index: int, tensor: torch.Tensor, label_hint: str = "") -> None:
        super().keep_late(index, tensor, label_hint)
        self._count(index)

    def _count(self, index: int) -> None:
        value = self.values[index]
        if isinstance(value, torch.Tensor):
            self.used += value.numel() * value.element_size()
            if self.used > self.limit:
                raise MemoryLimitReached(f"saved activations passed max_memory={_size(self.limit)}")


def out_of_memory(exc: BaseException) -> bool:
    """torch's allocators (CUDA, CPU), Python's, or ``max_memory``."""
    if isinstance(exc, (torch.OutOfMemoryError, MemoryError, MemoryLimitReached)):
        return True
    text = str(exc).lower() if isinstance(exc, RuntimeError) else ""
    return "out of memory" in text or "not enough memory" in text


def memory_error(exc: BaseException, builder: Any) -> LensError:
    """The ``LensError`` for a capture that ran out of memory; drops the saved activations."""
    if isinstance(exc, MemoryLimitReached):
        what = f"stopped: {exc}"
    else:
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        what = f"ran out of memory ({first})"
    if builder is None:
        return LensError(f"lens(): the capture {what}. {HOW_TO_KEEP_LESS}")
    store = builder.store
    sizes = [
        (v.numel() * v.element_size(), i)
        for i, v in enumerate(store.values)
        if isinstance(v, torch.Tensor)
    ]
    largest = ", ".join(f"{_name(builder, i)} {_size(n)}" for n, i in sorted(sizes)[::-1][:5])
    held = f", holding {_size(sum(n for n, _ in sizes))} of saved activations"
    store.values[:] = [None] * len(store.values)  # let them go: the next capture needs the room
    store.grads.clear()
    builder.kept_args.clear()
    return LensError(
        f"lens(): the capture {what} after {len(builder.ops)} ops{held}"
        f"{'; the largest: ' + largest if largest else ''}. {HOW_TO_KEEP_LESS} "
        "max_memory='8GB' (say) stops a capture before it fills the machine."
    )


def _name(builder: Any, index: int) -> str:
    op = builder.ops[index] if index < len(builder.ops) else None
    if op is None:
        return f"op {index}"
    calls = builder.modules.calls
    where = f" in {calls[op.module_call].address}" if 0 <= op.module_call < len(calls) else ""
    return f"{op.name} (op {index}{where})"


def _size(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1000:
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1000
    return f"{n:.1f} TB"
