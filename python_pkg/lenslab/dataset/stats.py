"""``lenslab.dataset_stats``: per-layer statistics streamed over every input, in one pass.

Each kept activation is reduced to a small summary *during* the capture (the summary is the
``postfunc``), so only summaries are held, never activations. Summaries merge across batches
with Chan et al.'s parallel update of count, mean and sum of squared deviations, in float64,
which stays accurate where a running sum of squares would cancel.

Units: the channel axis (axis 1) of outputs with 2 or 4+ dimensions, the last axis of
3-dimensional ones (tokens x features); a unit is *never active* if it was never above 0.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import torch

from ..api import lens
from ..errors import LensError
from ..history import ModelHistory
from ..selection import as_keys
from .batches import Source
from .progress import progress_bar

if TYPE_CHECKING:
    import pandas

STATS = ("mean", "std", "min", "max", "frac_zero", "frac_never_active")


@dataclass
class _Summary:
    count: int
    mean: float
    m2: float  # sum of squared deviations from the mean
    low: float
    high: float
    zeros: int
    unit_max: torch.Tensor | None  # per unit, float64

    def merge(self, other: _Summary) -> None:
        n = self.count + other.count
        delta = other.mean - self.mean
        self.mean += delta * other.count / n
        self.m2 += other.m2 + delta * delta * self.count * other.count / n
        self.count = n
        self.low, self.high = min(self.low, other.low), max(self.high, other.high)
        self.zeros += other.zeros
        if self.unit_max is None or other.unit_max is None:
            self.unit_max = None
        elif self.unit_max.shape == other.unit_max.shape:
            self.unit_max = torch.maximum(self.unit_max, other.unit_max)
        else:  # units changed between batches (a variable length axis): not comparable
            self.unit_max = None


def summarize(tensor: torch.Tensor) -> _Summary | None:
    """One batch's summary of one activation (``None`` for empty or complex tensors)."""
    if tensor.numel() == 0 or tensor.is_complex() or tensor.is_sparse:
        return None
    x = tensor.detach().to(torch.float64)
    mean = float(x.mean())
    summary = _Summary(
        count=x.numel(),
        mean=mean,
        m2=float(((x - mean) ** 2).sum()),
        low=float(x.min()),
        high=float(x.max()),
        zeros=int((tensor == 0).sum()),
        unit_max=None,
    )
    if x.dim() >= 2:
        axis = x.dim() - 1 if x.dim() == 3 else 1
        others = [d for d in range(x.dim()) if d != axis]
        summary.unit_max = x.amax(dim=others).cpu()
    return summary


@dataclass
class DatasetStats(Mapping[str, dict[str, float]]):
    """Label -> ``{"mean", "std", "min", "max", "frac_zero", "units", "never_active",
    "frac_never_active", "count"}``; ``history`` is the first batch's capture (for the graph)."""

    history: ModelHistory
    num_inputs: int
    _summaries: dict[str, _Summary] = field(default_factory=dict)

    def __getitem__(self, label: str) -> dict[str, float]:
        if label not in self._summaries:
            label = self.history[label].label  # any key h[key] accepts
        return _row(self._summaries[label])

    def __iter__(self) -> Iterator[str]:
        return iter(self._summaries)

    def __len__(self) -> int:
        return len(self._summaries)

    def scores(self, stat: str = "mean") -> dict[str, float]:
        """``{label: value}`` of one statistic (what ``h.show(stats=...)`` colours by)."""
        if stat not in STATS:
            raise LensError(f"unknown statistic {stat!r}; one of: {', '.join(STATS)}.")
        values = {label: _row(s)[stat] for label, s in self._summaries.items()}
        return {label: v for label, v in values.items() if not math.isnan(v)}  # no units: left out

    def rows(self) -> dict[str, dict[str, float]]:
        """Every statistic of every label (what the inspector lists for a selected op)."""
        return {label: _row(s) for label, s in self._summaries.items()}

    def to_pandas(self) -> pandas.DataFrame:
        import pandas

        rows = [{"label": label, **self[label]} for label in self._summaries]
        return pandas.DataFrame(rows).set_index("label")

    def __repr__(self) -> str:
        return f"<DatasetStats {len(self)} layer passes over {self.num_inputs} inputs>"


def _row(s: _Summary) -> dict[str, float]:
    units = float(s.unit_max.numel()) if s.unit_max is not None else float("nan")
    never = float((s.unit_max <= 0).sum()) if s.unit_max is not None else float("nan")
    return {
        "mean": s.mean,
        "std": (s.m2 / s.count) ** 0.5,
        "min": s.low,
        "max": s.high,
        "frac_zero": s.zeros / s.count,
        "units": units,
        "never_active": never,
        "frac_never_active": never / units if units else float("nan"),
        "count": float(s.count),
    }


def dataset_stats(
    model: torch.nn.Module,
    data: Any,
    *,
    layers: Any = None,
    batch_size: int | None = None,
    kwargs: dict[str, Any] | None = None,
    progress: bool = True,
) -> DatasetStats:
    """Per-layer mean, std, min, max, fraction of zeros and units never active over every
    input in ``data`` (as in ``extract``); ``layers`` as in ``save`` (default: every pass).
    One pass over the data; memory bounded by one batch's activations, one at a time."""
    keys = as_keys(layers)
    source = Source(data, batch_size)
    result: DatasetStats | None = None
    for batch in progress_bar(source.batches(lambda _: True), source.num_batches, progress, 0):
        if result is None:
            save: Any = keys if keys is not None else "all"
            history = lens(model, batch.inputs, kwargs=kwargs, save=save, postfunc=summarize)
            result = DatasetStats(history, 0)
        else:
            try:
                history = result.history.rerun(batch.inputs, kwargs=kwargs)
            except LensError as exc:
                raise LensError(f"batch {batch.number}: {exc}") from exc
        _add(result, history)
        result.num_inputs += batch.size
    if result is None:
        raise LensError(f"data ({source.kind}) gave no batches: nothing to run the model on.")
    return result


def _add(result: DatasetStats, history: ModelHistory) -> None:
    for layer in history:
        summary = layer.activation
        if not isinstance(summary, _Summary):
            continue
        known = result._summaries.get(layer.label)  # noqa: SLF001  (its own class)
        if known is None:
            result._summaries[layer.label] = summary  # noqa: SLF001
        else:
            known.merge(summary)
