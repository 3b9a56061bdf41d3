"""The frozen trace and its derived facts as plain JSON, and back (bundles, ``lenslab.load``).

Everything a ``ModelHistory`` reads is kept: op records, module calls and the address tree,
parameter facts, terminal bools, and every ``Derived`` field, so labels and lookup keys come
back exactly as they were, whatever later versions of the transforms compute. Code objects
become their file names; non-tensor arguments become tagged JSON (unknown objects, their
short repr). Decoding builds records only from checked primitives: nothing is imported,
unpickled or run.
"""

from __future__ import annotations

import dataclasses
import math
import reprlib
from types import CodeType
from typing import Any

import torch

from ..capture import ModuleCall, ModuleEntry, OpRecord
from ..capture.composite import FunctionCall
from ..errors import LensError
from ..trace.derived import Derived, ModuleInfo
from ..trace.trace import Trace
from .checks import Where

_repr = reprlib.Repr()
_repr.maxstring = 40
_repr.maxother = 40
_EMPTY_CODE = (lambda: None).__code__


# ---- encoding -------------------------------------------------------------------------------


def encode_value(value: Any, depth: int = 0) -> Any:
    """A non-tensor argument as JSON: primitives as is, containers and torch types tagged."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if depth < 4 and isinstance(value, tuple | list) and len(value) <= 64:
        items = [encode_value(v, depth + 1) for v in value]
        if isinstance(value, torch.Size):
            return {"size": items}
        return {"tuple": items} if isinstance(value, tuple) else {"list": items}
    if isinstance(value, torch.dtype):
        return {"dtype": str(value).removeprefix("torch.")}
    if isinstance(value, torch.device):
        return {"device": str(value)}
    return {"repr": _repr.repr(value)}


def _file(code: CodeType | None) -> str | None:
    return code.co_filename if code is not None else None


def encode_trace(trace: Trace) -> dict[str, Any]:
    store = trace.store
    return {
        "model_type": trace.model_type,
        "complete": trace.complete,
        "ops": [_encode_op(op) for op in trace.ops],
        "calls": [
            [
                c.address,
                c.call,
                c.parent,
                c.type,
                c.first_op,
                c.end_op,
                list(c.inputs),
                list(c.outputs),
                _file(c.code),
                c.line,
            ]
            for c in trace.calls
        ],
        "modules": [
            [m.address, m.type, list(m.children), m.num_params, list(m.all_addresses)]
            for m in trace.modules.values()
        ],
        "function_calls": [
            [f.name, f.module_call, f.parent, f.first_op, f.end_op, list(f.outputs)]
            for f in trace.function_calls
        ],
        "param_shapes": {a: list(s) for a, s in trace.param_shapes.items()},
        "param_trainable": dict(trace.param_trainable),
        "bool_values": [[i, v] for i, v in trace.bool_values.items()],
        "bool_sites": [[i, _file(code), line] for i, (code, line) in trace.bool_sites.items()],
        "profile": _encode_profile(trace),
        "intervened": [[i, how] for i, how in trace.intervened.items()],
        "store": {
            "save_all": store.save_all,
            "postfunc": store.postfunc is not None,
            "device": str(store.device) if store.device is not None else None,
            "grads": store.want_grads,
        },
    }


def _encode_profile(trace: Trace) -> dict[str, Any]:
    saved = trace.saved_bytes
    return {
        "grad_fns": [[i, name] for i, name in trace.grad_fns.items()],
        "saved_bytes": [[i, b] for i, b in saved.items()] if saved is not None else None,
        "param_dtypes": {a: str(d).removeprefix("torch.") for a, d in trace.param_dtypes.items()},
    }


def decode_profile(raw: dict[str, Any], where: Where, num_ops: int) -> dict[str, Any]:
    """``Trace`` keyword arguments for the profile; empty for bundles written before it."""
    if "profile" not in raw:
        return {}
    at = where.at("profile")
    obj = at.obj(raw["profile"])

    def pairs(name: str, kind: type) -> dict[int, Any]:
        out: dict[int, Any] = {}
        for item in at.at(name).array(obj[name]):
            index, value = at.at(name).record(item, 2)
            at.at(name).indexes([index], num_ops)
            out[index] = at.at(name).string(value) if kind is str else at.at(name).integer(value)
        return out

    dtypes = at.at("param_dtypes").obj(at.field(obj, "param_dtypes"))
    return {
        "grad_fns": pairs("grad_fns", str) if "grad_fns" in obj else {},
        "saved_bytes": pairs("saved_bytes", int) if obj.get("saved_bytes") is not None else None,
        "param_dtypes": {
            a: parse_dtype(at.at("param_dtypes").string(d), at) for a, d in dtypes.items()
        },
    }


def _encode_op(op: OpRecord) -> list[Any]:
    other = op.other_args
    return [
        op.kind, op.name, op.type, list(op.parents), list(op.slots), list(op.params),
        op.num_params, list(op.shape) if op.shape is not None else None,
        str(op.dtype).removeprefix("torch.") if op.dtype is not None else None,
        str(op.device) if op.device is not None else None, op.out_index, op.module_call,
        _file(op.code), op.line, op.time_s,
        [encode_value(v) for v in other] if other is not None else None,
        op.address, list(op.mutates),
    ]  # fmt: skip


def encode_derived(derived: Derived) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in dataclasses.fields(derived):
        value = getattr(derived, f.name)
        if f.name == "modules":
            value = [dataclasses.asdict(m) for m in value.values()]
        out[f.name] = _plain(value)
    return out


def _plain(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


# ---- decoding -------------------------------------------------------------------------------


class _Repr:
    """Stands in for an argument that was kept only as its short repr."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __repr__(self) -> str:
        return self.text


