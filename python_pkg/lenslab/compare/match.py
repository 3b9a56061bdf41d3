"""Which op of run ``b`` is which op of run ``a``: by label first, then by structure.

Labels carry a step counter, so one extra or missing op (a different ``if`` branch) shifts
every later label. Ops left unmatched by label are aligned by their signature (type, module,
output position, role) in execution order, the way ``diff`` aligns lines, and kept where
something says they are one op (same parameters, a shared parent or the same source line).
Either way a pair must agree on its parents: each parent slot holds the same op in both
runs, unless that parent ran in one run only (the same layer, after a different branch).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from ..capture import BUFFER, OpRecord
from ..trace.record import Capture

Signature = tuple[str, str, int, int]


class _Matching:
    def __init__(self, a: Capture, b: Capture) -> None:
        self.a, self.b = a, b
        self.pairs: dict[int, int] = {}
        self.taken: set[int] = set()

    def add(self, i: int, j: int) -> None:
        self.pairs[i] = j
        self.taken.add(j)

    def parents_agree(self, i: int, j: int) -> bool:
        parents_a = self.a.trace.ops[i].parents
        parents_b = self.b.trace.ops[j].parents
        if len(parents_a) != len(parents_b):
            return False
        pairs, taken = self.pairs, self.taken
        return all(
            pairs[p] == q
            for p, q in zip(parents_a, parents_b, strict=True)
            if p in pairs and q in taken
        )

    def same_op(self, i: int, j: int) -> bool:
        """Positive evidence that two ops the labels do not pair are one op of the model: the
        same parameters, a parent they share, or the same line of source."""
        x, y = self.a.trace.ops[i], self.b.trace.ops[j]
        if x.params and x.params == y.params:
            return True
        if not x.parents and not y.parents:
            return True
        pairs = self.pairs
        if any(pairs.get(p) == q for p, q in zip(x.parents, y.parents, strict=True)):
            return True
        return _where(x) is not None and _where(x) == _where(y)


def _where(op: OpRecord) -> tuple[str, int] | None:
    return (op.code.co_filename, op.line) if op.code is not None else None


def match_ops(a: Capture, b: Capture) -> dict[int, int]:
    """Op position in ``a`` -> op position in ``b`` for every op both runs have."""
    m = _Matching(a, b)
    _by_label(m)
    left = [i for i in range(len(a)) if i not in m.pairs]
    right = [j for j in range(len(b)) if j not in m.taken]
    if left and right:
        _by_structure(m, left, right)
    return m.pairs


def _keys(c: Capture) -> list[str]:
    """Labels, except buffers: those are numbered by first read, so they match by address."""
    keys = list(c.derived.labels)
    reads: dict[str, int] = {}
    for i, op in enumerate(c.trace.ops):
        if op.kind == BUFFER:
            reads[op.address] = reads.get(op.address, 0) + 1
            keys[i] = f"@{op.address}:{reads[op.address]}"
    return keys


def _by_label(m: _Matching) -> None:
    where = {key: j for j, key in enumerate(_keys(m.b))}
    ops_a, ops_b = m.a.trace.ops, m.b.trace.ops
    for i, key in enumerate(_keys(m.a)):
        j = where.get(key)
        if j is not None and ops_a[i].kind == ops_b[j].kind and m.parents_agree(i, j):
            m.add(i, j)


def _signature(c: Capture, i: int) -> Signature:
    op = c.trace.ops[i]
    call = op.module_call
    address = c.trace.calls[call].address if call >= 0 else ""
    return (op.address if op.kind == BUFFER else op.type, address, op.out_index, op.kind)


def _by_structure(m: _Matching, left: Sequence[int], right: Sequence[int]) -> None:
    sig_a = [_signature(m.a, i) for i in left]
    sig_b = [_signature(m.b, j) for j in right]
    matcher = difflib.SequenceMatcher(None, sig_a, sig_b, autojunk=False)
    for block in matcher.get_matching_blocks():
        for k in range(block.size):
            i, j = left[block.a + k], right[block.b + k]
            if m.parents_agree(i, j) and m.same_op(i, j):
                m.add(i, j)
