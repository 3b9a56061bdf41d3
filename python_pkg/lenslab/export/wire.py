"""``to_wire``: a ``Capture`` as the ``WireGraph`` the browser reads (no tensors).

Each field follows ``schema.py``. Records link by position, not by label.
"""

from __future__ import annotations

import os
import sys

from ..capture import ROLE_NAMES, OpRecord
from ..trace.record import CaptureSource, as_capture
from .schema import (
    SCHEMA_VERSION,
    Role,
    WireBranchEdge,
    WireGraph,
    WireModule,
    WireModuleCall,
    WireOp,
)

_ROLES: tuple[Role, ...] = ("op", "input", "output", "buffer")
assert ROLE_NAMES == _ROLES


def to_wire(source: CaptureSource) -> WireGraph:
    capture = as_capture(source)
    trace = capture.trace
    derived = capture.derived
    sources = _SourceNames()
    ops: list[WireOp] = []
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
                "source": sources.of(op),
                "caller": op.code.co_qualname if op.code is not None else "",
            }
        )
    calls: list[WireModuleCall] = [
        {"address": c.address, "call": c.call, "parent": c.parent, "outputs": list(c.outputs)}
        for c in trace.calls
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
    return graph


def _parent_args(op: OpRecord, parents: list[int]) -> list[str]:
    """Slot of each deduplicated parent; a parent fed to several slots lists them: ``"0,1"``."""
    slots: dict[int, list[str]] = {p: [] for p in parents}
    for parent, slot in zip(op.parents, op.slots, strict=True):
        slots[parent].append(slot)
    return [",".join(slots[p]) for p in parents]


class _SourceNames:
    """``"file.py:42"`` with paths shortened (cwd-relative, or from site-packages on)."""

    def __init__(self) -> None:
        self._cache: dict[str, str] = {}
        self._cwd = os.getcwd() + os.sep
        self._prefixes = tuple(p + os.sep for p in sys.path if p.endswith("-packages"))

    def of(self, op: OpRecord) -> str:
        if op.code is None:
            return ""
        filename = op.code.co_filename
        short = self._cache.get(filename)
        if short is None:
            short = self._cache[filename] = self._shorten(filename)
        return f"{short}:{op.line}"

    def _shorten(self, filename: str) -> str:
        for prefix in self._prefixes:
            if filename.startswith(prefix):
                return filename[len(prefix) :]
        if filename.startswith(self._cwd):
            return filename[len(self._cwd) :]
        return filename
