"""Conditional branches: where a bool consumed by Python control flow leaves the main path
(IF), and which ops ran in the arm that was taken (THEN / ELSE), from the source's AST.

Source comes from ``linecache``, which also holds IPython/Jupyter cells, so models defined in
a notebook are attributed too.
"""

from __future__ import annotations

import ast
import linecache
from types import CodeType

from ..trace.derived import BranchKind
from ..trace.trace import Trace
from .ancestry import output_ancestry

Site = tuple[CodeType | None, int]
_Arms = tuple[int, int, int, int, int, int]  # test lines, body lines, else lines (0, 0 if none)


def branch_edges(trace: Trace, stacks: list[tuple[int, ...]]) -> list[tuple[int, int, BranchKind]]:
    edges: list[tuple[int, int, BranchKind]] = []
    if not trace.bool_values:
        return edges
    _ast_cache.clear()  # source may have changed since the last capture (edited file, new cell)
    main = output_ancestry(trace)
    terminal = [i for i in trace.bool_values if not main[i]]
    edges.extend(_if_edges(trace, main, terminal))
    seen: set[tuple[int, int]] = {(p, c) for p, c, _ in edges}
    for index in terminal:
        for parent, child, kind in _arm_edges(trace, stacks, index):
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
    trace: Trace, stacks: list[tuple[int, ...]], bool_index: int
) -> list[tuple[int, int, BranchKind]]:
    """THEN/ELSE edges into the ops that ran in the arm the bool selected."""
    code, line = trace.bool_sites.get(bool_index, (None, 0))
    if code is None:
        return []
    arms = _find_if(code.co_filename, line)
    if arms is None:
        return []
    value = trace.bool_values[bool_index]
    lo, hi = (arms[2], arms[3]) if value else (arms[4], arms[5])
    if not lo:
        return []
    kind: BranchKind = "THEN" if value else "ELSE"
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
    sites: list[Site] = [(op.code, op.line)]
    if op.module_call >= 0:
        sites.extend(
            (trace.calls[c].code, trace.calls[c].line) for c in reversed(stacks[op.module_call])
        )
    for site_code, site_line in sites:
        if site_code is code:
            return 1 if lo <= site_line <= hi else -1
    return 0


_ast_cache: dict[str, list[_Arms]] = {}


def _find_if(filename: str, line: int) -> _Arms | None:
    """The innermost ``if``/``while`` whose test spans ``line`` in ``filename``."""
    arms = _ast_cache.get(filename)
    if arms is None:
        arms = _ast_cache[filename] = _index_file(filename)
    best: _Arms | None = None
    for entry in arms:
        if entry[0] <= line <= entry[1] and (best is None or entry[0] >= best[0]):
            best = entry
    return best


def _index_file(filename: str) -> list[_Arms]:
    source = "".join(linecache.getlines(filename))
    if not source:
        return []
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):
        return []
    out: list[_Arms] = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.If, ast.While)):
            test_end = node.test.end_lineno or node.test.lineno
            body = (node.body[0].lineno, node.body[-1].end_lineno or node.body[-1].lineno)
            orelse = (
                (node.orelse[0].lineno, node.orelse[-1].end_lineno or node.orelse[-1].lineno)
                if node.orelse
                else (0, 0)
            )
            out.append((node.test.lineno, test_end, *body, *orelse))
    return out
