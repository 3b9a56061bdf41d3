"""``Comparison.to_html(path)``: the compare widget as one self-contained page.

The page is the standalone page of run ``a`` (``export/html.py``) plus the ``compare`` trait and
previews of run ``b`` and of ``b - a`` under a's labels, so the in-page data server answers
requests for any side without a kernel.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..export.html import previews_of, render_html, tensor_previews
from ..export.notebook import KEPT_METADATA, kept_bundle, marked_svg, slim_svg
from .sides import aligned_capture, difference_capture
from .state import compare_state
from .union import union_graph

if TYPE_CHECKING:
    from .comparison import Comparison


def write_compare_html(c: Comparison, path: str | os.PathLike[str], *, budget_mb: float) -> Path:
    target = Path(path).expanduser()
    if target.suffix.lower() not in (".html", ".htm"):
        target = target.with_name(target.name + ".html")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_compare_html(c, budget_mb=budget_mb), encoding="utf-8")
    return target


def render_compare_html(c: Comparison, *, budget_mb: float) -> str:
    """The page; ``budget_mb=0``: the graph and its differences only, no tensor previews.

    The graph is the union (``union.py``): previews of the ops only b ran are b's, under their
    union labels."""
    state = compare_state(c, 0.0)
    union = union_graph(c, source_text=True)
    if budget_mb <= 0:
        return render_html(c.a, budget_mb=0.0, extra={"compare": state}, wire=union.wire)
    share = int(budget_mb * 1e6 / 3)
    only_b = [(label, c.b.layer(b).activation) for label, b in union.only_b.items()]
    b_side = previews_of(only_b, share // 4) if only_b else {}
    b_side.update(tensor_previews(aligned_capture(c.a, c.b, c.pairs), share - _size(b_side)))
    sides = {"b": b_side, "diff": tensor_previews(difference_capture(c.a, c.b, c.pairs), share)}
    extra = {"compare": state, "sides": sides}
    used = len(json.dumps(extra))
    budget = max(budget_mb - used / 1e6, 1.0)
    return render_html(c.a, budget_mb=budget, extra=extra, wire=union.wire)


def _size(previews: dict[str, Any]) -> int:
    return len(json.dumps(previews)) if previews else 0


def kept_compare_bundle(c: Comparison) -> dict[str, Any]:
    """What a saved notebook shows for a displayed comparison once the kernel is gone: a
    snapshot of the compare graph (run a's, and the ops only b ran, labelled ``b/``) coloured
    by the difference (see ``export/notebook.py``)."""
    from ..export.compact import compact
    from ..export.figure import render_svg
    from ..export.view_options import view_options

    scores = {r.label: r.rel_l2 for r in c.rows if r.a >= 0 and not math.isnan(r.rel_l2)}
    view = view_options(c.a, {"overlay": scores}, static=True)
    svg = slim_svg(render_svg(dict(compact(union_graph(c).wire)), view))  # b-only ops too
    return kept_bundle(marked_svg(svg), c.summary())


def publish_kept_compare(c: Comparison) -> None:
    """Displays the kernel-free sibling output of the compare widget, under IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import publish_display_data
    except ImportError:
        return
    if get_ipython() is None:
        return
    try:
        bundle = kept_compare_bundle(c)
    except Exception:  # a missing front-end build must not stop the widget itself
        return
    publish_display_data(bundle, metadata=KEPT_METADATA)  # type: ignore[no-untyped-call]  # IPython ships no annotations here
