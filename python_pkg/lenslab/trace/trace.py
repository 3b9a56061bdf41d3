"""The frozen trace: the records of one capture, never changed after the forward pass."""

from __future__ import annotations

from dataclasses import dataclass, field
from types import CodeType
from typing import Any

import torch

from ..capture import INPUT, OUTPUT, ActivationStore, ModuleCall, ModuleEntry, OpRecord
from ..capture.builder import TraceBuilder


@dataclass(frozen=True, eq=False)
class Trace:
    """Everything recorded, in execution order. Derived facts live in ``Derived``."""

    model_type: str
    ops: tuple[OpRecord, ...]
    children: tuple[tuple[int, ...], ...]
    calls: tuple[ModuleCall, ...]
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
    # Ops whose output ``lens(intervene=)`` replaced -> how: "zero", "tensor" or "function".
    intervened: dict[int, str] = field(default_factory=dict)


def freeze(builder: TraceBuilder, model: torch.nn.Module, complete: bool) -> Trace:
    """Freeze a builder into a ``Trace`` (linear in the number of ops and edges)."""
    ops = tuple(builder.ops)
    children: list[list[int]] = [[] for _ in ops]
    for index, op in enumerate(ops):
        for parent in dict.fromkeys(op.parents):
            children[parent].append(index)
    return Trace(
        model_type=type(model).__name__,
        ops=ops,
        children=tuple(tuple(c) for c in children),
        calls=tuple(builder.modules.calls),
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
        intervened=dict(getattr(builder, "intervened", {})),
    )
