"""The compact transport form of a WireGraph (see the end of ``schema.py``)."""

from __future__ import annotations

from .schema import CompactWireGraph, InternedColumn, WireGraph

# Columns dropped because the reader derives them ("source" from "frame" and the frames table).
_DERIVED_OP_FIELDS = frozenset({"layer", "source"})
# Columns dropped when every op has this value; the reader fills it in (most graphs have no
# loops, no Python-consumed bools, and captures under no_grad have no autograd nodes).
COLUMN_DEFAULTS: dict[str, object] = {"pass_index": 1, "num_passes": 1, "bool_value": None, "grad_fn": ""}
# grad_fn travels always interned, and without the "Backward0" most autograd class names end
# with ("Convolution" for "ConvolutionBackward0"); other names are sent whole after a "=".
_BACKWARD = "Backward0"
_DERIVED_MODULE_FIELDS = frozenset({"children"})


def compact(graph: WireGraph) -> CompactWireGraph:
    ops = graph["ops"]
    columns: dict[str, list[object] | InternedColumn] = {}
    if ops:
        for field in ops[0]:
            if field in _DERIVED_OP_FIELDS:
                continue
            values: list[object] = [op[field] for op in ops]  # type: ignore[literal-required]
            if field in COLUMN_DEFAULTS and all(v == COLUMN_DEFAULTS[field] for v in values):
                continue
            if field == "grad_fn":
                columns[field] = _intern([_short_grad_fn(v) for v in values], always=True)
                continue
            columns[field] = _intern(values)
    modules = [
        {k: v for k, v in m.items() if k not in _DERIVED_MODULE_FIELDS} for m in graph["modules"]
    ]
    out: CompactWireGraph = {
        "schema_version": graph["schema_version"],
        "model_type": graph["model_type"],
        "encoding": "columns",
        "num_ops": len(ops),
        "ops": columns,
        "module_calls": graph["module_calls"],
        "modules": modules,
        "branch_edges": graph["branch_edges"],
        "frames": graph["frames"],
        "caller_frames": graph["caller_frames"],
        "function_calls": graph["function_calls"],
    }
    # Left out when empty: the synced state stays small.
    if graph["failure"] is not None:
        out["failure"] = graph["failure"]
    if graph["source_text"]:
        out["source_text"] = graph["source_text"]
    if graph.get("intervened"):
        out["intervened"] = graph["intervened"]
    if "folds" in graph:
        out["folds"] = graph["folds"]
    if "op_folds" in graph:
        out["op_folds"] = graph["op_folds"]
    if "output_groups" in graph:
        out["output_groups"] = graph["output_groups"]
    if "saved_bytes" in graph:
        out["saved_bytes"] = graph["saved_bytes"]
    return out


def _short_grad_fn(name: object) -> str:
    """``"ConvolutionBackward0"`` -> ``"Convolution"``; ``"MeanBackward1"`` -> ``"=MeanBackward1"``."""
    text = str(name)
    if not text:
        return ""
    return text[: -len(_BACKWARD)] if text.endswith(_BACKWARD) else f"={text}"


def grad_fn_name(sent: str) -> str:
    """The reader's side of ``_short_grad_fn`` (``gradFnName`` in ``src/protocol/compact.ts``)."""
    if not sent:
        return ""
    return sent[1:] if sent.startswith("=") else sent + _BACKWARD


def _intern(values: list[object], *, always: bool = False) -> list[object] | InternedColumn:
    """Dictionary-encodes a string column when that makes it smaller (repeats are common)."""
    if not values or not all(isinstance(v, str) for v in values):
        return values
    table: dict[str, int] = {}
    codes = [table.setdefault(v, len(table)) for v in values]  # type: ignore[arg-type]
    if len(table) * 2 > len(values) and not always:
        return values
    return {"table": list(table), "codes": codes}
