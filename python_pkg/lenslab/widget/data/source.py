"""The ``source`` request: lines of user code around one frame of a capture's call stacks.

Code stays in the kernel until the browser asks for it. A frame is named by its position in
the wire graph's ``frames`` table (``export/frames.py``); the reply carries the lines as text
(the browser shows them as text, never as HTML) and whether the file still holds the code
that ran (``status``: ``ok``, ``changed`` since the capture, or ``missing``).
"""

from __future__ import annotations

from typing import Any

from lenslab.export.frames import FrameTable
from lenslab.trace.code import MAX_LINES, file_status, read_lines

from .messages import Request, RequestError


def source_reply(table: FrameTable, captured_at: float, request: Request) -> dict[str, Any]:
    index = request.integer("frame")
    if not 0 <= index < len(table.sites):
        raise RequestError(
            "out_of_range", f"no frame {index} (this capture has {len(table.sites)})"
        )
    code, line = table.sites[index]
    filename = code.co_filename
    if request.params.get("function") is True:
        start = code.co_firstlineno
        last = max((ln for _, _, ln in code.co_lines() if ln is not None), default=line)
        end = min(max(last, line), start + MAX_LINES - 1)
    else:
        context = max(0, min(request.integer("context", 6), MAX_LINES // 2))
        start, end = max(1, line - context), line + context
    status = file_status(filename, captured_at)
    lines = read_lines(filename, start, end) if status == "ok" else []
    if status == "ok" and not lines:
        status = "missing"
    return {
        "frame": index,
        "file": table.file(index),
        "line": line,
        "function": table.function(index),
        "status": status,
        "lines": [[n, text] for n, text in lines],
    }
