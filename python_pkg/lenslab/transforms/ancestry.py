"""Which ops descend from a model input, and which lead to a model output."""

from __future__ import annotations

from ..capture import INPUT, OUTPUT
from ..trace.trace import Trace


def input_ancestry(trace: Trace) -> list[bool]:
    """True where an op has a model input among its ancestors (parents precede children)."""
    flags = [False] * len(trace.ops)
    for index, op in enumerate(trace.ops):
        parents = op.parents
        if len(parents) == 1:  # most ops: no generator for one parent
            flags[index] = op.kind == INPUT or flags[parents[0]]
        else:
            flags[index] = op.kind == INPUT or any(flags[p] for p in parents)
    return flags


def output_ancestry(trace: Trace) -> list[bool]:
    """True where an op is a model output or one of its ancestors."""
    flags = [False] * len(trace.ops)
    for index in range(len(trace.ops) - 1, -1, -1):
        op = trace.ops[index]
        if op.kind == OUTPUT:
            flags[index] = True
        if flags[index]:
            for parent in op.parents:
                flags[parent] = True
    return flags
