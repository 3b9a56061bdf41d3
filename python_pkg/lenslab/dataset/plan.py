"""From the first batch's history: which arrays to fill, and each batch's values for them.

An exact key that selects one pass names its array (``"layer1.0"``); substrings, callables
and exact keys that select several passes (a recurrent layer, a module returning a tuple)
give one array per pass, named by its label.
Later batches run through ``h.rerun`` on the first batch's graph, so every array holds the
same op for every input.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from ..capture.select import Key
from ..errors import LensError
from ..history import ModelHistory
from ..selection import exact_positions, positions, unmatched
from .batches import Batch


@dataclass(frozen=True)
class Plan:
    history: ModelHistory  # the first batch's capture
    names: dict[str, int]  # array name -> op position
    labels: dict[str, str]  # array name -> label

    @classmethod
    def of(cls, history: ModelHistory, keys: list[Key]) -> Plan:
        names: dict[str, int] = {}
        for key in keys:
            found = positions(history, key)
            if not found:
                raise unmatched(history, key, "layers")
            exact = isinstance(key, int) or (
                isinstance(key, str) and exact_positions(history, key) is not None
            )
            if len(found) == 1 and exact:
                names[str(key)] = found[0]
            else:
                names.update((history[p].label, p) for p in found)
        labels = {name: history[p].label for name, p in names.items()}
        return cls(history, names, labels)

    def take(self, history: ModelHistory, batch: Batch) -> dict[str, np.ndarray[Any, Any]]:
        """This batch's value of every array, first axis = its inputs."""
        out: dict[str, np.ndarray[Any, Any]] = {}
        for name, position in self.names.items():
            value = history[position].activation
            out[name] = _as_array(value, name, batch)
        return out


def _as_array(value: Any, name: str, batch: Batch) -> np.ndarray[Any, Any]:
    if not isinstance(value, torch.Tensor):
        raise LensError(
            f"layers: {name!r} gave {type(value).__name__} for batch {batch.number}, not a "
            "tensor; postfunc must return a tensor whose first axis indexes the inputs."
        )
    if value.dim() == 0 or value.shape[0] != batch.size:
        raise LensError(
            f"layers: {name!r} has shape {tuple(value.shape)} for batch {batch.number} of "
            f"{batch.size} inputs; its first axis must index the inputs (a postfunc must keep "
            "it, e.g. lambda t: t.mean(dim=(2, 3)))."
        )
    value = value.detach().cpu()
    if value.dtype == torch.bfloat16:
        value = value.float()  # numpy has no bfloat16
    array: np.ndarray[Any, Any] = value.numpy()
    return array
