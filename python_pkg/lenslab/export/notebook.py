"""What a saved notebook shows once the kernel is gone (reopened, or converted by nbconvert).

JupyterLab renders a widget output whose model is missing as "Error displaying widget: model
not found" and never falls back to another mime type of the same output; nbconvert picks the
widget mime type first too. So displaying a history publishes, just before the widget, a
sibling output that needs no kernel: ``application/vnd.lenslab.graph+json`` (the wire graph,
drawn by the lab extension with the same view, "kernel not connected" for tensor data; the
extension hides it while the live widget is on the page), and ``text/html`` for nbconvert and
other front ends: the standalone page (``html.py``) in a sandboxed ``<iframe srcdoc>``, graph
only, no tensor previews.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..trace.record import CaptureSource

GRAPH_MIME = "application/vnd.lenslab.graph+json"
HTML_BUDGET_MB = 0.0  # graph only: tensor previews would make every saved notebook heavy


def kept_view_bundle(source: CaptureSource) -> dict[str, Any]:
    from ..trace.record import as_capture
    from ..trace.table import describe
    from .compact import compact
    from .html import render_html
    from .wire import to_wire

    capture = as_capture(source)
    page = render_html(capture, budget_mb=HTML_BUDGET_MB)
    frame = (
        '<iframe class="lenslab-static" sandbox="allow-scripts" style="width:100%;height:560px;'
        f'border:0" title="lenslab graph" srcdoc="{html.escape(page, quote=True)}"></iframe>'
    )
    return {
        GRAPH_MIME: dict(compact(to_wire(capture, source_text=True))),
        "text/html": frame,
        "text/plain": f"<ModelHistory {describe(capture.trace)}> (static view: the interactive "
        "widget needs the kernel)",
    }


def publish_kept_view(source: CaptureSource) -> None:
    """Displays the kernel-free sibling output, when running under IPython."""
    try:
        from IPython import get_ipython
        from IPython.display import publish_display_data
    except ImportError:
        return
    if get_ipython() is None:
        return
    try:
        bundle = kept_view_bundle(source)
    except Exception:  # a missing front-end build must not stop the widget itself
        return
    publish_display_data(bundle, metadata={GRAPH_MIME: {"lenslab": "kept-view"}})  # type: ignore[no-untyped-call]  # IPython ships no annotations here