def decode_value(raw: Any, where: Where) -> Any:
    if raw is None or isinstance(raw, bool | int | str | float):
        return raw
    tag = where.obj(raw)
    if len(tag) != 1:
        raise where.wrong("one tagged value")
    (kind, payload), = tag.items()  # fmt: skip
    at = where.at(kind)
    if kind in ("tuple", "list", "size"):
        items = [decode_value(v, at.at(i)) for i, v in enumerate(at.array(payload))]
        if kind == "size":
            return torch.Size(at.ints(items))
        return tuple(items) if kind == "tuple" else items
    if kind == "float":
        return float(at.choice(payload, ("nan", "inf", "-inf")))
    if kind == "dtype":
        return parse_dtype(at.string(payload), at)
    if kind == "device":
        return parse_device(at.string(payload), at)
    if kind == "repr":
        return _Repr(at.string(payload))
    raise where.wrong("a known tag (tuple, list, size, float, dtype, device, repr)")


def parse_dtype(name: str, where: Where) -> torch.dtype:
    value = getattr(torch, name, None) if name.isidentifier() else None
    if not isinstance(value, torch.dtype):
        raise where.wrong(f"a torch dtype name, not {name!r}")
    return value


def parse_device(name: str, where: Where) -> torch.device:
    try:
        return torch.device(name)
    except (RuntimeError, ValueError):
        raise where.wrong(f"a torch device, not {name!r}") from None


class _Codes:
    """One empty code object per file name: ``LayerPass.source`` reads ``co_filename``."""

    def __init__(self) -> None:
        self._codes: dict[str, CodeType] = {}

    def of(self, filename: Any, where: Where) -> CodeType | None:
        if filename is None:
            return None
        name = where.string(filename)
        code = self._codes.get(name)
        if code is None:
            code = self._codes[name] = _EMPTY_CODE.replace(co_filename=name)
        return code


def decode_ops(raw: Any, where: Where, codes: _Codes) -> list[OpRecord]:
    rows = where.array(raw)
    ops: list[OpRecord] = []
    for i, row in enumerate(rows):
        at = where.at(i)
        r = at.record(row, 18)
        op = OpRecord(at.integer(r[0]), at.string(r[1]), at.string(r[2]), at.ints(r[3]), at.strs(r[4]),
                      None, at.integer(r[11]))  # fmt: skip
        if not 0 <= op.kind <= 3:
            raise at.wrong("an op kind 0..3")
        if len(op.parents) != len(op.slots) or any(not 0 <= p < i for p in op.parents):
            raise at.wrong("parents that ran before it, one slot each")
        op.params = tuple(at.strs(r[5]))
        op.num_params = at.integer(r[6])
        op.shape = torch.Size(at.ints(r[7])) if r[7] is not None else None
        op.dtype = parse_dtype(at.string(r[8]), at) if r[8] is not None else None
        op.device = parse_device(at.string(r[9]), at) if r[9] is not None else None
        op.out_index = at.integer(r[10])
        op.code, op.line, op.time_s = codes.of(r[12], at), at.integer(r[13]), at.number(r[14])
        op.other_args = None if r[15] is None else [
            decode_value(v, at.at(15)) for v in at.array(r[15])
        ]  # fmt: skip
        op.address, op.mutates = at.string(r[16]), tuple(at.strs(r[17]))
        ops.append(op)
    return ops


