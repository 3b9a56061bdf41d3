"""The frozen trace: the records of one capture, never changed after the forward pass."""

from __future__ import annotations

import time
import weakref
from dataclasses import dataclass, field
from types import CodeType
from typing import Any

import torch

from ..capture import INPUT, OUTPUT, ActivationStore, ModuleCall, ModuleEntry, OpRecord
from ..capture.builder import Failure, TraceBuilder
from ..capture.composite import FunctionCall


@dataclass(frozen=True, eq=False)
class Trace:
    """Everything recorded, in execution order. Derived facts live in ``Derived``."""

    model_type: str
    ops: tuple[OpRecord, ...]
    children: tuple[tuple[int, ...], ...]
    calls: tuple[ModuleCall, ...]
    function_calls: tuple[FunctionCall, ...]  # composite torch functions recorded op by op
    modules: dict[str, ModuleEntry]  # the address tree; the model itself is ""
    param_shapes: dict[str, torch.Size]
    param_trainable: dict[str, bool]  # requires_grad of each parameter at capture time
    store: ActivationStore
    bool_values: dict[int, bool]
    bool_sites: dict[int, tuple[CodeType | None, int]]
    kept_args: dict[int, tuple[Any, tuple[Any, ...], dict[str, Any]]]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    complete: bool  # False when the forward raised and this is the part recorded before
    caller_frames: tuple[tuple[CodeType, int], ...] = ()  # user code that called lens()
    failure: Failure | None = None  # the torch call that raised (partial captures)
    captured_at: float = 0.0  # time.time() when frozen: source files changed later say so
    # The engineer's profile (empty / None where not recorded, e.g. in a loaded bundle).
    grad_fns: dict[int, str] = field(default_factory=dict)  # op -> autograd node class name
    saved_bytes: dict[int, int] | None = None  # op -> bytes saved for backward (memory=True)
    param_dtypes: dict[str, torch.dtype] = field(default_factory=dict)
    param_refs: dict[str, weakref.ref[torch.nn.Parameter]] = field(default_factory=dict)
    # Ops whose output ``lens(intervene=)`` replaced -> how: "zero", "tensor" or "function".
    intervened: dict[int, str] = field(default_factory=dict)


def freeze(builder: TraceBuilder, model: torch.nn.Module, complete: bool) -> Trace:
    """Freeze a builder into a ``Trace`` (linear in the number of ops and edges)."""
    ops = tuple(builder.ops)
    values = builder.store.values  # one per op, even after an interrupt between the two
    del values[len(ops) :]
    values.extend([None] * (len(ops) - len(values)))
    children: list[list[int]] = [[] for _ in ops]
    for index, op in enumerate(ops):
        parents = op.parents
        if len(parents) == 1:  # most ops: no duplicates to drop
            children[parents[0]].append(index)
        else:
            for parent in dict.fromkeys(parents):
                children[parent].append(index)
    return Trace(
        model_type=type(model).__name__,
        ops=ops,
        children=tuple(tuple(c) for c in children),
        calls=tuple(builder.modules.calls),
        function_calls=tuple(_closed(builder.function_calls, len(ops))),
        modules=builder.modules.table,
        param_shapes=builder.param_shapes,
        param_trainable=builder.param_trainable,
        store=builder.store,
        bool_values=builder.bool_values,
        bool_sites=builder.bool_sites,
        kept_args=builder.kept_args,
        inputs=tuple(i for i, op in enumerate(ops) if op.kind == INPUT),
        outputs=tuple(i for i, op in enumerate(ops) if op.kind == OUTPUT),
        complete=complete,
        caller_frames=builder.caller_frames,
        failure=builder.failure,
        captured_at=time.time(),
        grad_fns=builder.grad_fns,
        saved_bytes=builder.saved_bytes,
        param_dtypes=builder.param_dtypes,
        param_refs=builder.param_refs,
        intervened=dict(getattr(builder, "intervened", {})),
    )


def _closed(calls: list[FunctionCall], end: int) -> list[FunctionCall]:
    """Calls left open by an exception end where the partial trace ends."""
    for call in calls:
        if call.end_op < 0:
            call.end_op = end
    return calls
