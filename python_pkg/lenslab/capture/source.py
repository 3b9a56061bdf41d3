"""Find the user's line of code that called an op: the first frame outside torch and lenslab.

Whether a code object is internal is decided once per code object and cached, so the walk
costs one dict lookup per frame, and it stops at the first user frame.
"""

from __future__ import annotations

import dis
import os
import sys
from types import CodeType, FrameType

import torch

_INTERNAL_ROOTS = tuple(
    os.path.dirname(os.path.abspath(p)) + os.sep
    for p in (torch.__file__, os.path.dirname(os.path.abspath(__file__)))
)

_internal: dict[CodeType, bool] = {}


def _is_internal(code: CodeType) -> bool:
    filename = code.co_filename
    return filename.startswith(_INTERNAL_ROOTS) or filename.startswith("<frozen ")


_NO_SOURCE: tuple[CodeType | None, int] = (None, 0)


def user_frame(
    depth: int,
    anchor: FrameType | None = None,
    anchored: tuple[CodeType | None, int] = _NO_SOURCE,
) -> tuple[CodeType | None, int]:
    """(code, line) of the first user frame at or above ``depth`` frames up from the caller.

    ``anchored`` is what this walk returns from the frame ``anchor`` on (the innermost open
    module call's hook frame, whose walk its hook already did): reaching it ends the walk.
    The frames above a running frame and their lines do not change while it runs.
    """
    frame = sys._getframe(depth + 1)
    cache = _internal
    while frame is not None:
        if frame is anchor:
            return anchored
        code = frame.f_code
        internal = cache.get(code)
        if internal is None:
            internal = cache[code] = _is_internal(code)
        if not internal:
            return code, frame.f_lineno or 0
        frame = frame.f_back  # type: ignore[assignment]
    return None, 0


_BINARY_OP = dis.opmap.get("BINARY_OP", -1)
# Augmented assignments, by BINARY_OP argument (Python 3.11+): "+=" -> "__iadd__".
_DUNDER = {
    "+=": "add",
    "-=": "sub",
    "*=": "mul",
    "/=": "truediv",
    "//=": "floordiv",
    "%=": "mod",
    "**=": "pow",
    "@=": "matmul",
    "&=": "and",
    "|=": "or",
    "^=": "xor",
    "<<=": "lshift",
    ">>=": "rshift",
}
_AUGMENTED = {
    i: f"__i{_DUNDER[sym]}__"
    for i, (_, sym) in enumerate(getattr(dis, "_nb_ops", ()))
    if sym in _DUNDER
}


def augmented_operator(depth: int) -> str:
    """``"__iadd__"`` when the user frame is running ``x += y`` (which torch hands over as
    ``add_``), else ``""``. Called for in-place ops only."""
    frame = sys._getframe(depth + 1)
    cache = _internal
    while frame is not None:
        code = frame.f_code
        internal = cache.get(code)
        if internal is None:
            internal = cache[code] = _is_internal(code)
        if not internal:
            raw = code.co_code
            at = frame.f_lasti
            if 0 <= at < len(raw) - 1 and raw[at] == _BINARY_OP:
                return _AUGMENTED.get(raw[at + 1], "")
            return ""
        frame = frame.f_back  # type: ignore[assignment]
    return ""
