"""Repeated runs of loose ops: the same sequence of ops, N times in a row, at one level.

A functional model (or a loop in a module's ``forward``) can repeat the same few ops many times
without a submodule around each repeat: ``for _ in range(48): x = torch.tanh(x * w + b)``. At
each level (the top level, or the direct ops of one module call) the ops are read as a sequence
of keys (type, function, output shape and dtype, input shapes); child module calls, inputs and
outputs break it. A run is a stretch that repeats one block of ``period`` keys at least
``MIN_REPEATS`` times, folding at least ``MIN_FOLDED_OPS`` ops; its blocks must also be wired
alike (an input from inside a block comes from the same place in every block).

Finding runs is one pass: each key's previous occurrence proposes a period, which is followed
while the keys repeat and extended back at most one period (linear time in practice; a period is
at most ``MAX_PERIOD`` ops).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..capture import BUFFER, INPUT, OUTPUT
from ..trace.trace import Trace
from .folds import Entries, level_entries

MIN_REPEATS = 2
MIN_FOLDED_OPS = 8
MAX_PERIOD = 4096


@dataclass(frozen=True)
class OpFold:
    """Blocks of loose ops of one level: block k is ops ``starts[k]`` up to the next start (the
    last up to ``end``), all directly in ``module_call`` (-1: the top level)."""

    module_call: int
    starts: tuple[int, ...]
    end: int


def find_op_folds(trace: Trace, entries: Entries | None = None) -> list[OpFold]:
    """Runs of repeated op blocks at every level, in level order (``entries``:
    ``level_entries(trace)`` when the caller has it)."""
    table: dict[tuple[object, ...], int] = {}
    folds: list[OpFold] = []
    calls = len(trace.calls)
    for level, direct in enumerate(entries if entries is not None else level_entries(trace)):
        if len(direct) < MIN_FOLDED_OPS:  # most levels: a module call with a few ops
            continue
        ops, keys = _sequence(trace, direct, table)
        position = {op: q for q, op in enumerate(ops) if op >= 0}
        for start, period, count in _runs(keys):
            at, left = start, count
            while left >= MIN_REPEATS:  # a block wired differently splits the run
                alike = _wired_alike(trace, ops, position, at, period, left)
                if alike >= MIN_REPEATS and alike * period >= MIN_FOLDED_OPS:
                    starts = tuple(ops[at + k * period] for k in range(alike))
                    end = ops[at + alike * period - 1] + 1
                    folds.append(OpFold(level if level < calls else -1, starts, end))
                at, left = at + alike * period, left - alike
    return folds


def _sequence(
    trace: Trace, entries: list[tuple[bool, int]], table: dict[tuple[object, ...], int]
) -> tuple[list[int], list[int]]:
    """The level's ops (buffers left out) and their keys; a call, input or output is -1 with a
    key of its own (negative: never equal to another)."""
    records = trace.ops
    ops: list[int] = []
    keys: list[int] = []
    for is_call, index in entries:
        op = None if is_call else records[index]
        if op is not None and op.kind == BUFFER:
            continue
        if op is None or op.kind in (INPUT, OUTPUT):
            ops.append(-1)
            keys.append(-1 - len(keys))
            continue
        # Shapes are interned torch.Size tuples and dtypes hashable: used as they are.
        shapes = tuple(records[p].shape for p in op.parents if records[p].kind != BUFFER)
        ops.append(index)
        keys.append(table.setdefault((op.type, op.name, op.shape, op.dtype, shapes), len(table)))
    return ops, keys


def _runs(keys: list[int]) -> list[tuple[int, int, int]]:
    """(start, period, count) of stretches that repeat a block of ``period`` keys ``count`` >= 2
    times, without overlaps, left to right."""
    out: list[tuple[int, int, int]] = []
    last: dict[int, int] = {}
    floor = period = begin = 0
    n = len(keys)
    for i in range(n + 1):
        if period and i < n and keys[i] == keys[i - period]:
            last[keys[i]] = i
            continue
        if period:  # keys[begin - period : i] repeat with this period
            start = begin - period
            count = (i - start) // period
            if count >= MIN_REPEATS and count * period >= MIN_FOLDED_OPS:
                out.append((start, period, count))
                floor = start + count * period
        period = 0
        if i == n:
            break
        seen = last.get(keys[i])
        last[keys[i]] = i
        if keys[i] < 0 or seen is None or seen < floor or i - seen > MAX_PERIOD:
            continue
        period, begin = i - seen, i
        stop = max(floor + period, i - period + 1)
        while begin > stop and keys[begin - 1] == keys[begin - 1 - period]:
            begin -= 1
    return out


def _wired_alike(
    trace: Trace, ops: list[int], position: dict[int, int], start: int, period: int, count: int
) -> int:
    """How many blocks, from the first, take their inputs from inside the block exactly as the
    first block does (an input from outside any block may differ: it is the block's input)."""

    def wiring(block: int) -> list[tuple[int, ...]]:
        first = start + block * period
        out: list[tuple[int, ...]] = []
        for q in range(first, first + period):
            offsets = []
            for p in trace.ops[ops[q]].parents:
                at = position.get(p, -1)
                offsets.append(q - at if first <= at < q else 0)
            out.append(tuple(offsets))
        return out

    reference = wiring(0)
    for block in range(1, count):
        if wiring(block) != reference:
            return block
    return count
