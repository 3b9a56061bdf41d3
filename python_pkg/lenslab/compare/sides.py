"""The three tensors a compare view can ask for per op of ``a``: a's, b's and their difference.

``b`` answers under a's labels (through the match), and the difference is a ``Capture`` that
shares a's graph and computes ``b - a`` when a value is first read, so requests for any side go
through the ordinary ``DataServer``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from ..capture import ActivationStore
from ..trace.record import Capture, make_capture


class _Differences(list[Any]):
    """``b - a`` per op of ``a``, computed on first access; ``None`` where there is none."""

    def __init__(self, a: Capture, b: Capture, pairs: dict[int, int]) -> None:
        super().__init__([None] * len(a))
        self._a, self._b, self._pairs = a.trace.store.values, b.trace.store.values, pairs
        self._done: set[int] = set()

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        i = index + len(self) if index < 0 else index
        if i not in self._done:
            self._done.add(i)
            super().__setitem__(i, self._difference(i))
        return super().__getitem__(i)

    def _difference(self, i: int) -> torch.Tensor | None:
        j = self._pairs.get(i)
        x = self._a[i]
        y = self._b[j] if j is not None else None
        if not isinstance(x, torch.Tensor) or not isinstance(y, torch.Tensor):
            return None
        if x.shape != y.shape or x.dtype == torch.bool:
            return None
        with torch.no_grad():
            x = x.detach()
            y = y.detach().to(x.device)
            if not (x.is_floating_point() or x.is_complex()):
                x, y = x.float(), y.float()
            return y - x


class _Aligned(list[Any]):
    """b's value per op of ``a`` (its matching op's, when the shapes agree); ``None`` elsewhere."""

    def __init__(self, a: Capture, b: Capture, pairs: dict[int, int]) -> None:
        super().__init__([None] * len(a))
        self._shapes = [op.shape for op in a.trace.ops]
        self._b, self._pairs = b.trace.store.values, pairs

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        j = self._pairs.get(index + len(self) if index < 0 else index)
        value = self._b[j] if j is not None else None
        if isinstance(value, torch.Tensor) and value.shape != self._shapes[index]:
            return None
        return value


def aligned_capture(a: Capture, b: Capture, pairs: dict[int, int]) -> Capture:
    """a's graph whose activations are b's (for pages that have no kernel to ask)."""
    store = ActivationStore(save_all=True, postfunc=None, device=None, grads=False)
    store.values = _Aligned(a, b, pairs)
    return make_capture(dataclasses.replace(a.trace, store=store), a.derived)


def difference_capture(a: Capture, b: Capture, pairs: dict[int, int]) -> Capture:
    """a's graph whose activations are ``b - a`` (and no gradients)."""
    store = ActivationStore(save_all=True, postfunc=None, device=None, grads=False)
    store.values = _Differences(a, b, pairs)
    return make_capture(dataclasses.replace(a.trace, store=store), a.derived)


def b_label(a: Capture, b: Capture, pairs: dict[int, int], key: Any) -> str | None:
    """The label in ``b`` of the op that ``key`` names in ``a``; ``None`` if b has no match."""
    if not isinstance(key, (str, int)):
        return None
    try:
        i = a.layer(key).index
    except (KeyError, IndexError):
        return None
    j = pairs.get(i)
    return b.derived.labels[j] if j is not None else None
