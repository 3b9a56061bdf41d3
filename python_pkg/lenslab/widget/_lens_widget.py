"""``LensWidget``: the anywidget class behind ``ModelHistory``'s notebook display."""

from __future__ import annotations

import contextlib
import json
import pathlib
import zlib
from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from lenslab.errors import LensError
from lenslab.widget.data import DataServer, watch_grads

if TYPE_CHECKING:
    from lenslab.trace.record import CaptureSource

STATIC_DIR = pathlib.Path(__file__).resolve().parent.parent / "static"
ESM_PATH = STATIC_DIR / "widget.js"
CSS_PATH = STATIC_DIR / "widget.css"
# What each widget's saved state keeps: a ~2 KB loader (src/loader.ts) that takes the widget
# module from the JupyterLab extension, or asks the kernel for ESM_PATH and CSS_PATH (CODE).
LOADER_PATH = STATIC_DIR / "loader.js"
CODE = "lenslab-code"


class FrontEndMissingError(LensError):
    """The widget's JavaScript bundle was not built (a source checkout without ``make build``)."""

    def __init__(self) -> None:
        super().__init__(
            f"lenslab's widget front end is missing ({ESM_PATH} does not exist). "
            "Run `make build` in the lenslab checkout (or reinstall with `pip install .`), "
            "then restart the kernel."
        )


class LensWidget(anywidget.AnyWidget):
    """Interactive graph of one captured forward pass.

    ``view_options`` (for example ``depth=2`` or ``rolled=True``) are passed to the front end
    as the initial view; the user changes the view from there without a kernel round trip.
    """

    # Read as text when the class is created (a str, not a path: anywidget watches paths and
    # that keeps models alive); a checkout whose front end is not built yet can still import
    # lenslab, and gets FrontEndMissingError on display.
    if LOADER_PATH.is_file() and ESM_PATH.is_file():
        _esm = LOADER_PATH.read_text(encoding="utf-8")
    elif ESM_PATH.is_file():  # a build from before the loader: the whole module, as before
        _esm = ESM_PATH.read_text(encoding="utf-8")
        _css = CSS_PATH.read_text(encoding="utf-8") if CSS_PATH.is_file() else ""

    # The compact wire graph as zlib-compressed JSON (``graph`` decodes it).
    graph_z = traitlets.Bytes(b"").tag(sync=True)
    view_options = traitlets.Dict().tag(sync=True)
    # The kept SVG snapshot, only where no sibling output keeps it (hosts without IPython's
    # display, such as marimo): the loader shows it when no kernel answers.
    snapshot = traitlets.Unicode("").tag(sync=True)
    # Bumped after each backward pass (grads=True), so the front end refetches gradients.
    grads_version = traitlets.Int(0).tag(sync=True)

    def __init__(self, source: CaptureSource, **view_options: Any) -> None:
        if "_esm" not in LensWidget.__dict__:
            raise FrontEndMissingError()
        from lenslab.export.compact import compact
        from lenslab.export.view_options import view_options as check
        from lenslab.export.wire import to_wire
        from lenslab.trace.record import as_capture

        capture = as_capture(source)
        view = check(capture, view_options, static=False)
        text = json.dumps(dict(compact(to_wire(capture))), separators=(",", ":"))
        super().__init__(graph_z=zlib.compress(text.encode(), 9), view_options=view)
        # Tensors stay here; the front end asks for statistics and slices over custom messages.
        self._data = DataServer(capture)
        self.on_msg(self._on_message)
        watch_grads(capture, self)

    @property
    def graph(self) -> dict[str, Any]:
        """The compact wire graph the front end draws (decoded from ``graph_z``)."""
        return dict(json.loads(zlib.decompress(self.graph_z)))

    def _on_message(self, widget: Any, content: Any, buffers: Any) -> None:
        if isinstance(content, dict) and content.get("type") == CODE:
            # The loader asks once per widget: with "code" for widget.js, else as a ping.
            code = (
                {"esm": ESM_PATH.read_text(encoding="utf-8"), "css": _css_text()}
                if content.get("code", True)
                else {}
            )
            with contextlib.suppress(Exception):  # a closed comm: nobody is listening any more
                self.send({"type": CODE, **code})
            return
        self._on_data_request(widget, content, buffers)

    def _on_data_request(self, _widget: Any, content: Any, buffers: Any) -> None:
        reply, arrays = self._data.handle(content)
        with contextlib.suppress(Exception):  # a closed comm: nobody is listening any more
            self.send(reply, arrays)


def _css_text() -> str:
    return CSS_PATH.read_text(encoding="utf-8") if CSS_PATH.is_file() else ""
