"""The call-stack table of a capture: each distinct user frame once, referenced by position.

``WireOp.frame`` is an op's own line, ``WireModuleCall.frames`` the user frames between the
enclosing call and that call, ``WireGraph.caller_frames`` the code that called ``lens``; the
browser joins them into an op's stack (outermost first), as ``LayerPass.stack`` does.
"""

from __future__ import annotations

import os
import sys
from types import CodeType

from ..trace.stack import cell_name, function_name
from ..trace.trace import Trace

Site = tuple[CodeType, int]


class FrameTable:
    """Distinct (code, line) sites in first-seen order, with display names."""

    def __init__(self, trace: Trace) -> None:
        self.sites: list[Site] = []
        self._index: dict[Site, int] = {}
        self._names = _FileNames()
        self.caller = [self.of(s) for s in trace.caller_frames]
        self.calls = [[self.of(s) for s in call.frames] for call in trace.calls]
        self.ops = [self.of((op.code, op.line)) if op.code is not None else -1 for op in trace.ops]
        failure = trace.failure
        self.failure = (
            self.of((failure.code, failure.line))
            if failure is not None and failure.code is not None
            else -1
        )

    def of(self, site: Site) -> int:
        index = self._index.get(site)
        if index is None:
            index = self._index[site] = len(self.sites)
            self.sites.append(site)
        return index

    def file(self, index: int) -> str:
        """The shown name of a frame's file: ``"In [5]"``, ``"models/net.py"``."""
        return self._names.of(self.sites[index][0].co_filename)

    def real_file(self, index: int) -> str:
        return self.sites[index][0].co_filename

    def line(self, index: int) -> int:
        return self.sites[index][1]

    def function(self, index: int) -> str:
        return function_name(self.sites[index][0])


class _FileNames:
    """Cells as ``In [n]``; paths shortened (cwd-relative, or from site-packages on)."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self._cwd = os.getcwd() + os.sep
        self._prefixes = tuple(p + os.sep for p in sys.path if p.endswith("-packages"))

    def of(self, filename: str) -> str:
        short = self._cache.get(filename)
        if short is None:
            short = self._cache[filename] = cell_name(filename) or self._shorten(filename)
        return short

    def _shorten(self, filename: str) -> str:
        for prefix in self._prefixes:
            if filename.startswith(prefix):
                return filename[len(prefix) :]
        if filename.startswith(self._cwd):
            return filename[len(self._cwd) :]
        return filename
