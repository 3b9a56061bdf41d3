"""``CompareWidget``: the ordinary widget on run ``a``'s graph, plus a second run and a
difference overlay (``lenslab.compare(a, b)`` displayed).

The graph is a's plus, as nodes, the ops only ``b`` ran (``compare/union.py``, labelled
``"b/" + label``). The extra synced trait ``compare`` carries one number and one status letter
per drawn op and the branches taken differently (a few bytes per op, no tensors). Data requests
may name ``params.side``: ``"a"`` (default), ``"b"`` (answered by b's op that matches, under
a's label, or by the op only b ran) or ``"diff"`` (``b - a``).
"""

from __future__ import annotations

import contextlib
import json
import zlib
from typing import TYPE_CHECKING, Any

import traitlets

from lenslab.widget._lens_widget import LensWidget
from lenslab.widget.data import DataServer
from lenslab.widget.data.messages import error_reply, request_id

if TYPE_CHECKING:
    from lenslab.compare.comparison import Comparison


class CompareWidget(LensWidget):
    """``a``'s graph coloured by how much each op's output changed in ``b``."""

    compare = traitlets.Dict().tag(sync=True)

    def __init__(self, comparison: Comparison, **view_options: Any) -> None:
        from lenslab.compare.sides import difference_capture
        from lenslab.compare.state import compare_state
        from lenslab.compare.union import union_graph
        from lenslab.export.compact import compact

        threshold = float(view_options.pop("threshold", 0.0))
        super().__init__(comparison.a, **view_options)
        self._only_b: dict[str, str] = {}
        self._frames_b: dict[int, int] = {}  # drawn frames that are b's (of ops only b ran)
        if len(comparison.rows) != len(comparison.a):  # ops only b ran: drawn as nodes too
            union = union_graph(comparison)
            text = json.dumps(dict(compact(union.wire)), separators=(",", ":"))
            self.graph_z = zlib.compress(text.encode(), 9)
            self._only_b = union.only_b
            self._frames_b = union.frames_b
        self.compare = compare_state(comparison, threshold)
        self._comparison = comparison
        self._side_b = DataServer(comparison.b)
        self._side_diff = DataServer(
            difference_capture(comparison.a, comparison.b, comparison.pairs)
        )

    def _on_data_request(self, _widget: Any, content: Any, buffers: Any) -> None:
        reply, arrays = self._answer(content)
        with contextlib.suppress(Exception):  # a closed comm: nobody is listening any more
            self.send(reply, arrays)

    def _answer(self, content: Any) -> tuple[dict[str, Any], list[bytes]]:
        params = content.get("params") if isinstance(content, dict) else None
        if not isinstance(params, dict):
            return self._data.handle(content)
        routed = self._only_in_b(content, params)
        if routed is not None:
            return routed
        side = params.get("side", "a")
        if side == "a":
            return self._data.handle(content)
        if side == "diff":
            return self._side_diff.handle(content)
        if side != "b":
            return error_reply(request_id(content), "bad_message", f"unknown side {side!r}"), []
        from lenslab.compare.sides import b_label

        c = self._comparison
        label = b_label(c.a, c.b, c.pairs, params.get("layer"))
        if label is None:
            message = f"{params.get('layer')} did not run in b (no matching op)"
            return error_reply(request_id(content), "unknown_layer", message), []
        return self._side_b.handle({**content, "params": {**params, "layer": label}})

    def _only_in_b(
        self, content: dict[str, Any], params: dict[str, Any]
    ) -> tuple[dict[str, Any], list[bytes]] | None:
        """Requests about what only b has (its ops' values, its code's frames), answered from
        b; ``None`` for every other request."""
        frame, layer, side = params.get("frame"), params.get("layer"), params.get("side", "a")
        if content.get("method") == "source" and isinstance(frame, int) and frame in self._frames_b:
            asked = {**content, "params": {**params, "frame": self._frames_b[frame]}}
            reply, arrays = self._side_b.handle(asked)
            if isinstance(reply.get("result"), dict):  # the frame as the drawn graph numbers it
                reply = {**reply, "result": {**reply["result"], "frame": frame}}
            return reply, arrays
        only_b = self._only_b.get(layer) if isinstance(layer, str) else None
        if only_b is None:
            return None
        if side == "b":
            return self._side_b.handle({**content, "params": {**params, "layer": only_b}})
        message = f"{only_b} ran only in b: a has no such op, so no {side} side"
        return error_reply(request_id(content), "unknown_layer", message), []


class ScoresWidget(LensWidget):
    """One run's graph coloured by a score per op (activation patching's effect)."""

    compare = traitlets.Dict().tag(sync=True)

    def __init__(
        self, source: Any, scores: dict[int, float], title: str, **view_options: Any
    ) -> None:
        threshold = float(view_options.pop("threshold", 0.0))
        super().__init__(source, **view_options)
        n = _count(source)
        from lenslab.compare.state import scores_state

        self.compare = scores_state(n, scores, title, threshold)


def _count(source: Any) -> int:
    from lenslab.trace.record import as_capture

    return len(as_capture(source))
