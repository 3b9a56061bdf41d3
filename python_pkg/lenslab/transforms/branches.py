"""Conditional branches: where a bool consumed by Python control flow leaves the main path
(IF), and which ops ran in the arm that was taken (THEN / ELIF / ELSE), from the source's AST.

Source comes from ``linecache``, which also holds IPython/Jupyter cells, so models defined in
a notebook are attributed too. ``branch_sites`` finds the construct that consumed each bool.
"""

from __future__ import annotations

from types import CodeType
from typing import NamedTuple

from ..trace.derived import BoolContext, BranchKind
from ..trace.trace import Trace
from .ancestry import output_ancestry
from .branch_sites import Site, find_site, refresh

_Frame = tuple[CodeType | None, int]


class Branches(NamedTuple):
    edges: list[tuple[int, int, BranchKind]]
    contexts: dict[int, BoolContext]  # terminal bool -> the construct that consumed it


def branches(trace: Trace, stacks: list[tuple[int, ...]]) -> Branches:
    """IF/THEN/ELIF/ELSE edges and the context of every terminal bool."""
    if not trace.bool_values:
        return Branches([], {})
    # Source may have changed since the last capture (an edited file).
    refresh({code.co_filename for code, _ in trace.bool_sites.values() if code is not None})
    found: dict[int, tuple[Site | None, Site | None]] = {}
    contexts: dict[int, BoolContext] = {}
    for index in trace.bool_values:
        code, line = trace.bool_sites.get(index, (None, 0))
        found[index] = find_site(code.co_filename, line) if code is not None else (None, None)
        site = found[index][0]
        if site is not None:
            contexts[index] = site.context
    return Branches(_edges(trace, stacks, found), contexts)


def _edges(
    trace: Trace,
    stacks: list[tuple[int, ...]],
    found: dict[int, tuple[Site | None, Site | None]],
) -> list[tuple[int, int, BranchKind]]:
    edges: list[tuple[int, int, BranchKind]] = []
    main = output_ancestry(trace)
    terminal = [i for i in trace.bool_values if not main[i]]
    edges.extend(_if_edges(trace, main, terminal))
    seen: set[tuple[int, int]] = {(p, c) for p, c, _ in edges}
    for index in terminal:
        for parent, child, kind in _arm_edges(trace, stacks, index, found[index][1]):
            if (parent, child) not in seen:
                seen.add((parent, child))
                edges.append((parent, child, kind))
    return edges


def _if_edges(
    trace: Trace, main: list[bool], terminal: list[int]
) -> list[tuple[int, int, BranchKind]]:
    """Edges from the main path into the side graph that only feeds terminal bools."""
    side: set[int] = set()
    stack = list(terminal)
    while stack:
        index = stack.pop()
        if index in side:
            continue
        side.add(index)
        stack.extend(p for p in trace.ops[index].parents if not main[p] and p not in side)
    edges: list[tuple[int, int, BranchKind]] = []
    for child in sorted(side):
        for parent in dict.fromkeys(trace.ops[child].parents):
            if main[parent]:
                edges.append((parent, child, "IF"))
    return edges


def _arm_edges(
    trace: Trace, stacks: list[tuple[int, ...]], bool_index: int, site: Site | None
) -> list[tuple[int, int, BranchKind]]:
    """THEN/ELIF/ELSE edges into the ops that ran in the arm the bool selected."""
    code = trace.bool_sites.get(bool_index, (None, 0))[0]
    if code is None or site is None:
        return []
    value = trace.bool_values[bool_index]
    arm = site.then if value else site.orelse
    if arm is None:
        return []
    lo, hi = arm
    kind: BranchKind = site.then_kind if value else "ELSE"
    in_arm: set[int] = set()
    enclosing = trace.ops[bool_index].module_call
    for index in range(bool_index + 1, len(trace.ops)):
        call = trace.ops[index].module_call
        if enclosing >= 0 and (call < 0 or enclosing not in stacks[call]):
            break  # the module call that ran the if statement has returned
        where = _position(trace, stacks, index, code, lo, hi)
        if where == 1:
            in_arm.add(index)
        elif where == -1:
            break  # execution moved on past the if statement
    edges: list[tuple[int, int, BranchKind]] = []
    for child in sorted(in_arm):
        for parent in dict.fromkeys(trace.ops[child].parents):
            if parent not in in_arm:
                edges.append((parent, child, kind))
    return edges


def _position(
    trace: Trace, stacks: list[tuple[int, ...]], index: int, code: CodeType, lo: int, hi: int
) -> int:
    """1: the op ran from the arm's lines; -1: from elsewhere in the same function; 0: unknown."""
    op = trace.ops[index]
    sites: list[_Frame] = [(op.code, op.line)]
    if op.module_call >= 0:
        sites.extend(
            (trace.calls[c].code, trace.calls[c].line) for c in reversed(stacks[op.module_call])
        )
    for site_code, site_line in sites:
        if site_code is code:
            return 1 if lo <= site_line <= hi else -1
    return 0
