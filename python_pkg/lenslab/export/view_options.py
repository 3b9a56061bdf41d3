"""View options (``h.show(...)``, ``h.to_svg(...)``, ``h.to_png(...)``, ``h.to_html(...)``):
checked here, once, and turned into the JSON the front end reads (``src/graph/view-options.ts``).

Each option is one converter ``(capture, value, static) -> JSON value`` in ``VIEW_OPTIONS``;
another option is one more entry (``register_view_option``). ``static`` is True for figures
made without a kernel (SVG/PNG/HTML): data the widget would fetch live is computed here.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..errors import LensError

if TYPE_CHECKING:
    from ..trace.record import Capture, CaptureSource

Converter = Callable[["Capture", Any, bool], Any]
VIEW_OPTIONS: dict[str, Converter] = {}

# Overlay names the front end computes itself, and their aliases.
FRONT_END_METRICS = {
    "none": "none", "time": "time", "op time": "time", "size": "size", "output size": "size",
    "params": "params", "parameters": "params", "flops": "flops", "grad": "grad",
    "gradient norm": "grad",
}  # fmt: skip
PYTHON_OVERLAYS = ("kept for backward", "gradient flow")


def register_view_option(name: str, convert: Converter) -> None:
    """Adds ``h.show(name=...)``: ``convert`` checks the value (raising ``LensError``) and
    returns what the front end receives under ``name``."""
    VIEW_OPTIONS[name] = convert


def view_options(source: CaptureSource, options: Mapping[str, Any], static: bool) -> dict[str, Any]:
    """The checked options as JSON for the front end; ``LensError`` on anything unknown."""
    from ..trace.record import as_capture

    capture = as_capture(source)
    out: dict[str, Any] = {}
    for name, value in options.items():
        convert = VIEW_OPTIONS.get(name)
        if convert is None:
            raise LensError(
                f"unknown view option {name!r}{_close(name, VIEW_OPTIONS)}. "
                f"Options: {', '.join(sorted(VIEW_OPTIONS))}."
            )
        if value is not None:
            out[name] = convert(capture, value, static)
    return out


def _close(word: str, known: Any) -> str:
    matches = difflib.get_close_matches(word, list(known), n=4, cutoff=0.5)
    return f" (close matches: {', '.join(matches)})" if matches else ""


def _depth(_c: Capture, value: Any, _static: bool) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise LensError(f"depth must be an int >= 1 (1: top-level modules closed), got {value!r}.")
    return value


def _flag(name: str) -> Converter:
    def convert(_c: Capture, value: Any, _static: bool) -> bool:
        if not isinstance(value, bool):
            raise LensError(f"{name} must be True or False, got {value!r}.")
        return value

    return convert


def _module(capture: Capture, address: Any, option: str) -> str:
    modules = capture.derived.modules
    if not isinstance(address, str) or address not in modules or address == "":
        named = [a for a in modules if a]
        raise LensError(
            f"{option}: {address!r} is not a module of this model{_close(str(address), named)}. "
            "Module addresses are as in model.named_modules(), e.g. 'layer1.0'."
        )
    return address


def _modules(option: str) -> Converter:
    def convert(capture: Capture, value: Any, _static: bool) -> list[str]:
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, (list, tuple, set, frozenset)):
            raise LensError(f"{option} must be a list of module addresses, got {value!r}.")
        return [_module(capture, a, option) for a in value]

    return convert


def _focus(capture: Capture, value: Any, _static: bool) -> str:
    return _module(capture, value, "focus")


def _direction(_c: Capture, value: Any, _static: bool) -> str:
    if not isinstance(value, str) or value.upper() not in ("TB", "LR"):
        raise LensError(
            f'direction must be "TB" (top to bottom) or "LR" (left to right), got {value!r}.'
        )
    return value.upper()


def _overlay(capture: Capture, value: Any, static: bool) -> Any:
    if isinstance(value, Mapping):
        return _scores(capture, value, "scores", "max", "number")
    if not isinstance(value, str):
        raise LensError(
            "overlay must be a metric name or a dict {layer key: score}, "
            f"got {type(value).__name__}."
        )
    name = value.strip().lower()
    if name in ("grad", "gradient norm"):
        return _grad_overlay(capture) if static else "grad"
    if name in FRONT_END_METRICS:
        return FRONT_END_METRICS[name]
    if name in ("kept for backward", "saved"):
        return _saved_overlay(capture)
    if name in ("gradient flow", "flow"):
        # A live widget asks the kernel for the ratios when it first shows them (and again
        # after each backward pass); a figure has no kernel, so it gets them now.
        return _flow_overlay(capture) if static else _lazy_flow(capture)
    names = [*FRONT_END_METRICS, *PYTHON_OVERLAYS]
    raise LensError(
        f"unknown overlay {value!r}{_close(name, names)}. Overlays: {', '.join(names)}, "
        "or a dict {layer label: score}."
    )


def _scores(
    capture: Capture, scores: Mapping[Any, Any], name: str, aggregate: str, fmt: str
) -> dict[str, Any]:
    """``{key: score}`` with keys resolved to op labels; unknown keys named in the error."""
    out: dict[str, float] = {}
    unknown: list[str] = []
    for key, score in scores.items():
        try:
            label = capture.layer(key).label
        except KeyError:
            unknown.append(repr(key))
            continue
        if isinstance(score, bool) or not isinstance(score, (int, float)):
            raise LensError(f"overlay score for {key!r} must be a number, got {score!r}.")
        if math.isfinite(score):
            out[label] = float(score)
    if unknown:
        hint = _close(str(unknown[0]).strip("'\""), capture.index.keys())
        raise LensError(
            f"overlay scores name {len(unknown)} unknown layer(s): {', '.join(unknown[:8])}"
            f"{hint}. Keys are labels ('conv2d_1_1:1'), module addresses or ints, as for h[key]."
        )
    return {"name": name, "scores": out, "aggregate": aggregate, "format": fmt}


def _saved_overlay(capture: Capture) -> str:
    if capture.trace.saved_bytes is None:
        raise LensError(
            'overlay "kept for backward" needs the bytes autograd saved: capture with '
            "lens(model, x, memory=True)."
        )
    return "saved"  # the front end reads each op's saved_bytes from the wire graph


def _grad_overlay(capture: Capture) -> dict[str, Any]:
    norms = {
        layer.label: float(layer.grad.detach().float().norm())
        for layer in capture.layers
        if layer.grad is not None
    }
    if not norms:
        raise LensError(
            'overlay "grad" needs gradients: capture with lens(..., grads=True), then run a '
            "backward pass through h.outputs before drawing."
        )
    return _scores(capture, norms, "gradient norm", "max", "number")


def _flow_overlay(capture: Capture) -> dict[str, Any]:
    from ..trace.params import gradient_flow

    flow = gradient_flow(list(capture.layers))
    if not flow:
        raise LensError(
            'overlay "gradient flow" needs gradients and activations: capture with '
            "lens(..., grads=True), then run a backward pass through h.outputs."
        )
    ratios = {capture.layers[i].label: f.ratio for i, f in flow.items() if math.isfinite(f.ratio)}
    return _scores(capture, ratios, "gradient / activation norm", "max", "number")


def _lazy_flow(capture: Capture) -> str:
    if not capture.trace.store.want_grads:
        raise LensError(
            'overlay "gradient flow" needs gradients: capture with lens(..., grads=True), then '
            "run a backward pass through h.outputs."
        )
    return "flow"  # the front end fetches the ratios (method "grad_flow") when it shows them


def _stats(capture: Capture, value: Any, _static: bool) -> dict[str, Any]:
    """``stats=lenslab.dataset_stats(...)`` colours by the mean; ``stats=(s, "std")`` by any
    statistic it has (``mean``, ``std``, ``min``, ``max``, ``frac_zero``,
    ``frac_never_active``)."""
    stat = "mean"
    if isinstance(value, tuple) and len(value) == 2 and isinstance(value[1], str):
        value, stat = value
    scores = getattr(value, "scores", None)
    if not callable(scores):
        raise LensError(
            "stats must be what lenslab.dataset_stats(model, data) returns, or "
            f'(stats, "std") to colour by another statistic; got {type(value).__name__}.'
        )
    by_label = scores(stat)
    labels = set(capture.derived.labels)
    known = {key: v for key, v in by_label.items() if key in labels}
    if by_label and not known:
        raise LensError(
            "stats were computed on another model: none of their layer labels is in this "
            "history. Show the history returned with them (stats.history.show(stats=stats))."
        )
    sent = _scores(capture, known, f"dataset {stat}", "max", "number")
    rows = getattr(value, "rows", None)  # every statistic per label, for the inspector
    if callable(rows):
        sent["details"] = {
            label: {f"dataset {k}": v for k, v in row.items() if math.isfinite(v)}
            for label, row in rows().items()
            if label in labels
        }
    return sent


register_view_option("depth", _depth)
register_view_option("rolled", _flag("rolled"))
register_view_option("buffers", _flag("buffers"))
register_view_option("collapsed", _modules("collapsed"))
register_view_option("expanded", _modules("expanded"))
register_view_option("focus", _focus)
register_view_option("overlay", _overlay)
register_view_option("direction", _direction)
register_view_option("stats", _stats)
register_view_option("fold", _flag("fold"))  # repeated blocks as one `Block ×N` node
