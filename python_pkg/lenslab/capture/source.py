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

# Where the standard library and installed packages live: frames above the user's own code
# (IPython, ipykernel, asyncio, runpy) are not part of a call stack shown to a learner.
_LIBRARY_ROOTS = tuple(
    dict.fromkeys(
        os.path.join(os.path.abspath(p), "lib") + os.sep
        for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)
    )
)

Site = tuple[CodeType, int]


def call_sites(
    frame: FrameType | None,
    anchor: FrameType | None,
    anchored: tuple[CodeType | None, int],
    base: FrameType | None,
) -> tuple[tuple[Site, ...], tuple[CodeType | None, int]]:
    """For a module call whose hook runs above ``frame``, in one walk: the user frames up to
    the enclosing call's hook frame ``anchor`` (``base`` at top level), outermost first, and the
    user line that made the call, as ``user_frame`` finds it (the innermost of those frames;
    ``anchored`` when there are none)."""
    stop = anchor if anchor is not None else base
    found: list[Site] = []
    cache = _internal
    while frame is not None and frame is not stop:
        code = frame.f_code
        internal = cache.get(code)
        if internal is None:
            internal = cache[code] = _is_internal(code)
        if not internal:
            found.append((code, frame.f_lineno or 0))
        frame = frame.f_back
    if found:
        site: tuple[CodeType | None, int] = found[0]
        found.reverse()
        return tuple(found), site
    if frame is not None and frame is anchor:
        return (), anchored
    return (), _first_user(frame)


def _first_user(frame: FrameType | None) -> tuple[CodeType | None, int]:
    user = _first_user_frame(frame)
    return (None, 0) if user is None else (user.f_code, user.f_lineno or 0)


def _first_user_frame(frame: FrameType | None) -> FrameType | None:
    """``frame`` or the nearest frame above it that is not lenslab's or torch's."""
    cache = _internal
    while frame is not None:
        code = frame.f_code
        internal = cache.get(code)
        if internal is None:
            internal = cache[code] = _is_internal(code)
        if not internal:
            return frame
        frame = frame.f_back
    return None


def caller_frames(frame: FrameType | None) -> tuple[Site, ...]:
    """The user frames above ``frame`` (the code that called ``lens``), outermost first; the
    walk ends at the first library frame (IPython, runpy, ...), once per capture."""
    found: list[Site] = []
    while frame is not None:
        code = frame.f_code
        if not _is_internal(code):
            if code.co_filename.startswith(_LIBRARY_ROOTS):
                break
            found.append((code, frame.f_lineno or 0))
        frame = frame.f_back
    found.reverse()
    return tuple(found)


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
_SYMBOLS: dict[int, str] = {i: sym for i, (_, sym) in enumerate(getattr(dis, "_nb_ops", ()))}


def augmented_operator(depth: int) -> str:
    """``"__iadd__"`` when the user frame is running ``x += y`` (which torch hands over as
    ``add_``), else ``""``. Called for in-place ops only."""
    symbol = running_operator(depth + 1)
    base = _DUNDER.get(symbol) if symbol.endswith("=") else None
    return f"__i{base}__" if base else ""


def running_operator(depth: int) -> str:
    """The operator symbol (``"/"``, ``"+="``) the user frame is running, or ``""``.

    Torch hands ``x / y`` over as ``div`` and ``x += y`` as ``add_``; TorchLens, which wraps
    the dunder methods, spells them ``truediv`` and ``iadd``. Called for those names only.
    """
    frame = _first_user_frame(sys._getframe(depth + 1))
    if frame is None:
        return ""
    raw, at = frame.f_code.co_code, frame.f_lasti
    if 0 <= at < len(raw) - 1 and raw[at] == _BINARY_OP:
        return _SYMBOLS.get(raw[at + 1], "")
    return ""
