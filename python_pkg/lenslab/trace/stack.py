"""Call stacks of ops: user frames, outermost first, with notebook cells named ``In [n]``.

Capture records references only (code objects and line numbers): the innermost user frame of
each op, the user frames between nested module calls, and the frames that called ``lens``.
Names are formatted here, on access, never during the pass.
"""

from __future__ import annotations

import sys
from types import CodeType
from typing import NamedTuple

from .trace import Trace

Site = tuple[CodeType, int]


class Frame(NamedTuple):
    """One user frame: ``filename`` (``"In [5]"`` for a notebook cell), ``line``, ``function``."""

    filename: str
    line: int
    function: str


def cell_name(filename: str) -> str | None:
    """``"In [n]"`` when ``filename`` is the code of an IPython/Jupyter cell, else None."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    names = getattr(getattr(shell, "compile", None), "_filename_map", None)
    if isinstance(names, dict):
        number = names.get(filename)
        if isinstance(number, int):
            return f"In [{number}]"
    return None


def display_name(filename: str) -> str:
    return cell_name(filename) or filename


def function_name(code: CodeType) -> str:
    name = getattr(code, "co_qualname", code.co_name)
    return "<cell>" if name == "<module>" and cell_name(code.co_filename) else name


def sites_of(trace: Trace, index: int) -> list[Site]:
    """(code, line) of every user frame of op ``index``, outermost first, without repeats."""
    op = trace.ops[index]
    chain: list[int] = []
    call = op.module_call
    while call >= 0:
        chain.append(call)
        call = trace.calls[call].parent
    sites: list[Site] = list(trace.caller_frames)
    for call in reversed(chain):
        sites.extend(trace.calls[call].frames)
    if op.code is not None:
        sites.append((op.code, op.line))
    out: list[Site] = []
    for site in sites:
        if not out or out[-1] != site:
            out.append(site)
    return out


def to_frame(site: Site) -> Frame:
    code, line = site
    return Frame(display_name(code.co_filename), line, function_name(code))
