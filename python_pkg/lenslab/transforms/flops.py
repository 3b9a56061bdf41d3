"""Estimated floating point operations per op, from shapes recorded at capture time.

Conventions: a multiply-add counts 2. Convolutions and linear/matmul-like ops are counted
exactly (bias adds ignored); shape-only ops (views, indexing, copies) count 0; other ops count
one per output element.
"""

from __future__ import annotations

import math

from ..capture import OP, OpRecord
from ..trace.trace import Trace

_CONV = frozenset(
    {"conv1d", "conv2d", "conv3d", "convtranspose1d", "convtranspose2d", "convtranspose3d"}
)
_MATMUL = frozenset(
    {
        "matmul",
        "mm",
        "bmm",
        "addmm",
        "baddbmm",
        "addbmm",
        "einsum",
        "mv",
        "addmv",
        "linear",
        "rmatmul",
    }
)
_SHAPE_ONLY = frozenset(
    {
        "view",
        "reshape",
        "permute",
        "transpose",
        "t",
        "mt",
        "contiguous",
        "flatten",
        "unflatten",
        "squeeze",
        "unsqueeze",
        "expand",
        "expandas",
        "getitem",
        "setitem",
        "split",
        "chunk",
        "unbind",
        "narrow",
        "select",
        "indexselect",
        "gather",
        "cat",
        "stack",
        "to",
        "clone",
        "detach",
        "type",
        "float",
        "half",
        "double",
        "int",
        "long",
        "bool",
        "repeat",
        "tile",
        "zeros",
        "ones",
        "empty",
        "full",
        "arange",
        "zeroslike",
        "oneslike",
        "emptylike",
        "fulllike",
        "data",
        "viewas",
        "reshapeas",
        "movedim",
        "roll",
        "flip",
        "pad",
        "copy",
        "masked_fill",
        "maskedfill",
        "newzeros",
        "newones",
        "newempty",
        "newfull",
        "newtensor",
        "tensor",
        "astensor",
        "cpu",
        "cuda",
        "dropout",
        "identity",
    }
)


def estimate_flops(trace: Trace) -> list[int]:
    ops = trace.ops
    return [_flops(op, trace) if op.kind == OP else 0 for op in ops]


def _flops(op: OpRecord, trace: Trace) -> int:
    if op.shape is None:
        return 0
    out = math.prod(op.shape)
    if op.type in _SHAPE_ONLY:
        return 0
    if op.type in _CONV:
        weight = _weight_shape(op, trace, 1)
        if weight is None:
            return out
        # weight: (out, in/groups, *k) for conv; (in, out/groups, *k) for transposed conv.
        transposed = op.type.startswith("convtranspose")
        per_output = weight[0] * math.prod(weight[2:]) if transposed else math.prod(weight[1:])
        return 2 * out * per_output
    if op.type in _MATMUL:
        if op.type == "linear":
            weight = _weight_shape(op, trace, 1)
            inner = weight[-1] if weight else 0
        else:
            inner = _inner_dim(op, trace)
        return 2 * out * inner if inner else out
    return out


def _weight_shape(op: OpRecord, trace: Trace, slot: int) -> tuple[int, ...] | None:
    for address in op.params:
        if address.endswith("weight"):
            return tuple(trace.param_shapes[address])
    name = str(slot)
    for parent, arg in zip(op.parents, op.slots, strict=True):
        if arg in (name, "weight"):
            shape = trace.ops[parent].shape
            return tuple(shape) if shape is not None else None
    return None


def _inner_dim(op: OpRecord, trace: Trace) -> int:
    """The contracted dimension: last dim of the first matrix operand."""
    operands = [p for p, s in zip(op.parents, op.slots, strict=True) if s not in ("input", "self")]
    if op.type in ("addmm", "baddbmm", "addbmm", "addmv") and len(operands) >= 2:
        operands = operands[1:]
    for parent in operands:
        shape = trace.ops[parent].shape
        if shape:
            return int(shape[-1])
    return 0
