"""``lenslab.compare(a, b)``: two runs op by op, as a table, a first divergence and a widget."""

from __future__ import annotations

import math
import os
import pathlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..capture import INPUT, OUTPUT
from ..trace.record import Capture, CaptureSource, as_capture
from .match import match_ops
from .metrics import difference

if TYPE_CHECKING:
    import pandas

STATUSES = ("same", "changed", "only_a", "only_b", "unsaved")


@dataclass(frozen=True)
class OpDiff:
    """One row: an op of ``a`` and its match in ``b`` (positions; -1 where a side has none)."""

    a: int
    b: int
    label: str  # a's label, or b's for ops only b ran
    label_b: str
    status: str
    rel_l2: float
    max_abs: float
    note: str


class Comparison:
    """Every op of two runs, matched, with how much its output changed from ``a`` to ``b``."""

    def __init__(self, a: CaptureSource, b: CaptureSource, rtol: float, atol: float) -> None:
        self.a: Capture = as_capture(a)
        self.b: Capture = as_capture(b)
        self.rtol, self.atol = rtol, atol
        self.pairs = match_ops(self.a, self.b)
        self.rows = _rows(self.a, self.b, self.pairs, rtol, atol)
        self.notes = _notes(self.a, self.b, self.rows)

    @property
    def first_divergence(self) -> str | None:
        """The first op, in execution order, whose output differs or that one run lacks."""
        for row in self.rows:
            if row.status in ("changed", "only_a", "only_b"):
                return row.label
        return None

    def __getitem__(self, label: str) -> OpDiff:
        for row in self.rows:
            if label in (row.label, row.label_b):
                return row
        key = self.a.layer(label).label  # short labels, module addresses
        return next(row for row in self.rows if row.label == key)

    def counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATUSES, 0)
        for row in self.rows:
            counts[row.status] += 1
        return counts

    def to_pandas(self) -> pandas.DataFrame:
        """One row per op: ``label``, ``status``, ``rel_l2``, ``max_abs``, ``label_b``, ``type``,
        ``module``, ``note`` (in a's execution order; ops only b ran after their predecessor)."""
        import pandas

        records = [
            {
                "label": r.label,
                "status": r.status,
                "rel_l2": r.rel_l2,
                "max_abs": r.max_abs,
                "label_b": r.label_b,
                "type": _side(self, r).type,
                "module": _side(self, r).module or "",
                "note": r.note,
            }
            for r in self.rows
        ]
        return pandas.DataFrame.from_records(records, columns=list(records[0]) if records else [])

    def summary(self) -> str:
        counts = ", ".join(f"{n} {s}" for s, n in self.counts().items() if n)
        first = self.first_divergence
        lines = [
            f"compare {self.a.model_type} (a) with {self.b.model_type} (b): {counts}",
            f"first divergence: {first}" if first else "no op differs",
            *self.notes,
        ]
        return "\n".join(lines)

    def show(self, **view_options: Any) -> Any:
        """The compare widget: a's graph coloured by the difference to b."""
        from ..widget.compare import CompareWidget

        return CompareWidget(self, **view_options)

    def to_html(self, path: str | os.PathLike[str], *, budget_mb: float = 30.0) -> pathlib.Path:
        """One self-contained HTML file of the compare widget (no kernel, no network): both
        runs' activations and their difference, as previews within ``budget_mb``."""
        from .html import write_compare_html

        return write_compare_html(self, path, budget_mb=budget_mb)

    def save(self, path: str | os.PathLike[str], *, strip_paths: bool = False) -> pathlib.Path:
        """Both runs and their comparison as one ``.lens`` bundle (``.lens`` added when
        missing); returns the path. ``lenslab.load_comparison(path)`` opens it again, and the
        JupyterLab ``.lens`` viewer shows it as this compare view, with no kernel."""
        from .bundle import save_comparison

        return save_comparison(self, path, strip_paths=strip_paths)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        try:
            widget = self.show()
        except ImportError:
            return {"text/plain": self.summary()}
        from .html import publish_kept_compare  # what a saved notebook shows without a kernel

        publish_kept_compare(self)
        return widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"<Comparison {self.summary()}>"


def _side(c: Comparison, row: OpDiff) -> Any:
    return c.a.layers[row.a] if row.a >= 0 else c.b.layers[row.b]


def _rows(a: Capture, b: Capture, pairs: dict[int, int], rtol: float, atol: float) -> list[OpDiff]:
    """a's ops in order; each op only ``b`` ran comes just before the next op both runs have."""
    inverse = {j: i for i, j in pairs.items()}
    before: dict[int, list[int]] = {}  # a position (len(a): at the end) -> b-only ops before it
    following = len(a)
    for j in range(len(b) - 1, -1, -1):
        if j in inverse:
            following = inverse[j]
        else:
            before.setdefault(following, []).insert(0, j)
    values_a, values_b = a.trace.store.values, b.trace.store.values
    labels_a, labels_b = a.derived.labels, b.derived.labels
    rows: list[OpDiff] = []
    for i in range(len(a)):
        if i in pairs:
            j = pairs[i]
            rows.extend(_only_b(b, k) for k in before.get(i, []))
            d = difference(values_a[i], values_b[j], rtol, atol)
            note = _branch_note(a, b, i, j) or d.note
            rows.append(OpDiff(i, j, labels_a[i], labels_b[j], d.status, d.rel_l2, d.max_abs, note))
        else:
            rows.append(OpDiff(i, -1, labels_a[i], "", "only_a", math.nan, math.nan, ""))
    rows.extend(_only_b(b, k) for k in before.get(len(a), []))
    return rows


def _only_b(b: Capture, j: int) -> OpDiff:
    label = b.derived.labels[j]
    return OpDiff(-1, j, label, label, "only_b", math.nan, math.nan, "")


def _branch_note(a: Capture, b: Capture, i: int, j: int) -> str:
    va, vb = a.trace.bool_values.get(i), b.trace.bool_values.get(j)
    if va is not None and vb is not None and va != vb:
        return f"branch taken differently: {va} in a, {vb} in b"
    return ""


def _notes(a: Capture, b: Capture, rows: list[OpDiff]) -> list[str]:
    notes: list[str] = []
    if a.model_type != b.model_type:
        notes.append(
            f"different models ({a.model_type} vs {b.model_type}): ops are compared where "
            "labels or structure match; the rest is listed as only_a / only_b"
        )
    only = sum(r.status in ("only_a", "only_b") for r in rows)
    if only:
        notes.append(f"{only} ops ran in one run only (a different branch or model)")
    if any(r.status == "unsaved" for r in rows):
        notes.append("some activations were not saved: capture both runs with save='all'")
    ends = sum(1 for r in rows if r.a >= 0 and a.trace.ops[r.a].kind in (INPUT, OUTPUT))
    if ends == 0 and rows:
        notes.append("no inputs or outputs matched")
    return notes


def compare(
    a: CaptureSource, b: CaptureSource, *, rtol: float = 1e-5, atol: float = 1e-6
) -> Comparison:
    """Match the ops of two histories (live or loaded) and measure how each output changed.

    Ops match by label, then by structure where labels shift (a different branch ran). Per op:
    ``status`` (``same``, ``changed``, ``only_a``, ``only_b``; ``unsaved`` where a value is
    missing), ``rel_l2`` = ||a - b|| / max(||a||, ||b||) and ``max_abs`` = max |a - b|.
    ``same`` means every element agrees within ``atol + rtol * |b|``.
    """
    return Comparison(a, b, rtol, atol)
