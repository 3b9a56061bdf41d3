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
        x, y = _comparable(a), _comparable(b.to(a.device))
        if x.numel() == 0:
            return Difference("same", 0.0, 0.0)
        delta = x - y
        finite = torch.isfinite(x) & torch.isfinite(y)
        # Matching non-finite values (NaN where NaN, inf where inf) count as equal.
        delta = torch.where(finite, delta, torch.zeros_like(delta))
        odd = bool(((~finite) & ~((x == y) | (x.isnan() & y.isnan()))).any())
        max_abs = math.inf if odd else float(delta.abs().max())
        scale = max(float(x[finite].norm()), float(y[finite].norm()))
        diff = float(delta.norm())
        rel = math.inf if odd else (diff / scale if scale > 0 else 0.0)
        close = not odd and bool((delta.abs() <= atol + rtol * y.where(finite, 0).abs()).all())
    return Difference("same" if close else "changed", rel, max_abs)


def _comparable(t: torch.Tensor) -> torch.Tensor:
    t = t.detach()
    if t.is_complex():
        return torch.view_as_real(t).double()
    return t.double() if t.dtype == torch.float64 else t.float()


def _shape(t: torch.Tensor) -> str:
    return "x".join(map(str, t.shape)) or "scalar"
