"""Group ops into layers with passes ("the same layer, run again"), in linear time.

Rule 1: ops calling the same function with the same parameters are passes of one layer; the
pass index is how often that parameter set has been used.
Rule 2: parameter-free ops around repeated ops join layers too: from each multi-pass layer,
grow outward in lockstep, pairing the k-th neighbour of each pass that has the same
equivalence class (function, non-tensor arguments, argument slots, module address, and the
line of code that ran it).
Rule 3: repeated parameter-free blocks (A B C A B C) form layers only when each repeat feeds
the next one directly; the lockstep growth is tried once per op, so the whole pass is linear.

Every op joins at most one group and is grown from at most once, which bounds the work by
the number of ops plus edges (TorchLens' isomorphic subgraph expansion is not linear).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..capture import BUFFER, OP
from ..trace.trace import Trace

_FREE = -1


@dataclass(frozen=True)
class Layers:
    layer_of: list[int]  # per op: layer number, in order of first execution
    pass_index: list[int]  # per op: 1-based pass
    num_passes: list[int]  # per op: passes of its layer
    members: list[list[int]]  # per layer: its ops, in execution order


def group_passes(trace: Trace) -> Layers:
    ops = trace.ops
    group_of = [_FREE] * len(ops)
    groups: list[list[int]] = []
    _group_by_identity(trace, groups, group_of)
    eq = _equivalence_classes(trace)
    # Distinct parents; a record's own tuple where it has fewer than two (most ops).
    parents = [
        op.parents if len(op.parents) < 2 else tuple(dict.fromkeys(op.parents)) for op in ops
    ]
    neighbours = (trace.children, parents)

    def free(i: int) -> bool:
        return group_of[i] == _FREE and eq[i] >= 0

    seeds = deque(g for g, m in enumerate(groups) if len(m) > 1 and ops[m[0]].kind == OP)
    for new in _grow(seeds, groups, neighbours, eq, free):
        _commit(new, groups, group_of)
    _group_repeated_blocks(trace, groups, group_of, neighbours, eq)
    for index in range(len(ops)):
        if group_of[index] == _FREE:
            _commit([index], groups, group_of)
    return _number(groups, len(ops))


def _commit(members: list[int], groups: list[list[int]], group_of: list[int]) -> int:
    number = len(groups)
    groups.append(members)
    for index in members:
        group_of[index] = number
    return number


def _group_by_identity(trace: Trace, groups: list[list[int]], group_of: list[int]) -> None:
    """Rule 1 (parameters), and buffer nodes by address (a changed buffer is a new pass)."""
    by_key: dict[Any, int] = {}
    for index, op in enumerate(trace.ops):
        if op.kind == OP and op.params:
            key: Any = (op.type, tuple(sorted(op.params)), op.out_index)
        elif op.kind == BUFFER:
            key = ("buffer", op.address)
        else:
            continue
        number = by_key.get(key)
        if number is None:
            number = by_key[key] = _commit([], groups, group_of)
        groups[number].append(index)
        group_of[index] = number


def _equivalence_classes(trace: Trace) -> list[int]:
    """Class id per parameter-free op (-1 for ops with parameters, inputs, outputs, buffers)."""
    ids: dict[Any, int] = {}
    calls = trace.calls
    out = [-1] * len(trace.ops)
    for index, op in enumerate(trace.ops):
        if op.kind != OP or op.params:
            continue
        address = calls[op.module_call].address if op.module_call >= 0 else ""
        # The same code must have run them (file and line): two residual adds on different
        # lines of one block are two layers, not two passes of one (TorchLens departs here).
        key = (
            op.type,
            op.out_index,
            address,
            tuple(op.slots),  # a tuple already after a capture; a list from a bundle
            _freeze(op.other_args, 0),
            op.code,
            op.line,
        )
        out[index] = ids.setdefault(key, len(ids))
    return out


def _freeze(value: Any, depth: int) -> Any:
    """A hashable stand-in for a non-tensor argument."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)) and depth < 4:
        return tuple(_freeze(v, depth + 1) for v in value)
    if isinstance(value, slice):
        return (
            "slice",
            _freeze(value.start, depth),
            _freeze(value.stop, depth),
            _freeze(value.step, depth),
        )
    try:
        hash(value)
    except TypeError:
        return type(value).__name__
    return value


