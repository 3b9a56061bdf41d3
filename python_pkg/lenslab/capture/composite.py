"""Python-level torch functions whose inner ops are recorded, grouped under the outer call.

``F.multi_head_attention_forward`` is plain Python built from torch ops, but it hands itself
to the capture mode as a whole (``handle_torch_function``), so a capture would see one opaque
op. lenslab runs such a function's body with the mode still active: every op inside is
recorded, and the call becomes a *function call* record (a collapsible frame, like a module
call). The body runs from a copy of the function whose ``has_torch_function`` checks answer
False, so it does not hand itself over again; torch itself is never changed.

With ``attention_weights=True``, fused ``scaled_dot_product_attention`` runs as its math
(scores, softmax, weighted sum), so the attention weights exist as a recorded tensor.
"""

from __future__ import annotations

import math
import types
from collections.abc import Callable
from typing import Any

import torch
import torch.nn.functional as F

Tensor = torch.Tensor

# Functions whose body lenslab records op by op (by name: FuncInfo looks them up once).
COMPOSITE_NAMES = frozenset({"multi_head_attention_forward"})
SDPA = "scaled_dot_product_attention"


class FunctionCall:
    """One call of a composite function: ops ``[first_op, end_op)`` ran inside it."""

    __slots__ = ("end_op", "first_op", "module_call", "name", "outputs", "parent")

    def __init__(self, name: str, module_call: int, parent: int, first_op: int) -> None:
        self.name = name
        self.module_call = module_call  # innermost module call around it, -1 at top level
        self.parent = parent  # enclosing function call, -1 when none
        self.first_op = first_op
        self.end_op = -1
        self.outputs: tuple[int, ...] = ()  # ops whose output the call returned, in order


def _never(*_args: Any, **_kwargs: Any) -> bool:
    return False


_BODIES: dict[Callable[..., Any], Callable[..., Any]] = {}


def body_of(func: Callable[..., Any]) -> Callable[..., Any] | None:
    """``func`` without its torch-function hand-over, or None when it is not plain Python."""
    body = _BODIES.get(func)
    if body is not None:
        return body
    if not isinstance(func, types.FunctionType):
        return None
    namespace = dict(func.__globals__)
    for name in ("has_torch_function", "has_torch_function_unary", "has_torch_function_variadic"):
        namespace[name] = _never
    body = types.FunctionType(
        func.__code__, namespace, func.__name__, func.__defaults__, func.__closure__
    )
    body.__kwdefaults__ = func.__kwdefaults__
    _BODIES[func] = body
    return body


def sdpa_math(
    query: Tensor,
    key: Tensor,
    value: Tensor,
    attn_mask: Tensor | None = None,
    dropout_p: float = 0.0,
    is_causal: bool = False,
    scale: float | None = None,
    enable_gqa: bool = False,
) -> Tensor:
    """``F.scaled_dot_product_attention`` written out: each step is a recorded op."""
    length, source = query.size(-2), key.size(-2)
    factor = 1.0 / math.sqrt(query.size(-1)) if scale is None else scale
    if enable_gqa and key.size(-3) != query.size(-3):
        repeats = query.size(-3) // key.size(-3)
        key = key.repeat_interleave(repeats, dim=-3)
        value = value.repeat_interleave(repeats, dim=-3)
    scores = torch.matmul(query, key.transpose(-2, -1)) * factor
    if is_causal:
        allowed = torch.ones(length, source, dtype=torch.bool, device=query.device).tril()
        scores = scores.masked_fill(allowed.logical_not(), float("-inf"))
    if attn_mask is not None:
        if attn_mask.dtype == torch.bool:
            scores = scores.masked_fill(attn_mask.logical_not(), float("-inf"))
        else:
            scores = scores + attn_mask
    weights = torch.softmax(scores, dim=-1)
    if dropout_p > 0.0:
        weights = F.dropout(weights, p=dropout_p, training=True)
    return torch.matmul(weights, value)
