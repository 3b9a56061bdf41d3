"""The ``compare`` trait of a compare widget (and of a patching-effect view): a few bytes per
op of the drawn graph (run ``a``, plus the ops only ``b`` ran), no tensors. ``src/model/compare.ts``
reads it."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

from .union import PREFIX

if TYPE_CHECKING:
    from .comparison import Comparison

_LETTER = {"same": "s", "changed": "c", "only_a": "a", "only_b": "b", "unsaved": "u"}


def compare_state(comparison: Comparison, threshold: float) -> dict[str, Any]:
    """The ``compare`` trait, per op of the union graph (``union.py``: a's ops and the ops only
    b ran, in ``comparison.rows`` order): its value and status, b's label; the ops only b ran
    and the branches taken differently, by union position."""
    rows = comparison.rows
    values: list[float | None] = [None] * len(rows)
    status = ["a"] * len(rows)
    labels_b = [""] * len(rows)
    only_b: list[dict[str, Any]] = []
    branches: list[int] = []
    for k, row in enumerate(rows):
        status[k] = _LETTER[row.status]
        labels_b[k] = row.label_b
        values[k] = _finite(row.rel_l2, row.status)
        if row.a < 0:
            layer = comparison.b.layers[row.b]
            only_b.append(
                {"label": row.label, "type": layer.type, "module": layer.module or "", "index": k}
            )
        elif row.note.startswith("branch"):
            branches.append(k)
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
        "first_divergence": _drawn_first(comparison),
        "counts": comparison.counts(),
    }


def _drawn_first(comparison: Comparison) -> str | None:
    """The first divergence as the drawn graph labels it (``b/`` + label: an op only b ran)."""
    for row in comparison.rows:
        if row.status in ("changed", "only_a", "only_b"):
            return PREFIX + row.label if row.a < 0 else row.label
    return None


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