def decode_calls(raw: Any, where: Where, codes: _Codes, num_ops: int) -> list[ModuleCall]:
    calls: list[ModuleCall] = []
    for i, row in enumerate(where.array(raw)):
        at = where.at(i)
        r = at.record(row, 10)
        parent = at.integer(r[2])
        if not -1 <= parent < i:
            raise at.wrong("a parent call that started before it")
        call = ModuleCall(
            at.string(r[0]), at.integer(r[1]), parent, at.string(r[3]), at.integer(r[4])
        )
        call.end_op = at.integer(r[5])
        call.inputs, call.outputs = at.indexes(r[6], num_ops), at.indexes(r[7], num_ops)
        call.code, call.line = codes.of(r[8], at), at.integer(r[9])
        calls.append(call)
    return calls


def decode_function_calls(
    raw: Any, where: Where, num_ops: int, num_calls: int
) -> tuple[FunctionCall, ...]:
    """Composite function calls (bundles written before they existed have none)."""
    out: list[FunctionCall] = []
    at_list = where.at("function_calls")
    for i, row in enumerate(at_list.array(raw)):
        at = at_list.at(i)
        r = at.record(row, 6)
        module_call, parent = at.integer(r[1]), at.integer(r[2])
        first, end = at.integer(r[3]), at.integer(r[4])
        if not (
            -1 <= module_call < num_calls and -1 <= parent < i and 0 <= first <= end <= num_ops
        ):
            raise at.wrong("a function call inside the trace's ops and calls")
        call = FunctionCall(at.string(r[0]), module_call, parent, first)
        call.end_op = end
        call.outputs = tuple(at.indexes(r[5], num_ops))
        out.append(call)
    return tuple(out)


def decode_modules(raw: Any, where: Where) -> dict[str, ModuleEntry]:
    table: dict[str, ModuleEntry] = {}
    for i, row in enumerate(where.array(raw)):
        at = where.at(i)
        r = at.record(row, 5)
        entry = ModuleEntry(at.string(r[0]), at.string(r[1]), at.integer(r[3]))
        entry.children, entry.all_addresses = at.strs(r[2]), at.strs(r[4])
        table[entry.address] = entry
    return table


def decode_derived(raw: Any, where: Where, num_ops: int) -> Derived | None:
    """The saved ``Derived``; None when its fields are not this version's (re-derive then)."""
    obj = where.obj(raw)
    fields = {f.name: str(f.type) for f in dataclasses.fields(Derived)}
    names = list(fields)
    if set(obj) != set(names) or not _current_modules(obj["modules"]):
        return None
    values: dict[str, Any] = {}
    for name in names:
        at = where.at(name)
        value = obj[name]
        if fields[name].startswith("dict[int"):
            values[name] = {int(at.choice(k, [k] if k.isdigit() else [])): v
                            for k, v in at.obj(value).items()}  # fmt: skip
        elif name == "modules":
            values[name] = _decode_modules(value, at)
        elif name == "branch_edges":
            values[name] = [tuple(at.record(e, 3)) for e in at.array(value)]
        elif isinstance(value, list) and value and isinstance(value[0], list):
            values[name] = [list(at.array(v)) for v in value]
            if name == "layer_members":
                for members in values[name]:
                    at.indexes(members, num_ops)
        else:
            values[name] = at.array(value)
        per_op = ("labels", "layer_labels", "pass_index", "num_passes", "layer_of")
        if name in per_op and len(values[name]) != num_ops:
            raise at.wrong(f"one entry per op ({num_ops})")
    try:
        return Derived(**values)
    except TypeError as exc:
        raise LensError(f"{where.path}: {exc}") from None


def _current_modules(raw: Any) -> bool:
    """False when the saved modules carry another version's fields (then re-derive); other
    malformations are left to ``_decode_modules`` to name."""
    names = {f.name for f in dataclasses.fields(ModuleInfo)}
    items = raw if isinstance(raw, list) else []
    return all(set(item) == names for item in items if isinstance(item, dict))


def _decode_modules(raw: Any, where: Where) -> dict[str, ModuleInfo]:
    names = {f.name for f in dataclasses.fields(ModuleInfo)}
    modules: dict[str, ModuleInfo] = {}
    for i, item in enumerate(where.array(raw)):
        obj = where.at(i).obj(item)
        if set(obj) != names:
            raise where.at(i).wrong(f"a module with fields {sorted(names)}")
        info = ModuleInfo(**obj)
        modules[where.at(i).at("address").string(info.address)] = info
    return modules
