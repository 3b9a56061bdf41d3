"""Find the user's line of code that called an op: the first frame outside torch and lenslab.

Whether a code object is internal is decided once per code object and cached, so the walk
costs one dict lookup per frame, and it stops at the first user frame.
"""

from __future__ import annotations

import os
import sys
from types import CodeType

import torch

_INTERNAL_ROOTS = tuple(
    os.path.dirname(os.path.abspath(p)) + os.sep
    for p in (torch.__file__, os.path.dirname(os.path.abspath(__file__)))
)

_internal: dict[CodeType, bool] = {}


def _is_internal(code: CodeType) -> bool:
    filename = code.co_filename
    return filename.startswith(_INTERNAL_ROOTS) or filename.startswith("<frozen ")


def user_frame(depth: int) -> tuple[CodeType | None, int]:
    """(code, line) of the first user frame at or above ``depth`` frames up from the caller."""
    frame = sys._getframe(depth + 1)
    cache = _internal
    while frame is not None:
        code = frame.f_code
        internal = cache.get(code)
        if internal is None:
            internal = cache[code] = _is_internal(code)
        if not internal:
            return code, frame.f_lineno or 0
        frame = frame.f_back  # type: ignore[assignment]
    return None, 0
