"""Walk nested containers (tuples, lists, dicts, dataclasses, HF ModelOutput) for tensors."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping
from typing import Any

import torch

_MAX_DEPTH = 10


def iter_tensors(obj: Any, path: str = "", depth: int = 0) -> Iterator[tuple[str, torch.Tensor]]:
    """Yield ``(path, tensor)`` for every tensor in ``obj``, depth first, in container order.

    Paths read like Python: ``"0"``, ``"0.1"``, ``"logits"``, ``"hidden.2"``.
    """
    if isinstance(obj, torch.Tensor):
        yield path, obj
        return
    if depth >= _MAX_DEPTH:
        return
    prefix = path + "." if path else ""
    if isinstance(obj, Mapping):  # dict, OrderedDict, HF ModelOutput
        for key, value in obj.items():
            yield from iter_tensors(value, f"{prefix}{key}", depth + 1)
    elif isinstance(obj, (tuple, list)):
        for i, value in enumerate(obj):
            yield from iter_tensors(value, f"{prefix}{i}", depth + 1)
    elif dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        for field in dataclasses.fields(obj):
            yield from iter_tensors(getattr(obj, field.name), f"{prefix}{field.name}", depth + 1)
