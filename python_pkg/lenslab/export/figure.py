"""Figures without a browser: the widget's own layout and SVG drawing (``static/headless.js``,
built from ``src/headless.ts``) run in an embedded V8 (the ``mini-racer`` wheel); PNGs come
from the SVG through ``resvg`` (the ``resvg-py`` wheel). No Node, browser or system package.

``render_svg(wire_graph, view_options)`` is the one entry: any caller with a wire graph (a
history, a loaded bundle, a saved notebook's fallback) gets the same drawing.
"""

from __future__ import annotations

import json
import os
import pathlib
import threading
from typing import TYPE_CHECKING, Any

from ..errors import LensError

if TYPE_CHECKING:
    from ..trace.record import CaptureSource

HEADLESS_JS = pathlib.Path(__file__).resolve().parent.parent / "static" / "headless.js"
# resvg caps a side at this many pixels; larger figures are scaled down to fit.
MAX_PNG_SIDE = 16_000

_lock = threading.Lock()  # one V8 context, used by one thread at a time
_engine: Any = None


def _context() -> Any:
    global _engine
    if _engine is None:
        if not HEADLESS_JS.is_file():
            raise LensError(
                f"lenslab's headless renderer is missing ({HEADLESS_JS} does not exist). "
                "Run `make build` in the lenslab checkout (or reinstall with `pip install .`)."
            )
        try:
            from py_mini_racer import MiniRacer
        except ImportError as exc:
            raise LensError(
                "to_svg/to_png need the mini-racer package: pip install mini-racer"
            ) from exc
        engine = MiniRacer()
        engine.eval(HEADLESS_JS.read_text(encoding="utf-8"))
        _engine = engine
    return _engine


def _call(function: str, wire_graph: dict[str, Any], view: dict[str, Any]) -> Any:
    args = json.dumps(json.dumps(wire_graph)), json.dumps(json.dumps(view))
    with _lock:
        engine = _context()
        text = engine.eval(f"JSON.stringify(lenslabHeadless.{function}({args[0]}, {args[1]}))")
    return json.loads(text)


def render_svg(wire_graph: dict[str, Any], view_options: dict[str, Any]) -> str:
    """The SVG document of ``wire_graph`` (full or compact wire form) for checked view options
    (``export/view_options.py``), drawn by the widget's own code."""
    return str(_call("renderSvg", wire_graph, view_options)["svg"])


def node_boxes(wire_graph: dict[str, Any], view_options: dict[str, Any]) -> dict[str, list[float]]:
    """Node id -> [x, y, width, height] in the SVG's coordinates (tests compare these)."""
    return dict(_call("nodeBoxes", wire_graph, view_options))


def capture_svg(source: CaptureSource, **options: Any) -> str:
    from ..trace.record import as_capture
    from .compact import compact
    from .view_options import view_options
    from .wire import to_wire

    capture = as_capture(source)
    view = view_options(capture, options, static=True)
    return render_svg(dict(compact(to_wire(capture))), view)


def svg_to_png(svg: str, scale: float = 2.0) -> bytes:
    """Rasterises with resvg at ``scale`` (capped so no side exceeds ``MAX_PNG_SIDE``)."""
    try:
        import resvg_py
    except ImportError as exc:
        raise LensError("to_png needs the resvg-py package: pip install resvg-py") from exc
    if not (isinstance(scale, (int, float)) and scale > 0):
        raise LensError(f"scale must be a positive number, got {scale!r}.")
    width, height = _size(svg)
    zoom = min(float(scale), MAX_PNG_SIDE / max(width, height, 1))
    return bytes(resvg_py.svg_to_bytes(svg_string=svg, zoom=zoom, background="#ffffff"))


def _size(svg: str) -> tuple[float, float]:
    head = svg[: svg.find(">", svg.find("<svg")) + 1]
    values: dict[str, float] = {}
    for key in ("width", "height"):
        at = head.find(f' {key}="')
        if at >= 0:
            start = at + len(key) + 3
            values[key] = float(head[start : head.find('"', start)])
    return values.get("width", 1.0), values.get("height", 1.0)


def write_text(path: str | os.PathLike[str], text: str) -> pathlib.Path:
    target = pathlib.Path(path)
    target.write_text(text, encoding="utf-8")
    return target
