"""Torch calls that are not recorded as one plain op.

- Composite functions (``multi_head_attention_forward``): the body runs with the capture mode
  pushed again, each inner op is recorded, and the call becomes a ``FunctionCall`` frame.
- Fused ``scaled_dot_product_attention`` with ``attention_weights=True``: written out as its
  math, so the weights are a recorded tensor, and checked against the fused result.
- TorchLens' spellings: ``split`` with a list of sizes is ``splitwithsizes``, and ``x / y``
  (torch hands it over as ``div``) is ``truediv``.

``TraceBuilder.run_special`` hands these here; plain ops go through ``TraceBuilder.run``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import torch

from ..errors import LensError
from .composite import SDPA, FunctionCall, body_of, sdpa_math
from .funcinfo import FuncInfo
from .source import running_operator

if TYPE_CHECKING:
    from .builder import TraceBuilder

Tensor = torch.Tensor
_SEQ = (list, tuple)


def run_special(
    builder: TraceBuilder,
    func: Callable[..., Any],
    info: FuncInfo,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    mode: Any,
) -> Any:
    """A composite function (its body recorded op by op), or an op run as usual."""
    if info.rename:
        return _run_renamed(builder, func, info, args, kwargs)
    if info.name == SDPA:
        if not builder.attention_weights:
            return builder.run(func, info, args, kwargs)
        return _run_attention(builder, func, args, kwargs, mode)
    body = body_of(func)
    if body is None:
        return builder.run(func, info, args, kwargs)
    return run_body(builder, info.name, body, args, kwargs, mode)


def _run_renamed(
    builder: TraceBuilder,
    func: Callable[..., Any],
    info: FuncInfo,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> Any:
    """``split``/``div`` recorded under TorchLens' names where the call is that spelling."""
    if info.name == "div":
        spelling = "truediv" if running_operator(2) == "/" else ""
    else:
        sizes = args[1] if len(args) > 1 else kwargs.get("split_size_or_sections")
        spelling = "splitwithsizes" if isinstance(sizes, (list, tuple)) else ""
    first = len(builder.ops)
    out = builder.run(func, info, args, kwargs)
    for record in builder.ops[first:] if spelling else ():
        record.type = spelling
    return out


def run_body(
    builder: TraceBuilder,
    name: str,
    body: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    mode: Any,
) -> Any:
    """Run ``body`` with the capture mode pushed again: its ops are recorded one by one."""
    calls = builder.function_calls
    index = len(calls)
    record = FunctionCall(
        name, builder.modules.current, builder.open_function_call, len(builder.ops)
    )
    calls.append(record)
    builder.open_function_call = index
    try:
        with mode:
            out = body(*args, **kwargs)
    finally:
        builder.open_function_call = record.parent
        record.end_op = len(builder.ops)
    found = [builder.producer_of(t) for t in _tensors_of(out)]
    record.outputs = tuple(i for i in found if i >= record.first_op)
    return out


def _run_attention(
    builder: TraceBuilder,
    func: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    mode: Any,
) -> Any:
    """Fused attention as its math; checked against the fused result when deterministic
    (and when no intervention replaced an op inside it on purpose)."""
    first = len(builder.ops)
    out = run_body(builder, SDPA, sdpa_math, args, kwargs, mode)
    dropout = args[4] if len(args) > 4 else kwargs.get("dropout_p", 0.0)
    if not dropout and not builder.replaced_since(first):
        with torch.no_grad():
            fused = func(*args, **kwargs)
            close = torch.allclose(out, fused, rtol=1e-3, atol=1e-5, equal_nan=True)
        if not close:
            raise LensError(
                "attention_weights=True: scaled_dot_product_attention written out as its "
                "math differs from the fused result here (low precision or an unusual mask). "
                "Run lens() without attention_weights to record the fused call."
            )
    return out


def _tensors_of(out: Any) -> list[Tensor]:
    if isinstance(out, Tensor):
        return [out]
    if isinstance(out, _SEQ):
        return [o for o in out if isinstance(o, Tensor)]
    return []
