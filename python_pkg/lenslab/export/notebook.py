"""What a saved notebook shows once the kernel is gone (reopened, or converted by nbconvert).

JupyterLab renders a widget output whose model is missing as "Error displaying widget: model
not found" and never falls back to another mime type of the same output; nbconvert picks the
widget mime type first too. So displaying a history publishes, just before the widget, a
sibling output that needs no kernel: a static SVG snapshot of the default view (``image/svg+xml``,
drawn by the widget's own code in ``figure.py``), which JupyterLab with or without the
extension, Notebook 7, nbconvert and static viewers such as GitHub all show. The live widget
hides it (src/loader.ts); the graph is not saved a second time in another mime type.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..trace.record import CaptureSource

GRAPH_MIME = "application/vnd.lenslab.graph+json"  # kept views of earlier versions (lab extension)
SVG_MIME = "image/svg+xml"
KEPT_CLASS = "lenslab-kept"  # the live widget hides the output whose SVG carries this class


def kept_view_bundle(source: CaptureSource) -> dict[str, Any]:
    from ..trace.record import as_capture
    from ..trace.table import describe
    from .figure import capture_svg

    capture = as_capture(source)
    svg = slim_svg(capture_svg(capture))
    at = svg.find("<svg") + len("<svg")
    # Starts with the marked tag (no XML declaration), so it is recognisable base64-encoded too.
    return {
        SVG_MIME: f'<svg class="{KEPT_CLASS}"{svg[at:]}',
        "text/plain": f"<ModelHistory {describe(capture.trace)}> (static view: the interactive "
        "widget needs the kernel)",
    }


_IDS = re.compile(r' data-(?:node-id|edge|group-key)="[^"]*"')
_DECIMALS = re.compile(r"(?<![\w.])(-?\d+)\.(\d)\d*")


def slim_svg(svg: str) -> str:
    """The snapshot without what only the live view uses (ids for hit tests) and with
    coordinates to one decimal place: about a third smaller, drawn the same."""
    cut = svg.find("</style>")
    head, body = (svg[:cut], svg[cut:]) if cut >= 0 else ("", svg)
    body = _IDS.sub("", body)
    body = _DECIMALS.sub(
        lambda m: m.group(1) if m.group(2) == "0" else f"{m.group(1)}.{m.group(2)}", body
    )
    return head + body


def kept_svg(source: CaptureSource) -> str:
    """The snapshot alone, or "" when it cannot be drawn (a missing front-end build must not
    stop the widget itself)."""
    try:
        return str(kept_view_bundle(source)[SVG_MIME])
    except Exception:
        return ""


def publish_kept_view(source: CaptureSource) -> bool:
    """Displays the kernel-free sibling output when running under IPython; False elsewhere."""
    try:
        from IPython import get_ipython
        from IPython.display import publish_display_data
    except ImportError:
        return False
    if get_ipython() is None:
        return False
    try:
        bundle = kept_view_bundle(source)
    except Exception:  # a missing front-end build must not stop the widget itself
        return False
    publish_display_data(bundle, metadata={SVG_MIME: {"lenslab": "kept-view"}})  # type: ignore[no-untyped-call]  # IPython ships no annotations here
    return True
