"""``DataServer``: answers the widget's data requests for one ``Capture``.

``handle`` never raises: a bad request, a missing layer or a bug in a handler all become an
error reply, so the kernel keeps serving. Replies carry ``kernel_ms`` (handler time) for
benchmarks.
"""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from lenslab import tensormath as tensors
from lenslab.export.frames import FrameTable
from lenslab.trace.record import CaptureSource, as_capture

from .messages import (
    PROTOCOL_VERSION,
    REPLY,
    Request,
    RequestError,
    error_reply,
    parse_request,
    request_id,
)

if TYPE_CHECKING:
    from lenslab.trace.layer import LayerPass

Reply = tuple[dict[str, Any], list[bytes]]
ArrayOut = tuple[dict[str, Any], torch.Tensor | None]

HOW_TO_SAVE = "capture it with lens(model, x, save='all') or name it in save=[...]"
HOW_TO_GRAD = (
    "capture with lens(model, x, grads=True), then run a backward pass, "
    "e.g. h.outputs[0].activation.sum().backward()"
)


class DataServer:
    def __init__(self, source: CaptureSource) -> None:
        self._capture = as_capture(source)
        self._handlers: dict[str, Callable[[Request], ArrayOut]] = {
            "stats": self._stats,
            "histogram": self._histogram,
            "slice": self._slice,
            "tiles": self._tiles,
            "grad_norms": self._grad_norms,
            "grad_flow": self._grad_flow,
            "all_stats": self._all_stats,
            "source": self._source,
        }
        self._frames: FrameTable | None = None

    def handle(self, content: object) -> Reply:
        started = time.perf_counter()
        try:
            request = parse_request(content)
            result, array = self._handlers[request.method](request)
            return self._reply(request, result, array, started)
        except RequestError as exc:
            return error_reply(request_id(content), exc.code, exc.message), []
        except Exception as exc:  # a handler bug must not reach the notebook
            message = f"the kernel failed on this request: {type(exc).__name__}: {exc}"
            return error_reply(request_id(content), "internal", message), []

    def _reply(
        self, request: Request, result: dict[str, Any], array: torch.Tensor | None, started: float
    ) -> Reply:
        reply: dict[str, Any] = {
            "type": REPLY,
            "id": request.id,
            "version": PROTOCOL_VERSION,
            "result": result,
        }
        buffers: list[bytes] = []
        if array is not None:
            header: dict[str, Any] = {
                "dtype": "float32",
                "shape": list(array.shape),
                "offset": 0.0,
                "step": 1.0,
            }
            if request.encoding() == "uint8":
                array, offset, step = tensors.quantize_uint8(array)
                header.update(dtype="uint8", offset=offset, step=step)
            reply["array"] = header
            buffers.append(array.numpy().tobytes())
        reply["kernel_ms"] = round((time.perf_counter() - started) * 1e3, 3)
        return reply, buffers

    # where tensors come from
    def _layer(self, request: Request) -> LayerPass:
        key = request.layer()
        try:
            return self._capture.layer(key)
        except (KeyError, IndexError) as exc:
            raise RequestError(
                "unknown_layer", str(exc.args[0]) if exc.args else str(exc)
            ) from None

    def _tensor(self, request: Request) -> tuple[LayerPass, torch.Tensor]:
        layer = self._layer(request)
        if request.kind() == "gradient":
            grad = layer.grad
            if grad is None:
                wanted = self._capture.trace.store.want_grads
                why = _no_grad_yet(layer) if wanted else f"has no gradient: {HOW_TO_GRAD}"
                raise RequestError("no_grad", f"{layer.label} {why}")
            return layer, grad
        value = layer.activation
        if value is None:
            raise RequestError("not_saved", f"{layer.label} was not saved: {HOW_TO_SAVE}")
        if not isinstance(value, torch.Tensor):
            raise RequestError(
                "bad_dtype", f"{layer.label} holds a {type(value).__name__}, not a tensor"
            )
        return layer, value

    # handlers
    def _stats(self, request: Request) -> ArrayOut:
        layer, t = self._tensor(request)
        stats = tensors.tensor_stats(t)
        return {
            "layer": layer.label,
            "shape": list(t.shape),
            "dtype": _dtype(t),
            **stats.as_json(),
        }, None

    def _histogram(self, request: Request) -> ArrayOut:
        layer, t = self._tensor(request)
        h = tensors.histogram(t, request.integer("bins", 64))
        return {"layer": layer.label, "lo": h.lo, "hi": h.hi, "nan": h.nan, "inf": h.inf}, h.counts

    def _slice(self, request: Request) -> ArrayOut:
        layer, t = self._tensor(request)
        s = tensors.slice_view(
            t, request.integers("axes"), request.integers("index"), request.integers("limit")
        )
        return _slice_result(layer, t, s), s.values

    def _tiles(self, request: Request) -> ArrayOut:
        layer, t = self._tensor(request)
        s = tensors.tiles_view(
            t,
            request.integers("axes"),
            request.integers("index"),
            request.integer("start", 0),
            request.integer("count"),
            request.integers("limit"),
        )
        return _slice_result(layer, t, s), s.values

    def _source(self, request: Request) -> ArrayOut:
        """Lines of code around one frame of the call stacks (see ``source.py``)."""
        from .source import source_reply

        if self._frames is None:
            self._frames = FrameTable(self._capture.trace)
        return source_reply(self._frames, self._capture.trace.captured_at, request), None

    def _grad_norms(self, request: Request) -> ArrayOut:
        """L2 norm of every pass's gradient (NaN where there is none), in execution order."""
        grads = self._capture.trace.store.grads
        norms = torch.full((len(self._capture),), float("nan"), dtype=torch.float32)
        for index, grad in list(grads.items()):
            if 0 <= index < len(norms):
                norms[index] = tensors.grad_norm(grad)
        return {"count": len(grads)}, norms

    def _grad_flow(self, request: Request) -> ArrayOut:
        """Gradient norm / activation norm of every pass (NaN where either is missing), in
        execution order: the 'gradient flow' overlay, computed when the widget first shows it
        (and again after each backward pass), never when the view is created."""
        from lenslab.trace.params import FLOW_FACTOR, gradient_flow

        flow = gradient_flow(list(self._capture.layers))
        ratios = torch.full((len(self._capture),), float("nan"), dtype=torch.float32)
        for index, f in flow.items():
            ratios[index] = f.ratio
        finite = [f.ratio for f in flow.values() if math.isfinite(f.ratio) and f.ratio > 0]
        result = {
            "count": len(flow),
            "median": statistics.median(finite) if finite else 0.0,
            "factor": FLOW_FACTOR,
            "vanishing": sum(f.flag == "vanishing" for f in flow.values()),
            "exploding": sum(f.flag == "exploding" for f in flow.values()),
        }
        return result, ratios

    def _all_stats(self, request: Request) -> ArrayOut:
        """Statistics of every saved tensor of one kind: float32 [passes, 8], NaN where absent
        (columns numel, mean, std, min, max, zeros, nan, inf)."""
        kind = request.kind()
        rows = torch.full((len(self._capture), 8), float("nan"), dtype=torch.float64)
        for layer in self._capture.layers:
            t = layer.grad if kind == "gradient" else layer.activation
            if not isinstance(t, torch.Tensor):
                continue
            try:
                s = tensors.tensor_stats(t)
            except RequestError:
                continue
            row = [s.numel, s.mean, s.std, s.min, s.max, s.zeros, s.nan, s.inf]
            rows[layer.index] = torch.tensor([float("nan") if v is None else float(v) for v in row])
        return {
            "columns": ["numel", "mean", "std", "min", "max", "zeros", "nan", "inf"]
        }, rows.float()


def _no_grad_yet(layer: LayerPass) -> str:
    """Why a capture made with grads=True has no gradient for this pass."""
    value = layer.activation
    if layer.is_input and isinstance(value, torch.Tensor) and not value.requires_grad:
        return (
            "has no gradient: input does not require grad: call `x.requires_grad_()` before `lens`"
        )
    return "has no gradient yet: run a backward pass, e.g. h.outputs[0].activation.sum().backward()"


def _dtype(t: torch.Tensor) -> str:
    return str(t.dtype).removeprefix("torch.")


def _slice_result(layer: LayerPass, t: torch.Tensor, s: tensors.Slice) -> dict[str, Any]:
    return {
        "layer": layer.label,
        "shape": list(t.shape),
        "dtype": _dtype(t),
        "source_shape": list(s.source_shape),
        "step": list(s.step),
        "downsample": "block-mean",
    }
