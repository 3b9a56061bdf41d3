"""The engineer's profile per module: time, FLOPs and bytes of the ops inside it, and its
parameters (own vs total, trainable vs frozen). Linear in ops x nesting depth."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..capture import OP
from ..trace.trace import Trace


def op_bytes(trace: Trace) -> list[int]:
    """Bytes of each op's output tensor (elements x element size; 0 where unknown)."""
    out: list[int] = []
    for op in trace.ops:
        shape, dtype = op.shape, op.dtype
        out.append(math.prod(shape) * dtype.itemsize if shape is not None and dtype else 0)
    return out


ProfileOf = Callable[[str, tuple[int, ...]], dict[str, Any]]


def profile_fields(trace: Trace, flops: list[int]) -> ProfileOf:
    """``(address, ops inside it) -> {training, time_s, flops, bytes, parameter counts}`` for
    ``module_infos``, which builds each ``ModuleInfo`` once with them (a frozen dataclass:
    building it twice, or ``dataclasses.replace``, cost as much as the rest of ``derive``)."""
    sizes = op_bytes(trace)
    saved = trace.saved_bytes
    own: dict[str, int] = {}
    trainable: dict[str, int] = {}
    frozen: dict[str, int] = {}
    for address, shape in trace.param_shapes.items():
        owner = address.rpartition(".")[0]
        numel = math.prod(shape)
        own[owner] = own.get(owner, 0) + numel
        counts = trainable if trace.param_trainable.get(address, True) else frozen
        for module in _enclosing(owner):
            counts[module] = counts.get(module, 0) + numel
    ops = trace.ops
    modules = trace.modules

    def fields(address: str, inside: tuple[int, ...]) -> dict[str, Any]:
        mine = [i for i in inside if ops[i].kind == OP]
        entry = modules.get(address)
        return {
            "training": entry.training if entry is not None else None,
            "time_s": sum(ops[i].time_s for i in mine),
            "flops": sum(flops[i] for i in mine),
            "output_bytes": sum(sizes[i] for i in mine),
            "saved_for_backward_bytes": (
                sum(saved.get(i, 0) for i in mine) if saved is not None else None
            ),
            "own_params": own.get(address, 0),
            "trainable_params": trainable.get(address, 0),
            "frozen_params": frozen.get(address, 0),
        }

    return fields


def _enclosing(address: str) -> list[str]:
    """``"a.b.c"`` -> ``["a.b.c", "a.b", "a", ""]``."""
    chain = [address]
    while address:
        address = address.rpartition(".")[0]
        chain.append(address)
    return chain
