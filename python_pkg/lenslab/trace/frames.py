"""``h.frames`` and ``layer.frame``: the calls of composite torch functions, for the user.

A composite function (``F.multi_head_attention_forward``; ``scaled_dot_product_attention``
with ``lens(..., attention_weights=True)``) runs its body op by op under the capture; each call
is a ``FunctionCall`` in the trace and an ``ƒ`` frame in the widget. ``FunctionFrame`` is that
call with names instead of positions: the function, the line of user code that called it, the
module it ran in and the labels of its layer passes.
"""

from __future__ import annotations

from dataclasses import dataclass

from .derived import Derived
from .stack import sites_of, to_frame
from .trace import Trace


@dataclass(frozen=True)
class FunctionFrame:
    """One call of a composite torch function whose ops were recorded one by one.

    ``index`` is its position in ``h.frames`` (calls in the order they started);
    ``function`` the torch function's name; ``filename`` and ``line`` the user code that
    called it (``"In [n]"`` for a notebook cell; ``None`` when no recorded op ran inside);
    ``module`` the address of the module whose call ran it (``None`` at top level);
    ``parent`` the ``index`` of the enclosing frame (``None`` when not nested); ``layers`` the
    labels of every layer pass inside, in execution order (nested frames included);
    ``outputs`` the labels of the passes whose output the call returned.
    """

    index: int
    function: str
    filename: str | None
    line: int | None
    module: str | None
    parent: int | None
    layers: tuple[str, ...]
    outputs: tuple[str, ...]

    def __repr__(self) -> str:
        where = f" at {self.filename}:{self.line}" if self.filename is not None else ""
        inside = f" in @{self.module}" if self.module else ""
        return f"<FunctionFrame {self.function}(){where}{inside}: {len(self.layers)} layers>"


def function_frame(trace: Trace, derived: Derived, index: int) -> FunctionFrame:
    """The ``index``-th function call of ``trace`` as a ``FunctionFrame``."""
    call = trace.function_calls[index]
    labels = derived.labels
    ops = range(call.first_op, min(call.end_op, len(trace.ops)))
    sites = sites_of(trace, ops[0]) if ops else []
    at = to_frame(sites[-1]) if sites else None
    module = trace.calls[call.module_call].address if call.module_call >= 0 else None
    return FunctionFrame(
        index=index,
        function=call.name,
        filename=at.filename if at else None,
        line=at.line if at else None,
        module=module or None,
        parent=call.parent if call.parent >= 0 else None,
        layers=tuple(labels[i] for i in ops),
        outputs=tuple(labels[i] for i in call.outputs),
    )


def function_frames(trace: Trace, derived: Derived) -> list[FunctionFrame]:
    """Every function call of ``trace``, in the order they started."""
    return [function_frame(trace, derived, i) for i in range(len(trace.function_calls))]


def innermost_call(trace: Trace, op: int) -> int:
    """Position of the innermost function call that ran op ``op``; -1 when none did."""
    found = -1
    for i, call in enumerate(trace.function_calls):
        if call.first_op > op:
            break  # calls are listed in the order they started
        if op < call.end_op:
            found = i  # a later call containing the op is nested in the earlier one
    return found