def _grow(
    queue: deque[list[int]] | deque[int],
    groups: list[list[int]],
    neighbours: tuple[Sequence[Sequence[int]], ...],
    eq: list[int],
    free: Callable[[int], bool],
    owner: dict[int, int] | None = None,
) -> list[list[int]]:
    """Lockstep growth from groups of aligned ops; returns the new groups, in order found.

    ``queue`` holds group numbers (into ``groups``) or member lists. With ``owner`` given,
    new ops inherit the owner of the op they were reached from, and count as taken.
    """
    found: list[list[int]] = []
    taken: dict[int, list[int]] = {}  # op -> the new group it joined
    while queue:
        item = queue.popleft()
        members = groups[item] if isinstance(item, int) else item
        for direction in neighbours:
            buckets: dict[tuple[int, int], list[tuple[int, int]]] = {}
            for member in members:
                rank: dict[int, int] = {}
                for nb in direction[member]:
                    if nb not in taken and not free(nb):
                        continue
                    cls = eq[nb]
                    k = rank.get(cls, 0)
                    rank[cls] = k + 1
                    buckets.setdefault((cls, k), []).append((nb, member))
            for candidates in buckets.values():
                new = _extend(candidates, taken, owner, found)
                if new:
                    queue.append(new)  # type: ignore[arg-type]
    return found


def _extend(
    candidates: list[tuple[int, int]],
    taken: dict[int, list[int]],
    owner: dict[int, int] | None,
    found: list[list[int]],
) -> list[int]:
    """Group the free candidates of one bucket, or add them to the one group the others joined.

    Returns the ops newly grouped (empty when none). An op reached from two passes (a final
    concat of all of them) is no pass of anything.
    """
    counts: dict[int, int] = {}
    for nb, _ in candidates:
        counts[nb] = counts.get(nb, 0) + 1
    unique = [(nb, m) for nb, m in candidates if counts[nb] == 1]
    joined = {id(taken[nb]): taken[nb] for nb, _ in unique if nb in taken}
    fresh = sorted((nb, m) for nb, m in unique if nb not in taken)
    if len(joined) > 1 or not fresh:
        return []
    if joined:
        group = next(iter(joined.values()))
    elif len(fresh) >= 2:
        group = []
        found.append(group)
    else:
        return []
    new = [nb for nb, _ in fresh]
    group.extend(new)
    for nb, m in fresh:
        taken[nb] = group
        if owner is not None:
            owner[nb] = owner[m]
    return new


def _group_repeated_blocks(
    trace: Trace,
    groups: list[list[int]],
    group_of: list[int],
    neighbours: tuple[Sequence[Sequence[int]], ...],
    eq: list[int],
) -> None:
    """Rule 3: parameter-free repeats, kept only where repeat k feeds repeat k+1 directly."""
    by_class: dict[int, list[int]] = {}
    for index, cls in enumerate(eq):
        if cls >= 0 and group_of[index] == _FREE:
            by_class.setdefault(cls, []).append(index)
    closed: set[int] = set()
    owner: dict[int, int] = {}

    def free(i: int) -> bool:
        return group_of[i] == _FREE and eq[i] >= 0 and i not in closed and i not in owner

    for cls_members in by_class.values():
        members = [m for m in cls_members if group_of[m] == _FREE and m not in closed]
        if len(members) < 2:
            continue
        owner = {m: pos for pos, m in enumerate(members)}
        tentative = [members, *_grow(deque([members]), groups, neighbours, eq, free, owner)]
        linked = [False] * len(members)
        for index, pos in owner.items():
            for child in trace.children[index]:
                if owner.get(child) == pos + 1:
                    linked[pos] = True
        run_of = _runs(linked)
        for group in tentative:
            by_run: dict[int, list[int]] = {}
            for index in group:
                run = run_of[owner[index]]
                if run >= 0:
                    by_run.setdefault(run, []).append(index)
            for run_members in by_run.values():
                if len(run_members) > 1:
                    _commit(run_members, groups, group_of)
        closed.update(i for i in owner if group_of[i] == _FREE)


def _runs(linked: list[bool]) -> list[int]:
    """Run number per position for chains p -> p+1 -> ...; -1 for positions in no chain."""
    run_of = [-1] * len(linked)
    run = -1
    for pos in range(len(linked)):
        starts = linked[pos] and (pos == 0 or not linked[pos - 1])
        if starts:
            run += 1
        if linked[pos] or (pos > 0 and linked[pos - 1]):
            run_of[pos] = run
    return run_of


def _number(groups: list[list[int]], n: int) -> Layers:
    """Number layers by first execution; passes by execution order within a layer."""
    ordered = sorted((g for g in groups if g), key=lambda g: min(g))
    layer_of = [0] * n
    pass_index = [1] * n
    num_passes = [1] * n
    members: list[list[int]] = []
    for number, group in enumerate(ordered):
        group.sort()
        members.append(group)
        for k, index in enumerate(group):
            layer_of[index] = number
            pass_index[index] = k + 1
            num_passes[index] = len(group)
    return Layers(layer_of, pass_index, num_passes, members)
