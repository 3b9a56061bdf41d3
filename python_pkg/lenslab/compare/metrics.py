"""How far apart two activations of one op are: relative L2 distance and largest difference."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch


@dataclass(frozen=True)
class Difference:
    status: str  # "same", "changed" or "unsaved" (a value is missing on either side)
    rel_l2: float  # ||a - b|| / max(||a||, ||b||), in [0, 2]; 0 when both are zero
    max_abs: float  # max |a - b|
    note: str = ""  # why a pair could not be compared value by value


def difference(a: Any, b: Any, rtol: float, atol: float) -> Difference:
    """``same`` iff every element agrees within ``atol + rtol * |b|`` (``torch.isclose``)."""
    if not isinstance(a, torch.Tensor) or not isinstance(b, torch.Tensor):
        return Difference("unsaved", math.nan, math.nan, "activation not saved")
    if a.shape != b.shape:
        shapes = f"shape {_shape(a)} vs {_shape(b)}"
        return Difference("changed", math.nan, math.nan, shapes)
    with torch.no_grad():
        x = _comparable(a)
        y = _comparable(b).to(device=x.device, dtype=x.dtype)
        if x.numel() == 0 or torch.equal(x, y):
            return Difference("same", 0.0, 0.0)  # the common case, in one pass
        delta = x - y
        # A NaN or inf anywhere makes the norm non-finite (as can overflow: the slow path is
        # exact either way).
        if math.isfinite(float(torch.linalg.vector_norm(delta))):
            return _finite_difference(x, y, delta, rtol, atol)
        return _nonfinite_difference(x, y, rtol, atol)


def _finite_difference(
    x: torch.Tensor, y: torch.Tensor, delta: torch.Tensor, rtol: float, atol: float
) -> Difference:
    norm = torch.linalg.vector_norm
    scale = max(float(norm(x)), float(norm(y)))
    rel = float(norm(delta)) / scale if scale > 0 else 0.0
    max_abs = float(delta.abs().max())
    return Difference("same" if _close(y, delta, max_abs, rtol, atol) else "changed", rel, max_abs)


def _close(y: torch.Tensor, delta: torch.Tensor, max_abs: float, rtol: float, atol: float) -> bool:
    """Every |delta| <= atol + rtol * |y|, decided from maxima when they settle it."""
    if max_abs <= atol:
        return True
    if max_abs > atol + rtol * float(y.abs().max()):
        return False  # the largest difference exceeds the loosest bound
    return bool((delta.abs() <= atol + rtol * y.abs()).all())


def _nonfinite_difference(x: torch.Tensor, y: torch.Tensor, rtol: float, atol: float) -> Difference:
    """NaN or inf somewhere: where both agree (NaN and NaN, inf and inf) they count as equal."""
    finite = torch.isfinite(x) & torch.isfinite(y)
    agree = (x == y) | (x.isnan() & y.isnan())
    if bool((~finite & ~agree).any()):
        return Difference("changed", math.inf, math.inf)
    zero = torch.zeros((), dtype=x.dtype, device=x.device)
    x, y = torch.where(finite, x, zero), torch.where(finite, y, zero)
    return _finite_difference(x, y, x - y, rtol, atol)


def _comparable(t: torch.Tensor) -> torch.Tensor:
    t = t.detach()
    if t.is_complex():
        return torch.view_as_real(t).double()
    return t if t.dtype in (torch.float32, torch.float64) else t.float()


def _shape(t: torch.Tensor) -> str:
    return "x".join(map(str, t.shape)) or "scalar"
