"""Tabular views of a history: a text summary and a pandas DataFrame (one row per pass)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from ..capture import BUFFER, INPUT, OUTPUT
from ..errors import LensError
from .layer import LayerPass
from .params import gradient_flow
from .trace import Trace

if TYPE_CHECKING:
    import pandas

    from .derived import ModuleInfo

COLUMNS = (
    "label",
    "layer_label",
    "short_label",
    "type",
    "func_name",
    "pass_index",
    "num_passes",
    "shape",
    "dtype",
    "module",
    "module_stack",
    "parents",
    "children",
    "is_input",
    "is_output",
    "has_input_ancestor",
    "params",
    "num_params",
    "time_s",
    "flops",
    "source",
    "is_terminal_bool",
    "bool_value",
    "grad_fn",
    "output_bytes",
    "saved_for_backward_bytes",
)
# Gradient flow (trace/params.py): filled where a pass has an activation and a gradient.
FLOW_COLUMNS = ("grad_norm", "grad_ratio", "grad_flag")


def to_pandas(layers: Sequence[LayerPass]) -> pandas.DataFrame:
    try:
        import pandas  # imported here: pandas is optional and slow to import
    except ImportError as exc:
        raise LensError(
            "h.to_pandas() needs pandas, which is not installed: "
            "pip install 'lenslab[pandas]' (or pip install pandas)"
        ) from exc

    flow = gradient_flow(list(layers))
    rows: list[dict[str, Any]] = []
    for layer in layers:
        row = {name: getattr(layer, name) for name in COLUMNS}
        row["dtype"] = (
            str(row["dtype"]).removeprefix("torch.") if row["dtype"] is not None else None
        )
        f = flow.get(layer.index)
        row["grad_norm"], row["grad_ratio"], row["grad_flag"] = (
            (f.grad_norm, f.ratio, f.flag) if f is not None else (None, None, None)
        )
        rows.append(row)
    return pandas.DataFrame(rows, columns=[*COLUMNS, *FLOW_COLUMNS])


def describe(trace: Trace) -> str:
    """One line: ``TwoLayer: 5 layer passes (3 ops, 1 inputs, 1 outputs)``.

    Counting vocabulary (repr, summary, widget footer, docs): a *layer pass* is every recorded
    entry (inputs, outputs and buffers included); an *op* is a tensor operation the model ran.
    """
    ops = sum(1 for op in trace.ops if op.kind not in (INPUT, OUTPUT, BUFFER))
    partial = ", partial" if not trace.complete else ""
    return (
        f"{trace.model_type}: {len(trace.ops)} layer passes ({ops} ops, "
        f"{len(trace.inputs)} inputs, {len(trace.outputs)} outputs){partial}"
    )


def summary(
    trace: Trace,
    layers: Sequence[LayerPass],
    modules: Mapping[str, ModuleInfo] | None = None,
    depth: int = 3,
) -> str:
    header = describe(trace) + ("" if trace.complete else ": the forward raised")
    total_time = sum(layer.time_s for layer in layers)
    total_flops = sum(layer.flops for layer in layers)
    total_bytes = sum(layer.output_bytes for layer in layers if layer.role == "op")
    lines = [
        header,
        f"op time {total_time * 1e3:.2f} ms, {total_flops / 1e6:.1f} MFLOPs, "
        f"outputs {format_bytes(total_bytes)}"
        + (
            f", kept for backward {format_bytes(sum(trace.saved_bytes.values()))}"
            if trace.saved_bytes is not None
            else ""
        ),
        "",
    ]
    if modules:
        lines += module_table(modules, layers, depth)
        lines.append("")
    rows = [("label", "shape", "params", "module", "time ms")]
    for layer in layers:
        shape = "x".join(map(str, layer.shape)) if layer.shape is not None else "-"
        rows.append(
            (
                layer.label,
                shape,
                str(layer.num_params or ""),
                layer.module or "",
                f"{layer.time_s * 1e3:.3f}",
            )
        )
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    for row in rows:
        lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return "\n".join(lines)


def _cells(rows: list[tuple[str, ...]]) -> list[str]:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]


def module_table(
    modules: Mapping[str, ModuleInfo], layers: Sequence[LayerPass], depth: int
) -> list[str]:
    """torchinfo-like: one row per module down to ``depth``, indented by nesting."""
    rows: list[tuple[str, ...]] = [("module (type)", "output shape", "params", "trainable")]
    root = modules.get("")
    for address, info in modules.items():
        level = address.count(".") + 1 if address else 0
        if level > depth:
            continue
        shape = "-"
        if info.outputs:
            out = layers[info.outputs[0]].shape
            shape = "x".join(map(str, out)) if out is not None else "-"
        name = address.rpartition(".")[2] if address else "(model)"
        rows.append(
            (
                "  " * level + f"{name} ({info.type})",
                shape,
                f"{info.num_params:,}",
                f"{info.trainable_params:,}",
            )
        )
    lines = _cells(rows)
    if root is not None:
        lines.append(
            f"total params {root.num_params:,}: trainable {root.trainable_params:,}, "
            f"frozen {root.frozen_params:,}"
        )
    return lines


def format_bytes(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"
