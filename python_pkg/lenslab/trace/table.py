"""Tabular views of a history: a text summary and a pandas DataFrame (one row per pass)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..capture import BUFFER, INPUT, OUTPUT
from .layer import LayerPass
from .trace import Trace

if TYPE_CHECKING:
    import pandas

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
)


def to_pandas(layers: Sequence[LayerPass]) -> pandas.DataFrame:
    import pandas  # imported here: pandas is optional and slow to import

    rows: list[dict[str, Any]] = []
    for layer in layers:
        row = {name: getattr(layer, name) for name in COLUMNS}
        row["dtype"] = (
            str(row["dtype"]).removeprefix("torch.") if row["dtype"] is not None else None
        )
        rows.append(row)
    return pandas.DataFrame(rows, columns=list(COLUMNS))


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


def summary(model_type: str, layers: Sequence[LayerPass], complete: bool) -> str:
    header = f"{model_type}: {len(layers)} layer passes" + (
        "" if complete else " (partial: the forward raised)"
    )
    total_time = sum(layer.time_s for layer in layers)
    total_flops = sum(layer.flops for layer in layers)
    lines = [header, f"op time {total_time * 1e3:.2f} ms, {total_flops / 1e6:.1f} MFLOPs", ""]
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
