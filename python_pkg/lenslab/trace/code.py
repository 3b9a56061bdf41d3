"""Lines of user code, read on demand (the source panel, standalone pages, bundles).

Notebook cells live in ``linecache`` (IPython puts them there); files are read line by line
up to the last line asked for, so a huge file costs only the lines before it. A file changed
since the capture is reported as changed, never shown as if it were the code that ran.
"""

from __future__ import annotations

import itertools
import linecache
import os
from typing import Literal

Status = Literal["ok", "changed", "missing"]
MAX_LINES = 400  # one request shows at most this many lines


def read_lines(
    filename: str, start: int, end: int, limit: int | None = MAX_LINES
) -> list[tuple[int, str]]:
    """(line number, text without newline) for lines ``start..end`` (1-based, inclusive) that
    exist, at most ``limit`` of them; [] when the file cannot be read."""
    start = max(1, start)
    if limit is not None:
        end = min(end, start + limit - 1)
    if end < start:
        return []
    cached: tuple[object, ...] | None = linecache.cache.get(filename)
    if cached is not None and len(cached) == 4 and cached[1] is None:  # a cell (mtime None)
        lines = list(cached[2])[start - 1 : end]  # type: ignore[call-overload]
        return [(start + i, text.rstrip("\r\n")) for i, text in enumerate(lines)]
    try:
        with open(filename, encoding="utf-8", errors="replace") as f:
            lines = list(itertools.islice(f, start - 1, end))
    except OSError:
        return []
    return [(start + i, text.rstrip("\r\n")) for i, text in enumerate(lines)]


def file_status(filename: str, captured_at: float) -> Status:
    """Whether ``filename`` still holds the code that ran at ``captured_at``."""
    cached: tuple[object, ...] | None = linecache.cache.get(filename)
    if cached is not None and len(cached) == 4 and cached[1] is None:
        return "ok"  # cells never change: a re-run cell is a new one
    try:
        mtime = os.stat(filename).st_mtime
    except OSError:
        return "missing"
    return "changed" if captured_at and mtime > captured_at else "ok"
