"""Re-executing one recorded call: its argument slots, parent substitution, and comparison."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import torch

from ..capture import OP
from ..capture.funcinfo import func_info
from ..trace.trace import Trace

Tensor = torch.Tensor

# (rtol, atol) per dtype; integer and bool values must match exactly.
_TOLERANCES: dict[torch.dtype, tuple[float, float]] = {
    torch.float16: (1e-3, 1e-5),
    torch.bfloat16: (1.6e-2, 1e-5),
    torch.float32: (1.3e-6, 1e-5),
    torch.float64: (1e-7, 1e-7),
    torch.complex64: (1.3e-6, 1e-5),
    torch.complex128: (1e-7, 1e-7),
}


@dataclass
class OpCall:
    """One recorded call: its first op index, the ops it produced (one per output tensor)."""

    first: int
    members: list[int]
    func: Callable[..., Any]
    args: tuple[Any, ...]
    kwargs: dict[str, Any]
    name: str
    mutating: bool


def op_calls(trace: Trace) -> Iterator[OpCall]:
    """Recorded calls with kept arguments, in execution order."""
    ops = trace.ops
    kept = trace.kept_args
    for first, (func, args, kwargs) in sorted(kept.items()):
        members = [first]
        j = first + 1
        while j < len(ops) and ops[j].kind == OP and j not in kept:
            if ops[j].out_index <= ops[j - 1].out_index:
                break
            members.append(j)
            j += 1
        info = func_info(func)
        mutating = (
            info.inplace
            or info.norm_stats
            or (info.inplace_pos >= 0 and _flag(args, kwargs, info.inplace_pos))
            or (bool(kwargs) and kwargs.get("out") is not None)
        )
        yield OpCall(first, members, func, args, kwargs, info.name, mutating)


def _flag(args: tuple[Any, ...], kwargs: dict[str, Any], position: int) -> bool:
    if len(args) > position:
        return args[position] is True
    return kwargs.get("inplace") is True


def slot_value(args: tuple[Any, ...], kwargs: dict[str, Any], slot: str) -> Any:
    head, _, item = slot.partition(".")
    if head.isdigit():
        value = args[int(head)] if int(head) < len(args) else None
    else:
        value = kwargs.get(head)
    if item and isinstance(value, (list, tuple)):
        return value[int(item)] if int(item) < len(value) else None
    return value


def substitute(
    args: tuple[Any, ...], kwargs: dict[str, Any], values: dict[str, Any]
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """Arguments with slot ``"0"``, ``"0.2"`` (item 2 of a list argument) or ``"weight"`` replaced."""
    new_args = list(args)
    new_kwargs = dict(kwargs)
    for slot, value in values.items():
        head, _, item = slot.partition(".")
        if head.isdigit():
            new_args[int(head)] = _put(new_args[int(head)], item, value)
        else:
            new_kwargs[head] = _put(new_kwargs.get(head), item, value)
    return tuple(new_args), new_kwargs


def _put(container: Any, item: str, value: Any) -> Any:
    if not item:
        return value
    items = list(container)
    items[int(item)] = value
    return type(container)(items) if type(container) in (list, tuple) else items


def _clone(value: Any) -> Any:
    if isinstance(value, Tensor):
        return value.clone()
    if type(value) in (list, tuple):
        return type(value)(_clone(v) for v in value)
    return value


def member_outputs(trace: Trace, call: OpCall, out: Any) -> list[Any]:
    """The output tensor of each member op, by its ``out_index`` in the call's result."""
    if isinstance(out, Tensor):
        return [out]
    values: list[Any] = []
    for member in call.members:
        k = trace.ops[member].out_index
        values.append(out[k] if isinstance(out, (list, tuple)) and k < len(out) else None)
    return values


def run_call(
    trace: Trace, call: OpCall, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> list[Any]:
    if call.mutating:  # never write into saved activations, parameters or buffers
        args = tuple(_clone(a) for a in args)
        kwargs = {k: _clone(v) for k, v in kwargs.items()}
    with torch.no_grad():
        out = call.func(*args, **kwargs)
    if out is None and call.name == "__setitem__":
        out = args[0]
    return member_outputs(trace, call, out)


def mismatch(expected: Any, got: Any) -> str | None:
    """Why ``got`` differs from ``expected`` beyond the dtype's tolerance, or None (NaN == NaN)."""
    if not isinstance(got, Tensor) or not isinstance(expected, Tensor):
        kinds = f"{type(expected).__name__} vs {type(got).__name__}"
        return None if expected is got else f"not comparable ({kinds})"
    got, expected = got.detach(), expected.detach()
    if got.shape != expected.shape:
        return f"shape {tuple(got.shape)} instead of {tuple(expected.shape)}"
    if got.dtype != expected.dtype:
        return f"dtype {got.dtype} instead of {expected.dtype}"
    if got.device != expected.device:
        got = got.to(expected.device)
    if got.numel() == 0 or torch.equal(got, expected):  # replay is usually bit-exact: fast path
        return None
    tol = _TOLERANCES.get(expected.dtype)
    if tol is None:
        return None if torch.equal(got, expected) else "values differ (exact dtype)"
    close = torch.isclose(got, expected, rtol=tol[0], atol=tol[1], equal_nan=True)
    if bool(close.all()):
        return None
    bad = int((~close).sum())
    diff = (got - expected).abs().nan_to_num(nan=float("inf"))
    return (
        f"{bad} of {expected.numel()} values differ, max abs diff {float(diff.max()):.3g} "
        f"(rtol={tol[0]:g}, atol={tol[1]:g})"
    )


def identical(a: Any, b: Any) -> bool:
    """Exactly equal, NaN positions included (perturbation: did anything change at all?)."""
    if not isinstance(a, Tensor) or not isinstance(b, Tensor):
        return a is b
    if a.shape != b.shape or a.dtype != b.dtype:
        return False
    if a.numel() > 4096 and a.is_contiguous() and b.is_contiguous():
        sa, sb = a.view(-1)[:1024], b.view(-1)[:1024]  # a change usually shows at once
        if not bool(((sa == sb) | (sa.isnan() & sb.isnan())).all()):
            return False
    if torch.equal(a, b):
        return True
    if (a.is_floating_point() or a.is_complex()) and bool(b.isnan().any()):
        return bool(((a == b) | (a.isnan() & b.isnan())).all())
    return False
