"""Repeated blocks: runs of sibling module calls with the same structure (``fold_repeats``).

A call's structure is its module type plus, in execution order, its direct ops (type, function,
output shape and dtype, role, and each input as an offset back inside the call or, from outside,
its shape)
and the structures of its child calls. Structures are interned to small integers bottom-up, so
two calls have the same structure exactly when their ids are equal: no hash collisions, and one
pass over the ops and calls (linear time).

A fold is a run of at least two consecutive siblings (no op of the parent between them) with one
structure: a 12-block GPT-2 config gives one fold of 12 ``transformer.h.N`` calls. Calls of one
shared module ("passes", the same address called N times in a row) fold too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch

from ..capture import BUFFER
from ..trace.trace import Trace

FoldKind = Literal["copies", "passes"]

# An input from outside the call is known by its shape. Buffers (running statistics) are recorded
# where first used, so only the first of N passes of a shared module would hold them: they are left
# out of structures, and read as inputs from outside.


@dataclass(frozen=True)
class Fold:
    """A run of sibling calls (positions in ``trace.calls``) with one structure."""

    calls: tuple[int, ...]
    kind: FoldKind


Entries = list[list[tuple[bool, int]]]


def structure_ids(trace: Trace, entries: Entries | None = None) -> list[int]:
    """Per module call, an id equal for two calls exactly when their structures are equal
    (``entries``: ``level_entries(trace)`` when the caller has it)."""
    if entries is None:
        entries = _entries(trace)
    ids: list[int] = [0] * len(trace.calls)
    table: dict[tuple[object, ...], int] = {}
    for c in range(len(trace.calls) - 1, -1, -1):  # children come after their parent
        call = trace.calls[c]
        sig: list[int] = []
        for is_call, index in entries[c]:
            if is_call:
                sig.append(-2 - ids[index])  # negative: a child call
            elif trace.ops[index].kind != BUFFER:
                sig.append(_op_id(trace, index, call.first_op, table))
        ids[c] = table.setdefault((call.type, *sig), len(table))
    return ids


def find_folds(trace: Trace, min_run: int = 2, entries: Entries | None = None) -> list[Fold]:
    """Runs of at least ``min_run`` adjacent sibling calls with the same structure."""
    if entries is None:
        entries = level_entries(trace)
    ids = structure_ids(trace, entries)
    folds: list[Fold] = []
    for level in entries:
        run: list[int] = []
        for is_call, index in [*level, (False, -1)]:
            if is_call and run and ids[run[-1]] == ids[index] and _extends(trace, run, index):
                run.append(index)
                continue
            if len(run) >= min_run:
                folds.append(_fold(trace, run))
            run = [index] if is_call else []
    return folds


def _extends(trace: Trace, run: list[int], index: int) -> bool:
    """Passes stay passes (one address) and copies stay copies of one container ("h.3", "h.4")."""
    address = trace.calls[index].address
    first = trace.calls[run[0]].address
    if len(run) == 1 or trace.calls[run[1]].address == first:
        if address == first:
            return True
        if len(run) > 1:
            return False
    return address != trace.calls[run[-1]].address and _container(address) == _container(first)


def _container(address: str) -> str:
    return address.rpartition(".")[0]


def _fold(trace: Trace, run: list[int]) -> Fold:
    same = len({trace.calls[c].address for c in run}) == 1
    return Fold(calls=tuple(run), kind="passes" if same else "copies")


def level_entries(trace: Trace) -> Entries:
    """Per module call, then the top level: its direct ops and child calls in execution order."""
    return _entries(trace, top=True)


def _entries(trace: Trace, top: bool = False) -> list[list[tuple[bool, int]]]:
    """Per call, its direct ops and child calls in execution order: (is_call, index); with
    ``top``, one more list at the end for the top level."""
    entries: list[list[tuple[bool, int]]] = [[] for _ in range(len(trace.calls) + 1)]
    calls = trace.calls
    next_call = 0
    for i, op in enumerate(trace.ops):
        # Calls that started before this op (their first op is this one or earlier) come first.
        while next_call < len(calls) and calls[next_call].first_op <= i:
            entries[calls[next_call].parent].append((True, next_call))  # -1: the top level
            next_call += 1
        entries[op.module_call].append((False, i))
    for c in range(next_call, len(calls)):  # calls that ran no op at all
        entries[calls[c].parent].append((True, c))
    return entries if top else entries[:-1]


def _op_id(trace: Trace, i: int, start: int, table: dict[tuple[object, ...], int]) -> int:
    op = trace.ops[i]
    ops = trace.ops
    inputs = tuple(
        i - p if p >= start and ops[p].kind != BUFFER else _shape(ops[p].shape) for p in op.parents
    )
    shape = _shape(op.shape)
    key: tuple[object, ...] = ("op", op.kind, op.type, op.name, shape, str(op.dtype), inputs)
    return table.setdefault(key, len(table))


def _shape(shape: torch.Size | None) -> tuple[int, ...] | None:
    return tuple(shape) if shape is not None else None
