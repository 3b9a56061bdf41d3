"""``h.to_html(path)``: one self-contained HTML file with the interactive graph.

The page inlines ``static/standalone.js`` (the widget view plus an in-page data server,
``src/standalone.ts``) and ``static/widget.css``, and embeds the wire graph in its compact form, as zlib-compressed JSON in
base64 (``graph_z``; about 20 bytes per op instead of ~150: the page inflates it with the
browser's ``DecompressionStream`` before the first draw), and, one line per tensor in a text element that the
page reads only when that tensor is first shown, per saved activation while ``budget_mb`` lasts,
exact statistics,
a 64-bin histogram and a block-mean preview quantized to uint8. The JSON sits in
``<script type="application/json">`` with ``<``, ``>`` and ``&`` escaped, so names from user code
can never close the tag: the view puts them in the page as text only. No network, no kernel.
"""

from __future__ import annotations

import base64
import html
import json
import math
import os
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from .. import tensormath
from ..errors import LensError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from ..trace.record import CaptureSource
    from .schema import WireGraph

STATIC = Path(__file__).resolve().parent.parent / "static"
HIST_BINS = 64  # what the tensor panel asks for (src/panels/tensor-panel.ts)
PREVIEW_ELEMENTS = 1 << 16  # per tensor at most (64 KB of uint8 codes)
MISSING = "not included in this file: save it with a larger budget_mb, or open the .lens bundle"


def write_html(
    source: CaptureSource,
    path: str | os.PathLike[str],
    *,
    budget_mb: float,
    view_options: Any = None,
) -> Path:
    target = Path(path).expanduser()
    if target.suffix.lower() not in (".html", ".htm"):
        target = target.with_name(target.name + ".html")
    target.parent.mkdir(parents=True, exist_ok=True)
    page = render_html(source, budget_mb=budget_mb, view_options=view_options)
    target.write_text(page, encoding="utf-8")
    return target


DEFAULT_BUDGET_MB = 10.0


def render_html(
    source: CaptureSource,
    *,
    budget_mb: float = DEFAULT_BUDGET_MB,
    view_options: Any = None,
    extra: dict[str, Any] | None = None,
    wire: WireGraph | None = None,
) -> str:
    """``extra`` adds fields to the embedded data (a comparison's second run and its trait);
    ``wire`` is the graph to draw when it is not the capture's own (a comparison's union)."""
    from ..trace.record import as_capture
    from .compact import compact
    from .wire import to_wire

    capture = as_capture(source)
    script, css = _static("standalone.js"), _static("widget.css")
    graph = pack_graph(compact(wire if wire is not None else to_wire(capture, source_text=True)))
    more = embed_json(extra)[1:-1] + "," if extra else ""
    budget = int(budget_mb * 1e6) - len(script) - len(css) - len(graph) - len(more) - 2000
    data = f'{{{more}"graph_z":"{graph}","view_options":{embed_json(view_options or {})},"missing":{embed_json(MISSING)}}}'
    # One line per tensor, "label<TAB>json": the page finds and parses a line only when that
    # tensor is first shown (labels hold no tab or newline; the JSON no raw newline).
    lines = "".join(
        f"\n{label}\t{embed_json(entry)}"
        for label, entry in tensor_previews(capture, budget).items()
    )
    title = html.escape(f"{capture.model_type} · lenslab")
    return (
        '<!DOCTYPE html>\n<html><head><meta charset="utf-8">\n'
        '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
        "script-src 'unsafe-inline' blob:; worker-src blob:; style-src 'unsafe-inline'; "
        'img-src data: blob:">\n'
        f"<title>{title}</title>\n<style>{_no_close(css, 'style')}\n{PAGE_CSS}</style>\n"
        '</head><body>\n<div id="lenslab-app"></div>\n'
        f'<script type="application/json" id="lenslab-data">{data}</script>\n'
        f'<script type="text/plain" id="lenslab-tensors">{_no_close(lines, "script")}\n</script>\n'
        f"<script>{_no_close(script, 'script')}</script>\n</body></html>\n"
    )


PAGE_CSS = "html,body{margin:0;height:100%}#lenslab-app{height:100vh}"


