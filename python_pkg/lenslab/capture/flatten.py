"""Walk nested containers (tuples, lists, dicts, dataclasses, HF ModelOutput) and plain objects
(a ``transformers`` cache: ``cache.layers[0].keys``) for tensors."""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Iterator, Mapping
from typing import Any

import torch

_MAX_DEPTH = 10
_OPAQUE = (type, types.FunctionType, types.MethodType, types.ModuleType, torch.nn.Module)


def iter_tensors(
    obj: Any, path: str = "", depth: int = 0, objects: bool = False
) -> Iterator[tuple[str, torch.Tensor]]:
    """Yield ``(path, tensor)`` for every tensor in ``obj``, depth first, in container order.

    Paths read like Python: ``"0"``, ``"0.1"``, ``"logits"``, ``"cache.layers.0.keys"``.
    ``objects=True`` also walks the public attributes of other objects (the model's inputs and
    outputs; module hooks, which run at every call, look into containers only). Each object is
    walked once (shared or cyclic references are not followed again).
    """
    if isinstance(obj, torch.Tensor):  # the common case, without the walk's set
        yield path, obj
        return
    yield from _walk(obj, path, depth, set(), objects)


def _walk(
    obj: Any, path: str, depth: int, seen: set[int], objects: bool
) -> Iterator[tuple[str, torch.Tensor]]:
    if isinstance(obj, torch.Tensor):
        yield path, obj
        return
    if depth >= _MAX_DEPTH or obj is None or isinstance(obj, (str, bytes, int, float, bool)):
        return
    if id(obj) in seen:
        return
    seen.add(id(obj))
    prefix = path + "." if path else ""
    for name, value in _children(obj, objects):
        yield from _walk(value, f"{prefix}{name}", depth + 1, seen, objects)


def _children(obj: Any, objects: bool) -> list[tuple[Any, Any]]:
    """(name, value) of what ``obj`` holds: items, elements, fields or public attributes."""
    if isinstance(obj, Mapping):  # dict, OrderedDict, HF ModelOutput
        return list(obj.items())
    if isinstance(obj, (tuple, list)):
        return list(enumerate(obj))
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return [(f.name, getattr(obj, f.name, None)) for f in dataclasses.fields(obj)]
    if not objects or isinstance(obj, _OPAQUE) or callable(obj):
        return []
    # Any other object (a cache, a named record): its public attributes.
    attributes = getattr(obj, "__dict__", None)
    if isinstance(attributes, dict):
        return [(k, v) for k, v in attributes.items() if isinstance(k, str) and k[:1] != "_"]
    slots = [s for cls in type(obj).__mro__ for s in getattr(cls, "__slots__", ())]
    return [(s, getattr(obj, s, None)) for s in slots if isinstance(s, str) and s[:1] != "_"]
