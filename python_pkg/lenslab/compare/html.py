"""``Comparison.to_html(path)``: the compare widget as one self-contained page.

The page is the standalone page of run ``a`` (``export/html.py``) plus the ``compare`` trait and
previews of run ``b`` and of ``b - a`` under a's labels, so the in-page data server answers
requests for any side without a kernel.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..export.html import render_html, tensor_previews
from .sides import aligned_capture, difference_capture
from .state import compare_state

if TYPE_CHECKING:
    from .comparison import Comparison


def write_compare_html(c: Comparison, path: str | os.PathLike[str], *, budget_mb: float) -> Path:
    target = Path(path).expanduser()
    if target.suffix.lower() not in (".html", ".htm"):
        target = target.with_name(target.name + ".html")
    target.parent.mkdir(parents=True, exist_ok=True)
    share = int(budget_mb * 1e6 / 3)
    state = compare_state(c, 0.0)
    sides = {
        "b": tensor_previews(aligned_capture(c.a, c.b, c.pairs), share),
        "diff": tensor_previews(difference_capture(c.a, c.b, c.pairs), share),
    }
    extra = {"compare": state, "sides": sides}
    used = len(json.dumps(extra))
    page = render_html(c.a, budget_mb=max(budget_mb - used / 1e6, 1.0), extra=extra)
    target.write_text(page, encoding="utf-8")
    return target