GRAPH_ZLIB_LEVEL = 6  # level 9 saves ~3% more and takes twice as long


def pack_graph(graph: Any) -> str:
    """The graph as base64 of zlib-compressed JSON (``embedded_graph`` reads it back)."""
    text = json.dumps(graph, separators=(",", ":"), allow_nan=False).encode()
    return base64.b64encode(zlib.compress(text, GRAPH_ZLIB_LEVEL)).decode("ascii")


def embedded_data(page: str) -> dict[str, Any]:
    """The data a page embeds (element ``lenslab-data``), with its graph unpacked as ``graph``."""
    begin = page.index('id="lenslab-data">') + len('id="lenslab-data">')
    data: dict[str, Any] = json.loads(page[begin : page.index("</script>", begin)])
    packed = data.pop("graph_z", None)
    if isinstance(packed, str):
        data["graph"] = json.loads(zlib.decompress(base64.b64decode(packed)))
    return data


def embed_json(value: Any) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>``, ``&`` or line separators."""
    text = json.dumps(value, separators=(",", ":"), allow_nan=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _no_close(text: str, tag: str) -> str:
    """Our own bundle, inlined: a literal ``</script`` in it would end the element early."""
    return text.replace(f"</{tag}", f"<\\/{tag}")


def _static(name: str) -> str:
    file = STATIC / name
    if not file.is_file():
        raise LensError(f"{file} is missing: run `make build` in the lenslab checkout")
    return file.read_text(encoding="utf-8")


def tensor_previews(source: CaptureSource, budget: int) -> dict[str, Any]:
    """Per saved activation (in ``preview_order``: execution order, later copies of repeated
    blocks last) while ``budget`` bytes last: stats, histogram, preview. Stats and histograms go
    first, for every tensor while half the budget lasts (so a model too big for all of them
    still gets previews: a tensor view needs one); previews fill what is left."""
    from ..trace.record import as_capture
    from .preview_order import preview_order

    capture = as_capture(source)
    layers = capture.layers
    order = preview_order(capture.trace)  # outside repeated blocks and first copies first
    return previews_of(((layers[i].label, layers[i].activation) for i in order), budget)


def previews_of(values: Iterable[tuple[str, Any]], budget: int) -> dict[str, Any]:
    """``tensor_previews`` of (label, value) pairs."""
    out: dict[str, Any] = {}
    saved: list[tuple[str, torch.Tensor]] = []
    reserve = budget // 2  # for previews once the summaries would take more than half
    budget -= reserve
    for label, value in values:
        if not isinstance(value, torch.Tensor) or value.numel() == 0:
            continue
        try:
            real = tensormath.as_real(value)
        except Exception:  # complex, sparse: nothing to show
            continue
        entry = _summary(real)
        cost = len(embed_json(entry)) + len(label) + 2  # its line: "\nlabel<TAB>json"
        if cost > budget:
            break
        budget -= cost
        out[label] = entry
        saved.append((label, real))
    budget += reserve
    for label, real in saved:
        cap = min(PREVIEW_ELEMENTS, budget * 3 // 4 - 200)
        if cap < 16:
            break
        preview = _preview(real, cap)
        budget -= len(embed_json(preview)) + 12  # ',"preview":' in its line
        out[label]["preview"] = preview
    return out


def _summary(real: torch.Tensor) -> dict[str, Any]:
    hist = tensormath.histogram(real, HIST_BINS)
    return {
        "stats": tensormath.tensor_stats(real).as_json(),
        "hist": {
            "counts": [int(c) for c in hist.counts.tolist()],
            "lo": _finite(hist.lo), "hi": _finite(hist.hi), "nan": hist.nan, "inf": hist.inf,
        },
    }  # fmt: skip


def _finite(v: float) -> float:
    return v if math.isfinite(v) else 0.0


def _preview(real: torch.Tensor, cap: int) -> dict[str, Any]:
    codes, step, lo, scale = tensormath.preview(real, cap)
    data = base64.b64encode(codes.numpy().tobytes()).decode("ascii")
    return {"step": step, "offset": lo, "scale": scale, "data": data}
