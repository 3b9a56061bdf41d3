"""Batches from what a researcher has: a tensor, a ``Dataset``, a ``DataLoader``, an iterable.

Each batch is numbered and placed (its first input's position among all inputs), so a run can
skip batches that are already done or belong to another process without running the model.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import torch
from torch.utils.data import DataLoader, Dataset, default_collate

from ..capture.flatten import iter_tensors
from ..errors import LensError

DEFAULT_BATCH = 32


@dataclass(frozen=True)
class Batch:
    number: int  # 0-based batch number
    start: int  # position of its first input among all inputs
    size: int  # inputs in it
    inputs: Any  # what the model is called with (tensor, tuple of args, dict of kwargs)


class Source:
    """Numbered batches of ``data``; ``num_items`` and ``batch_size`` where they are known."""

    def __init__(self, data: Any, batch_size: int | None) -> None:
        if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
            raise LensError(f"batch_size must be a positive int, got {batch_size!r}.")
        self._data = data
        self.num_items: int | None = None
        self.batch_size: int | None = batch_size
        self.kind = type(data).__name__
        if isinstance(data, torch.Tensor):
            if data.dim() == 0:
                raise LensError("data is a 0-dim tensor: its first axis must index the inputs.")
            self.num_items = int(data.shape[0])
            self.batch_size = batch_size or DEFAULT_BATCH
        elif isinstance(data, DataLoader):
            if batch_size is not None and data.batch_size not in (None, batch_size):
                raise LensError(
                    f"batch_size={batch_size} but the DataLoader makes batches of "
                    f"{data.batch_size}; set it on the DataLoader, or leave batch_size out."
                )
            self.batch_size = data.batch_size if not data.drop_last else None
            self.num_items = _length(data.dataset) if data.batch_size else None
            if data.drop_last or data.batch_size is None:
                self.num_items = None
        elif isinstance(data, Dataset) or (
            hasattr(data, "__getitem__") and hasattr(data, "__len__")
        ):
            self.num_items = len(data)
            self.batch_size = batch_size or DEFAULT_BATCH
        elif isinstance(data, Iterable):
            self.num_items = None
        else:
            raise LensError(
                f"data must be a tensor, a Dataset, a DataLoader or an iterable of batches, "
                f"got {type(data).__name__}."
            )
        if self.num_items == 0:
            raise LensError(f"data ({self.kind}) has no items: nothing to run the model on.")

    @property
    def num_batches(self) -> int | None:
        if self.num_items is None or self.batch_size is None:
            return None
        return -(-self.num_items // self.batch_size)

    @property
    def aligned(self) -> bool:
        """Every batch but the last has ``batch_size`` inputs (batch b starts at b * size)."""
        return self.num_items is not None and self.batch_size is not None

    def batches(self, wanted: Callable[[int], bool]) -> Iterator[Batch]:
        """Batches in order; those ``wanted`` rejects are skipped (not loaded where possible)."""
        data = self._data
        if isinstance(data, torch.Tensor) or (
            not isinstance(data, DataLoader) and _indexable(data)
        ):
            yield from self._indexed(wanted)
            return
        start = 0
        for number, inputs in enumerate(data):
            size = batch_size_of(inputs, number)
            if wanted(number):
                yield Batch(number, start, size, inputs)
            start += size

    def _indexed(self, wanted: Callable[[int], bool]) -> Iterator[Batch]:
        data = self._data
        size, total = self.batch_size, self.num_items
        assert size is not None and total is not None
        for number in range(-(-total // size)):
            if not wanted(number):
                continue
            lo, hi = number * size, min(total, (number + 1) * size)
            if isinstance(data, torch.Tensor):
                inputs: Any = data[lo:hi]
            else:
                inputs = default_collate([data[i] for i in range(lo, hi)])
            yield Batch(number, lo, hi - lo, inputs)


def _indexable(data: Any) -> bool:
    """A map-style ``Dataset`` (items, batched here); a list is a list of batches."""
    return isinstance(data, Dataset) and hasattr(data, "__len__")


def _length(dataset: Any) -> int | None:
    try:
        return len(dataset)
    except TypeError:  # an IterableDataset without __len__
        return None


def batch_size_of(inputs: Any, number: int) -> int:
    """The number of inputs in a batch: the first axis of its first tensor."""
    for _, tensor in iter_tensors(inputs):
        if tensor.dim() == 0:
            break
        return int(tensor.shape[0])
    raise LensError(
        f"batch {number} holds no tensor with a first (inputs) axis: each batch must be a "
        "tensor, a tuple of positional arguments or a dict of keyword arguments."
    )
