"""The ``compare`` trait of a compare widget (and of a patching-effect view): a few bytes per
op of run ``a``, no tensors. ``src/model/compare.ts`` reads it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .comparison import Comparison

_LETTER = {"same": "s", "changed": "c", "only_a": "a", "unsaved": "u"}


def compare_state(comparison: Comparison, threshold: float) -> dict[str, Any]:
    """The ``compare`` trait: per op of a, its value and status; b-only ops; differing branches."""
    a = comparison.a
    values: list[float | None] = [None] * len(a)
    status = ["a"] * len(a)
    labels_b = [""] * len(a)
    only_b: list[dict[str, Any]] = []
    branches: list[int] = []
    anchors: dict[int, int] = {}  # b-only op -> the op of a where b's path left a's
    inverse = {j: i for i, j in comparison.pairs.items()}
    last = -1
    for row in comparison.rows:
        if row.a < 0:
            layer = comparison.b.layers[row.b]
            anchors[row.b] = _anchor(comparison, row.b, inverse, anchors, last)
            only_b.append(
                {
                    "label": row.label,
                    "type": layer.type,
                    "module": layer.module or "",
                    "after": anchors[row.b],
                }
            )
            continue
        last = row.a
        status[row.a] = _LETTER[row.status]
        labels_b[row.a] = row.label_b
        values[row.a] = _finite(row.rel_l2, row.status)
        if row.note.startswith("branch"):
            branches.append(row.a)
    return {
        "kind": "compare",
        "title": "difference b vs a (relative L2)",
        "values": values,
        "status": "".join(status),
        "labels_b": labels_b,
        "only_b": only_b,
        "branches": branches,
        "threshold": threshold,
        "model_b": comparison.b.model_type,
        "first_divergence": comparison.first_divergence,
        "counts": comparison.counts(),
    }


def _anchor(
    c: Comparison, j: int, inverse: dict[int, int], anchors: dict[int, int], last: int
) -> int:
    """Where an op only b ran hangs off a's graph: its first parent both runs have (through
    other b-only parents), else the op of a that ran just before it."""
    for parent in c.b.trace.ops[j].parents:
        if parent in inverse:
            return inverse[parent]
        if parent in anchors:
            return anchors[parent]
    return last


def _finite(value: float, status: str) -> float | None:
    """JSON has no NaN/inf: a changed op whose shapes differ counts as fully changed (2)."""
    if math.isnan(value):
        return 2.0 if status == "changed" else None
    return 2.0 if math.isinf(value) else value


def scores_state(n: int, scores: dict[int, float], title: str, threshold: float) -> dict[str, Any]:
    """One score per op (activation patching's effect), drawn like a difference."""
    values: list[float | None] = [None] * n
    for index, score in scores.items():
        values[index] = None if math.isnan(score) else score
    return {
        "kind": "scores",
        "title": title,
        "values": values,
        "status": "s" * n,
        "labels_b": [""] * n,
        "only_b": [],
        "branches": [],
        "threshold": threshold,
        "model_b": "",
        "first_divergence": None,
        "counts": {},
    }
