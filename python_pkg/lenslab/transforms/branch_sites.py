"""Where in the source a bool was consumed: the Python construct (``if``, ``elif``, ``while``,
ternary, ``assert``, comprehension filter, ``bool()``) and the source lines of its arms.

Only the line of the consuming frame is recorded at capture (no column), so a site is found by
line: the innermost construct whose test spans it. Arms are attributed by line too, so a
ternary's arm is attributed only when it sits on lines of its own (neither the test's nor the
other arm's); ``a if c else b`` on one line gets the IF edge and its context, not THEN/ELSE.
"""

from __future__ import annotations

import ast
import linecache
from dataclasses import dataclass
from typing import Literal

from ..trace.derived import BoolContext, BranchKind

Lines = tuple[int, int]  # first and last line, inclusive


@dataclass(frozen=True, slots=True)
class Site:
    """One construct that turns a tensor into a Python bool."""

    context: BoolContext
    test: Lines  # lines of the expression whose truth is taken
    depth: int  # AST depth; the deepest site on a line is the innermost construct
    then: Lines | None  # lines of the arm that runs when the bool is true; None: no such arm
    orelse: Lines | None  # ... when false (None as well when it cannot be told apart by line)
    then_kind: BranchKind  # "THEN", or "ELIF" for the arm of an ``elif``


# filename -> (the linecache lines parsed, their sites, lookups by line: a loop's bool repeats).
# Kept across captures while linecache holds the same lines (``refresh`` re-checks files).
_cache: dict[str, tuple[list[str], list[Site], dict[int, tuple[Site | None, Site | None]]]] = {}


def refresh(filenames: set[str]) -> None:
    """Re-read files edited since linecache read them (cells never change: a re-run cell is a
    new one); their sites are parsed again on the next lookup."""
    for filename in filenames:
        linecache.checkcache(filename)


def find_site(filename: str, line: int) -> tuple[Site | None, Site | None]:
    """(the innermost construct whose test spans ``line``, the construct whose arms the bool
    selects). They differ for ``bool()``: ``if bool(t):`` is consumed by ``bool()``, and its
    value still selects the ``if``'s arms."""
    lines = linecache.getlines(filename)
    entry = _cache.get(filename)
    if entry is None or entry[0] is not lines:
        entry = _cache[filename] = (lines, _index_file(lines), {})
    known = entry[2].get(line)
    if known is None:
        known = entry[2][line] = _innermost(entry[1], line)
    return known


def _innermost(sites: list[Site], line: int) -> tuple[Site | None, Site | None]:
    found = sorted(
        (s for s in sites if s.test[0] <= line <= s.test[1]),
        key=lambda s: (s.depth, s.test[0]),
        reverse=True,
    )
    if not found:
        return None, None
    for site in found:
        if site.context != "bool":
            return found[0], site
    return found[0], None


def _index_file(lines: list[str]) -> list[Site]:
    if not lines:
        return []
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        return []
    elifs: set[int] = set()  # id() of If nodes written as ``elif``
    out: list[Site] = []
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
        if isinstance(node, ast.If):
            nested = _elif_of(node, lines)
            if nested is not None:
                elifs.add(id(nested))
            is_elif = id(node) in elifs
            out.append(
                Site(
                    "elif" if is_elif else "if",
                    _span(node.test),
                    depth,
                    _block(node.body),
                    # a false test that leads to an ``elif`` selects nothing: the elif's bool does
                    _block(node.orelse) if nested is None else None,
                    "ELIF" if is_elif else "THEN",
                )
            )
        elif isinstance(node, ast.While):
            out.append(
                Site(
                    "while", _span(node.test), depth, _block(node.body), _block(node.orelse), "THEN"
                )
            )
        elif isinstance(node, ast.IfExp):
            test, body, orelse = _span(node.test), _span(node.body), _span(node.orelse)
            then = body if not (_overlap(body, test) or _overlap(body, orelse)) else None
            other = orelse if not (_overlap(orelse, test) or _overlap(orelse, body)) else None
            out.append(Site("ternary", test, depth, then, other, "THEN"))
        elif isinstance(node, ast.Assert):
            out.append(_bare("assert", node.test, depth))
        elif isinstance(node, ast.comprehension):
            out.extend(_bare("comprehension", cond, depth) for cond in node.ifs)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id == "bool"
            and len(node.args) == 1
        ):
            out.append(_bare("bool", node.args[0], depth))
    return out


def _elif_of(node: ast.If, lines: list[str]) -> ast.If | None:
    """The ``elif`` that continues ``node``'s chain, if its else is one (not ``else: if``)."""
    if len(node.orelse) != 1 or not isinstance(node.orelse[0], ast.If):
        return None
    nested = node.orelse[0]
    text = lines[nested.lineno - 1] if nested.lineno <= len(lines) else ""
    return nested if text[nested.col_offset :].startswith("elif") else None


def _bare(context: Literal["assert", "comprehension", "bool"], test: ast.expr, depth: int) -> Site:
    return Site(context, _span(test), depth, None, None, "THEN")


def _span(node: ast.expr | ast.stmt) -> Lines:
    return node.lineno, node.end_lineno or node.lineno


def _block(body: list[ast.stmt]) -> Lines | None:
    return (body[0].lineno, body[-1].end_lineno or body[-1].lineno) if body else None


def _overlap(a: Lines, b: Lines) -> bool:
    return a[0] <= b[1] and b[0] <= a[1]
