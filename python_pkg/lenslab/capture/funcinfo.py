"""Static facts about a torch callable, computed once per callable and cached.

The per-op path must not inspect names or signatures; it reads one cached ``FuncInfo``.
"""

from __future__ import annotations

import inspect
from typing import Any

from .composite import COMPOSITE_NAMES, SDPA

# Tensor attributes and methods that never return a computed tensor: skipping them before the
# call keeps shape/dtype queries (frequent in transformer code) almost free.
_METADATA = frozenset(
    {
        "shape",
        "dtype",
        "device",
        "size",
        "dim",
        "ndim",
        "numel",
        "nelement",
        "is_contiguous",
        "requires_grad",
        "is_leaf",
        "grad_fn",
        "layout",
        "stride",
        "storage_offset",
        "element_size",
        "data_ptr",
        "__len__",
        "is_floating_point",
        "is_complex",
        "names",
        "is_cuda",
        "is_sparse",
        "is_quantized",
        "is_meta",
        "__format__",
        "__repr__",
        "tolist",
        "untyped_storage",
        "_version",
        "is_nested",
        "get_device",
        "__hash__",
        "__contains__",
        "__iter__",
        "__reduce_ex__",
        "__dlpack_device__",
        "__array__",
        "__deepcopy__",
        "register_hook",
        "retain_grad",
        "backward",
        "__dir__",
        "__torch_function__",
        "grad",
        "_base",
        "output_nr",
        "_cdata",
        "__eq_hash__",
        "__index__",
        "__int__",
        "__float__",
        "__complex__",
        "__getstate__",
        "__setstate__",
        "_is_view",
        "is_inference",
    }
)

# Layer types spelled as TorchLens spells them (it records the C function these call).
_TYPE_NAMES = {"grid_sample": "gridsampler"}

# Functions that mutate buffers they are given (running statistics), in C++.
_NORM_WITH_RUNNING_STATS = frozenset({"batch_norm", "instance_norm", "_batch_norm_impl_index"})


class FuncInfo:
    """What lenslab needs to know about one callable before and after calling it."""

    __slots__ = (
        "inplace",
        "inplace_pos",
        "is_bool",
        "may_mutate",
        "method_inplace",
        "name",
        "norm_stats",
        "rename",
        "skip",
        "special",
        "type",
    )

    def __init__(self, func: Any) -> None:
        name = _callable_name(func)
        self.name: str = name
        self.type: str = _TYPE_NAMES.get(name) or name.replace("_", "").lower() or "op"
        self.skip: bool = name in _METADATA
        dunder = name.startswith("__") and name.endswith("__")
        self.inplace: bool = (
            (name.endswith("_") and not dunder)
            or name == "__setitem__"
            or (
                dunder
                and name.startswith("__i")
                and name not in ("__index__", "__int__", "__invert__", "__iter__")
            )
        )
        self.inplace_pos: int = _inplace_position(func)
        self.is_bool: bool = name in ("__bool__", "item")
        self.norm_stats: bool = name in _NORM_WITH_RUNNING_STATS
        # One test on the hot path for the three ways an op can change its input in place.
        self.may_mutate: bool = self.inplace or self.norm_stats or self.inplace_pos >= 0
        # ``add_`` may be ``x += y`` (labelled ``iadd``): checked for in-place methods only.
        self.method_inplace: bool = self.inplace and not dunder and name != "__setitem__"
        # ``split_with_sizes`` when given a list of sizes; ``truediv`` when run by ``x / y``.
        self.rename: bool = name in ("split", "div")
        # Skipped, composite or renamed: one test on the hot path covers them all.
        self.special: bool = self.skip or self.rename or name in COMPOSITE_NAMES or name == SDPA


def _callable_name(func: Any) -> str:
    name = getattr(func, "__name__", None)
    if name == "__get__":
        # Tensor properties (``x.T``, ``x.mT``) arrive as the descriptor's bound __get__.
        owner = getattr(func, "__self__", None)
        name = getattr(owner, "__name__", None)
    return name if isinstance(name, str) else type(func).__name__


def _inplace_position(func: Any) -> int:
    """Position of an ``inplace`` parameter (``F.relu(x, True)``), or -1."""
    if not inspect.isfunction(func):
        return -1
    try:
        names = list(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return -1
    return names.index("inplace") if "inplace" in names else -1


_CACHE: dict[Any, FuncInfo] = {}


def func_info(func: Any) -> FuncInfo:
    """Cached ``FuncInfo`` for ``func`` (callables live as long as torch does)."""
    info = _CACHE.get(func)
    if info is None:
        try:
            info = _CACHE[func] = FuncInfo(func)
        except TypeError:  # unhashable callable: describe it every time
            info = FuncInfo(func)
    return info
