"""``ModelHistory``: the user's view of one ``Capture`` (the frozen, indexed result of ``lens()``).

This is the facade: it sits above every stage and calls into validation, export and the widget
on demand. The stages themselves read the public ``Capture`` record (``h.capture``).
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, NamedTuple, Protocol

from .capture import BUFFER
from .errors import LensError
from .trace import table
from .trace.derived import BranchKind
from .trace.frames import FunctionFrame, function_frames
from .trace.layer import LayerPass
from .trace.modules import ModuleTable
from .trace.params import ParamInfo, param_infos
from .trace.record import Capture

if TYPE_CHECKING:
    import pandas

    from .validation.report import ValidationReport


AS_BEFORE: Any = type("AsBefore", (), {"__repr__": lambda self: "<as before>"})()


class Rerunnable(Protocol):
    def rerun(
        self, history: ModelHistory, inputs: Any, kwargs: Any, save: Any, strict: bool
    ) -> ModelHistory: ...


class FailedCall(NamedTuple):
    """The call that raised during a partial capture."""

    func_name: str
    message: str
    parents: list[str]  # labels of the recorded ops it was given
    module: str | None  # innermost module address
    source: tuple[str, int] | None


class ModelHistory:
    """Every op of one forward pass, in execution order, with inputs, outputs and buffers."""

    def __init__(self, capture: Capture) -> None:
        self.capture = capture
        self._trace = capture.trace
        self._derived = capture.derived
        self._layers = capture.layers
        self._index = capture.index
        # Set by ``lens``: what ``rerun`` needs (the model, by weak reference, and the options).
        self.origin: Rerunnable | None = None

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[LayerPass]:
        return iter(self._layers)

    def __getitem__(self, key: int | str) -> LayerPass:
        return self._layers[self._index.resolve(key, len(self._layers))]

    def __contains__(self, key: object) -> bool:
        try:
            self._index.resolve(key, len(self._layers))
        except KeyError:
            return False
        return True

    @property
    def layers(self) -> list[LayerPass]:
        return list(self._layers)

    @property
    def inputs(self) -> list[LayerPass]:
        return [self._layers[i] for i in self._trace.inputs]

    @property
    def outputs(self) -> list[LayerPass]:
        return [self._layers[i] for i in self._trace.outputs]

    @property
    def buffers(self) -> list[LayerPass]:
        return [layer for layer in self._layers if self._trace.ops[layer.index].kind == BUFFER]

    @property
    def modules(self) -> ModuleTable:
        """Module address -> ``ModuleInfo``; the model itself is ``""``. A dict, also shown as
        a table (``h.modules.to_pandas()``)."""
        return ModuleTable(self._derived.modules)

    @property
    def params(self) -> dict[str, ParamInfo]:
        """Parameter address -> ``ParamInfo`` (shape, dtype, trainable, used_by, grad)."""
        return param_infos(self._trace, self._derived.labels)

    @property
    def frames(self) -> list[FunctionFrame]:
        """Calls of composite torch functions whose ops were recorded one by one (the ``ƒ``
        frames of the widget): ``F.multi_head_attention_forward`` (behind
        ``nn.MultiheadAttention``) and, with ``lens(..., attention_weights=True)``,
        ``scaled_dot_product_attention``. Each ``FunctionFrame`` names the function, the user
        line that called it, its module and the labels of its layer passes; ``layer.frame``
        is the innermost one around a layer pass."""
        return function_frames(self._trace, self._derived)

    @property
    def branch_edges(self) -> list[tuple[str, str, BranchKind]]:
        """(parent label, child label, "IF" | "THEN" | "ELIF" | "ELSE")."""
        labels = self._derived.labels
        return [(labels[p], labels[c], kind) for p, c, kind in self._derived.branch_edges]

    @property
    def model_type(self) -> str:
        return self._trace.model_type

    @property
    def complete(self) -> bool:
        """False for the partial history attached to an exception the model raised."""
        return self._trace.complete

    def rerun(
        self,
        inputs: Any,
        *,
        kwargs: dict[str, Any] | None = None,
        save: Any = AS_BEFORE,
        strict: bool = True,
    ) -> ModelHistory:
        """The same model on new inputs, with the same labels.

        Keys in ``save`` (by default what this history kept) are resolved on this graph, so no
        metadata-only pass is needed. If the new pass differs from this graph (a dynamic
        model), ``strict=True`` raises ``LensError`` naming the first op that differs;
        ``strict=False`` returns the new graph, with ``save`` resolved on it.
        """
        if self.origin is None:
            raise LensError(
                "this history has no model to rerun (it was loaded from a bundle or made by "
                "an exception); call lenslab.lens(model, inputs) instead."
            )
        return self.origin.rerun(self, inputs, kwargs, save, strict)

    @property
    def failure(self) -> FailedCall | None:
        """For a partial history: the torch call that raised, with the error message."""
        failure = self._trace.failure
        if failure is None:
            return None
        labels = self._derived.labels
        calls = self._trace.calls
        module = calls[failure.module_call].address if failure.module_call >= 0 else None
        source = (failure.code.co_filename, failure.line) if failure.code is not None else None
        parents = [labels[p] for p in failure.parents if 0 <= p < len(labels)]
        return FailedCall(failure.name, failure.message, parents, module, source)

    def lookup_keys(self) -> list[str]:
        """Every unambiguous string key."""
        return self._index.keys()

    def validate(self) -> ValidationReport:
        """Replay, perturb and cross-check every saved op (see ``lenslab.validate``)."""
        from .validation import validate_capture  # imported on use: validation is optional work

        return validate_capture(self.capture)

    def summary(self, depth: int = 3) -> str:
        """A module table down to ``depth`` (like torchinfo), then one row per layer pass."""
        return table.summary(self._trace, self._layers, self._derived.modules, depth)

    def to_pandas(self) -> pandas.DataFrame:
        return table.to_pandas(self._layers)

    def save(self, path: str | os.PathLike[str], *, strip_paths: bool = False) -> pathlib.Path:
        """Writes a portable ``.lens`` bundle (graph, metadata, saved tensors); ``lenslab.load``
        reads it back. Returns the path written (``.lens`` is added when missing).

        A bundle names the source files that ran each op, with their full paths;
        ``strip_paths=True`` keeps only the file names (see docs/guides/bundles.md)."""
        from .export.bundle import save_bundle  # imported on use, like every later stage

        return save_bundle(self.capture, path, strip_paths=strip_paths)

    def to_html(
        self, path: str | os.PathLike[str], *, budget_mb: float = 10.0, **view_options: Any
    ) -> pathlib.Path:
        """Writes one self-contained HTML file: the interactive graph, no kernel, no network,
        with previews and statistics of saved activations within ``budget_mb``. It opens on
        the view that ``view_options`` (as for ``show``) ask for."""
        from .export.html import write_html
        from .export.view_options import view_options as check

        view = check(self.capture, view_options, static=True)
        return write_html(self.capture, path, budget_mb=budget_mb, view_options=view)

    def to_svg(self, path: str | os.PathLike[str] | None = None, **view_options: Any) -> str:
        """The widget's drawing of this history as SVG text, made without a browser (the same
        layout and drawing code, run in an embedded JavaScript engine); also written to
        ``path`` when given. ``view_options`` as for ``show``."""
        from .export.figure import capture_svg, write_text

        svg = capture_svg(self.capture, **view_options)
        if path is not None:
            write_text(path, svg)
        return svg

    def to_png(
        self, path: str | os.PathLike[str], scale: float = 2.0, **view_options: Any
    ) -> pathlib.Path:
        """Writes the drawing of ``to_svg`` as a PNG at ``scale`` pixels per SVG unit."""
        from .export.figure import capture_svg, svg_to_png

        png = svg_to_png(capture_svg(self.capture, **view_options), scale)
        target = pathlib.Path(path).expanduser()
        target.write_bytes(png)
        return target

    def show(self, **view_options: Any) -> Any:
        """The interactive widget for this history. ``view_options``: ``depth=``,
        ``rolled=``, ``buffers=``, ``collapsed=[address, ...]``, ``expanded=[...]``,
        ``focus=address`` (one module with its inputs and outputs), ``overlay=`` a metric
        name (``"time"``, ``"output size"``, ``"kept for backward"``, ``"gradient flow"``, ...)
        or ``{layer key: score}``, ``direction="TB"|"LR"`` (see ``export/view_options.py``)."""
        from .widget import LensWidget  # imported only when shown (anywidget is slow to import)

        return LensWidget(self.capture, **view_options)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        try:
            widget = self.show()
        except ImportError:
            return {"text/plain": repr(self)}
        bundle = getattr(widget, "_repr_mimebundle_", None)
        if bundle is None:
            return {"text/plain": repr(self)}
        from .export.notebook import kept_svg, publish_kept_view  # what a saved page shows

        if not publish_kept_view(self.capture):
            widget.snapshot = kept_svg(self.capture)  # hosts without IPython display: marimo
        return bundle(**kwargs)

    def __repr__(self) -> str:
        return f"<ModelHistory {table.describe(self._trace)}>"
