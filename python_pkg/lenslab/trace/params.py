"""``h.params``: the model's parameters as the capture saw them, and the gradient flow.

A parameter's ``grad`` is read from the live parameter (held weakly: the history does not keep
the model alive), so it is exactly ``p.grad``: after several backward passes, their sum, until
the user zeroes it. A layer's ``grad`` (``lens(..., grads=True)``) is the last backward's.
"""

from __future__ import annotations

import math
import statistics
import weakref
from dataclasses import dataclass
from typing import TYPE_CHECKING

import torch

from .trace import Trace

if TYPE_CHECKING:
    from .layer import LayerPass

# Gradient flow: a layer is flagged when its gradient/activation norm ratio is this many times
# below ("vanishing") or above ("exploding") the median ratio of the model.
FLOW_FACTOR = 100.0


@dataclass(frozen=True, eq=False)
class ParamInfo:
    address: str  # "features.0.weight" (the first address of a shared parameter)
    shape: tuple[int, ...]
    dtype: torch.dtype | None
    trainable: bool  # requires_grad at capture time
    used_by: list[str]  # labels of the ops that used it, in execution order
    _ref: weakref.ref[torch.nn.Parameter] | None = None

    @property
    def numel(self) -> int:
        return math.prod(self.shape)

    @property
    def grad(self) -> torch.Tensor | None:
        """The parameter's ``.grad`` now (accumulated over backward passes until zeroed);
        ``None`` before any backward, for frozen parameters, or once the model is gone."""
        param = self._ref() if self._ref is not None else None
        return param.grad if param is not None else None

    def __repr__(self) -> str:
        shape = "x".join(map(str, self.shape))
        return f"<ParamInfo {self.address} {shape} used by {len(self.used_by)} ops>"


def param_infos(trace: Trace, labels: list[str]) -> dict[str, ParamInfo]:
    used: dict[str, list[str]] = {a: [] for a in trace.param_shapes}
    for index, op in enumerate(trace.ops):
        for address in dict.fromkeys(op.params):
            used.setdefault(address, []).append(labels[index])
    return {
        address: ParamInfo(
            address=address,
            shape=tuple(shape),
            dtype=trace.param_dtypes.get(address),
            trainable=trace.param_trainable.get(address, False),
            used_by=used.get(address, []),
            _ref=trace.param_refs.get(address),
        )
        for address, shape in trace.param_shapes.items()
    }


@dataclass(frozen=True)
class Flow:
    grad_norm: float
    ratio: float  # gradient norm / activation norm
    flag: str | None  # "vanishing", "exploding" or None


def gradient_flow(layers: list[LayerPass]) -> dict[int, Flow]:
    """Per layer pass with both a saved activation and a gradient: norms, ratio and flag."""
    found: dict[int, tuple[float, float]] = {}
    for layer in layers:
        grad = layer.grad
        act = layer.activation
        if grad is None or not isinstance(act, torch.Tensor) or not act.is_floating_point():
            continue
        with torch.no_grad():
            g = float(grad.detach().float().norm())
            a = float(act.detach().float().norm())
        found[layer.index] = (g, g / a if a > 0 else math.inf)
    finite = [r for _, r in found.values() if math.isfinite(r) and r > 0]
    median = statistics.median(finite) if finite else 0.0
    return {i: Flow(g, r, _flag(r, median)) for i, (g, r) in found.items()}


def _flag(ratio: float, median: float) -> str | None:
    if median <= 0:
        return None
    if ratio < median / FLOW_FACTOR:
        return "vanishing"
    if ratio > median * FLOW_FACTOR:
        return "exploding"
    return None
