"""What a saved notebook shows once the kernel is gone (reopened, or converted by nbconvert).

JupyterLab renders a widget output whose model is missing as "Error displaying widget: model
not found" and never falls back to another mime type of the same output; nbconvert picks the
widget mime type first too. So displaying a history publishes, just before the widget, a
sibling output that needs no kernel: a static SVG snapshot of the default view (drawn by the
widget's own code in ``figure.py``). The live widget hides it (src/loader.ts).

The snapshot travels as ``text/html`` holding one ``<img>`` whose ``src`` is the SVG as a
base64 ``data:`` URL, not as ``image/svg+xml``: in a notebook that is not trusted (anyone
else's executed notebook), JupyterLab and Notebook 7 render only mime types whose renderer is
marked safe. The SVG renderer is not (an SVG may script); the HTML one is, and sanitizes what it
renders: ``<svg>`` is not an allowed tag, but ``<img>`` with ``class`` and ``style`` is, and
``src`` is not checked against the allowed URL schemes. An image's SVG runs no script, so the
same drawing shows trusted or not; nbconvert (``text/html`` ranks first there too) and static
viewers show it as well. The graph is saved once, in this one mime type.
"""

from __future__ import annotations

import base64
import re
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..trace.record import CaptureSource

GRAPH_MIME = "application/vnd.lenslab.graph+json"  # kept views of earlier versions (lab extension)
SVG_MIME = "image/svg+xml"
HTML_MIME = "text/html"  # the kept view's mime type: rendered (sanitized) in untrusted notebooks
KEPT_CLASS = "lenslab-kept"  # the live widget hides the output whose snapshot carries this class
KEPT_METADATA = {HTML_MIME: {"lenslab": "kept-view"}}


def kept_view_bundle(source: CaptureSource) -> dict[str, Any]:
    from ..trace.record import as_capture
    from ..trace.table import describe
    from .figure import capture_svg

    capture = as_capture(source)
    text = f"<ModelHistory {describe(capture.trace)}> (static view: the interactive widget needs the kernel)"
    return kept_bundle(marked_svg(slim_svg(capture_svg(capture))), text)


def marked_svg(svg: str) -> str:
    """The SVG from its ``<svg`` tag on (no XML declaration), the tag marked with KEPT_CLASS."""
    at = svg.find("<svg") + len("<svg")
    return f'<svg class="{KEPT_CLASS}"{svg[at:]}'


def kept_bundle(svg: str, text: str) -> dict[str, str]:
    """The kept output's mime bundle: the snapshot as an image in HTML, and a line of text."""
    data = base64.b64encode(svg.encode()).decode("ascii")
    image = (
        f'<img class="{KEPT_CLASS}" alt="lenslab graph (static snapshot)" '
        f'style="max-width:100%;height:auto" src="data:{SVG_MIME};base64,{data}">'
    )
    return {HTML_MIME: image, "text/plain": text}


def snapshot_svg(bundle: dict[str, Any]) -> str:
    """The SVG inside a kept bundle's HTML ("" if it holds none)."""
    html = str(bundle.get(HTML_MIME, ""))
    at = html.find(f"data:{SVG_MIME};base64,")
    if KEPT_CLASS not in html or at < 0:
        return ""
    start = at + len(f"data:{SVG_MIME};base64,")
    return base64.b64decode(html[start : html.index('"', start)]).decode()


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
        return snapshot_svg(kept_view_bundle(source))
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
    publish_display_data(bundle, metadata=KEPT_METADATA)  # type: ignore[no-untyped-call]  # IPython ships no annotations here
    return True
