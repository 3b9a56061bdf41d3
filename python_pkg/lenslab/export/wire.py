"""``to_wire``: a ``Capture`` as the ``WireGraph`` the browser reads (no tensors).

Each field follows ``schema.py``. Records link by position, not by label.
"""

from __future__ import annotations

from ..capture import ROLE_NAMES, OpRecord
from ..trace.record import CaptureSource, as_capture
from ..trace.trace import Trace
from ..transforms.folds import find_folds, level_entries
from ..transforms.op_folds import find_op_folds
from ..transforms.outputs import output_groups
from .frames import FrameTable
from .schema import (
    SCHEMA_VERSION,
    Role,
    WireBranchEdge,
    WireFailure,
    WireFrame,
    WireGraph,
    WireModule,
    WireModuleCall,
    WireOp,
)

_ROLES: tuple[Role, ...] = ("op", "input", "output", "buffer")
assert ROLE_NAMES == _ROLES


def to_wire(source: CaptureSource, *, source_text: bool = False) -> WireGraph:
    """The wire graph; ``source_text`` embeds each referenced line's code (standalone pages,
    bundles and kept notebook views, which have no kernel to ask)."""
    capture = as_capture(source)
    trace = capture.trace
    derived = capture.derived
    table = FrameTable(trace)
    ops: list[WireOp] = []
    grad_fns = trace.grad_fns
    for i, op in enumerate(trace.ops):
        parents = list(dict.fromkeys(op.parents))
        ops.append(
            {
                "label": derived.labels[i],
                "layer": derived.layer_labels[i],
                "type": op.type,
                "func": op.name,
                "pass_index": derived.pass_index[i],
                "num_passes": derived.num_passes[i],
                "role": _ROLES[op.kind],
                "shape": list(op.shape) if op.shape is not None else None,
                "dtype": str(op.dtype).removeprefix("torch.") if op.dtype is not None else "",
                "parents": parents,
                "parent_args": _parent_args(op, parents),
                "module_call": op.module_call,
                "num_params": op.num_params,
                "params": list(op.params),
                "has_input_ancestor": derived.has_input_ancestor[i],
                "time_s": float(f"{op.time_s:.3g}"),  # 3 digits: what a profile needs
                "flops": derived.flops[i],
                "bool_value": trace.bool_values.get(i),
                "source": _source(table, table.ops[i]),
                "caller": op.code.co_qualname if op.code is not None else "",
                "frame": table.ops[i],
                "grad_fn": grad_fns.get(i, ""),
            }
        )
    calls: list[WireModuleCall] = [
        {
            "address": c.address,
            "call": c.call,
            "parent": c.parent,
            "outputs": list(c.outputs),
            "frames": table.calls[k],
        }
        for k, c in enumerate(trace.calls)
    ]
    modules: list[WireModule] = [
        {
            "address": m.address,
            "type": m.type,
            "num_calls": m.num_calls,
            "children": list(m.children),
            "num_params": m.num_params,
        }
        for m in derived.modules.values()
        if m.address  # the model itself is the graph, not a module node
    ]
    branches: list[WireBranchEdge] = [
        {"parent": p, "child": c, "kind": kind} for p, c, kind in derived.branch_edges
    ]
    graph: WireGraph = {
        "schema_version": SCHEMA_VERSION,
        "model_type": trace.model_type,
        "ops": ops,
        "module_calls": calls,
        "modules": modules,
        "branch_edges": branches,
        "frames": _frames(table),
        "caller_frames": table.caller,
        "failure": _failure(trace, table),
        "source_text": _source_text(table, trace.captured_at) if source_text else [],
        "function_calls": [
            {
                "name": f.name,
                "module_call": f.module_call,
                "parent": f.parent,
                "first_op": f.first_op,
                "end_op": f.end_op,
                "outputs": list(f.outputs),
            }
            for f in trace.function_calls
        ],
    }
    if trace.intervened:
        graph["intervened"] = sorted(trace.intervened)
    entries = level_entries(trace)  # shared by both kinds of folds
    folds = find_folds(trace, entries=entries)
    if folds:  # absent when there are none, as in graphs written before folds existed
        graph["folds"] = [{"calls": list(f.calls), "kind": f.kind} for f in folds]
    op_folds = find_op_folds(trace, entries)
    if op_folds:
        graph["op_folds"] = [
            {"module_call": f.module_call, "starts": list(f.starts), "end": f.end} for f in op_folds
        ]
    groups = output_groups(trace)
    if groups:  # absent when none, as in graphs written before output groups existed
        graph["output_groups"] = [
            {"name": g.name, "ops": list(g.ops), "paths": [trace.ops[i].address for i in g.ops]}
            for g in groups
        ]
    saved = trace.saved_bytes
    if saved is not None:  # lens(..., memory=True) only
        graph["saved_bytes"] = [saved.get(i, 0) for i in range(len(trace.ops))]
    return graph


def _source(table: FrameTable, frame: int) -> str:
    return f"{table.file(frame)}:{table.line(frame)}" if frame >= 0 else ""


def _frames(table: FrameTable) -> list[WireFrame]:
    return [
        {"file": table.file(i), "line": table.line(i), "function": table.function(i)}
        for i in range(len(table.sites))
    ]


def _failure(trace: Trace, table: FrameTable) -> WireFailure | None:
    failure = trace.failure
    if failure is None:
        return None
    n = len(trace.ops)
    return {
        "func": failure.name,
        "message": failure.message,
        "parents": [p for p in failure.parents if 0 <= p < n],
        "module_call": failure.module_call,
        "frame": table.failure,
    }


def _source_text(table: FrameTable, captured_at: float) -> list[str]:
    """The code of each frame's line, read now: each file once, up to the last line needed;
    "" for a file changed since the capture or gone (never a line that did not run)."""
    from ..trace.code import file_status, read_lines

    wanted: dict[str, list[int]] = {}
    for i in range(len(table.sites)):
        wanted.setdefault(table.real_file(i), []).append(i)
    out = [""] * len(table.sites)
    for filename, frames in wanted.items():
        if file_status(filename, captured_at) != "ok":
            continue
        last = max(table.line(i) for i in frames)
        lines = dict(read_lines(filename, 1, last, limit=None))
        for i in frames:
            out[i] = lines.get(table.line(i), "")
    return out


def _parent_args(op: OpRecord, parents: list[int]) -> list[str]:
    """Slot of each deduplicated parent; a parent fed to several slots lists them: ``"0,1"``."""
    slots: dict[int, list[str]] = {p: [] for p in parents}
    for parent, slot in zip(op.parents, op.slots, strict=True):
        slots[parent].append(slot)
    return [",".join(slots[p]) for p in parents]
