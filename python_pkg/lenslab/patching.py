"""Activation patching (causal tracing) in one call: ``lenslab.patch_activations``.

Run the model on a clean and a corrupted input; then, for each chosen op, run the corrupted
input again with that op's output replaced by its clean value, and measure an output metric.
``effect`` is the share of the clean-vs-corrupted gap that patching this op alone restores
(1: all of it, 0: none). With ``positions=`` each op is patched one position (token) at a time
along ``dim``: the classic causal-tracing heatmap, ``result.grid()`` (label x position). Each
patched run is one capture that saves nothing, with the model's RNG state and buffers put back
before it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import torch

from .api import lens
from .arguments import split_inputs
from .capture import OP, ActivationStore, run_forward
from .capture.flatten import iter_tensors
from .capture.intervene import Replacement, Target
from .compare.match import match_ops
from .errors import LensError
from .history import ModelHistory
from .interventions import untouched

if TYPE_CHECKING:
    import pandas

Metric = Callable[[Any], Any]
Positions = str | Sequence[int] | None  # None: whole outputs; "all" or indexes along ``dim``


@dataclass(frozen=True)
class Patch:
    """One patched op (or one position of it): its label in the corrupted run, module, metric
    and effect; ``position`` is the index along ``dim`` that was patched (``None``: all)."""

    index: int
    label: str
    module: str
    metric: float
    effect: float
    position: int | None = None


class PatchingResult:
    """The metric after patching each op, with the clean and corrupted runs it came from."""

    def __init__(
        self,
        clean: ModelHistory,
        corrupted: ModelHistory,
        base: tuple[float, float],
        rows: list[Patch],
    ) -> None:
        self.clean = clean
        self.corrupted = corrupted
        self.clean_metric, self.corrupted_metric = base
        self.rows = rows

    @property
    def scores(self) -> dict[str, float]:
        """Label -> effect, for overlays (``h.show(overlay=...)`` style); per-position sweeps
        give each op its strongest position's effect."""
        return {self.corrupted.capture.derived.labels[i]: e for i, e in self._per_op().items()}

    def to_pandas(self) -> pandas.DataFrame:
        """One row per patched run: ``label``, ``module``, ``metric``, ``effect`` (and
        ``position`` after ``label`` for per-position sweeps)."""
        import pandas

        if any(r.position is not None for r in self.rows):
            columns = ["label", "position", "module", "metric", "effect"]
            data = [[r.label, r.position, r.module, r.metric, r.effect] for r in self.rows]
            return pandas.DataFrame(data, columns=columns)
        columns = ["label", "module", "metric", "effect"]
        data = [[r.label, r.module, r.metric, r.effect] for r in self.rows]
        return pandas.DataFrame(data, columns=columns)

    def grid(self, value: str = "effect", *, rows: str = "label") -> pandas.DataFrame:
        """A per-position sweep as a table: one row per op (execution order), one column per
        position, ``effect`` (or ``metric``) in each cell; NaN where a position was not patched.
        ``rows="module"`` names each row by the module whose output was patched
        (``"transformer.h.0"``) instead of the op's label."""
        if value not in ("effect", "metric"):
            raise LensError(f"grid(value={value!r}): use 'effect' or 'metric'")
        if rows not in ("label", "module"):
            raise LensError(f"grid(rows={rows!r}): use 'label' or 'module'")
        if not any(r.position is not None for r in self.rows):
            raise LensError(
                "grid() needs a per-position sweep: patch_activations(..., positions='all')"
            )
        table = self.to_pandas().pivot(index="label", columns="position", values=value)
        order = list(dict.fromkeys(r.label for r in self.rows))
        table = table.reindex(order).rename_axis(index="label", columns="position")
        if rows == "label":
            return table
        names = {r.label: r.module or r.label for r in self.rows}
        if len(set(names.values())) < len(names):
            raise LensError(
                "grid(rows='module'): several patched ops share a module; use rows='label'"
            )
        return table.rename(index=names).rename_axis(index="module")

    def show(self, **view_options: Any) -> Any:
        """The corrupted run's graph coloured by each patched op's effect (its strongest
        position's, for per-position sweeps)."""
        from .widget.compare import ScoresWidget

        return ScoresWidget(self.corrupted, self._per_op(), "patching effect", **view_options)

    def _per_op(self) -> dict[int, float]:
        best: dict[int, float] = {}
        for row in self.rows:
            old = best.get(row.index, math.nan)
            if math.isnan(old) or (not math.isnan(row.effect) and row.effect > old):
                best[row.index] = row.effect
        return best

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.show()._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        best = max(self.rows, key=lambda r: r.effect if not math.isnan(r.effect) else -math.inf)
        return (
            f"<PatchingResult {len(self.rows)} ops patched; metric clean {self.clean_metric:.4g}, "
            f"corrupted {self.corrupted_metric:.4g}; strongest {best.label} ({best.effect:.3f})>"
            if self.rows
            else "<PatchingResult: no op patched>"
        )


def patch_activations(
    model: torch.nn.Module,
    clean: Any,
    corrupted: Any,
    metric: Metric,
    *,
    at: Sequence[str | int] | None = None,
    positions: Positions = None,
    dim: int = 1,
    kwargs: dict[str, Any] | None = None,
) -> PatchingResult:
    """Patch the clean activation of each op in ``at`` into the corrupted run, one at a time.

    ``metric(model_output) -> float`` scores a run (e.g. the logit of the right answer).
    ``at``: keys as for ``lens`` (labels, module addresses); by default every module's output.
    ``positions``: ``None`` patches an op's whole output; ``"all"`` or a list of indexes
    (negative count from the end) patches one position along ``dim`` at a time (``dim=1``:
    the token axis of a ``(batch, seq, hidden)`` activation), a row per op and position, and
    ``result.grid()`` is the label x position table.
    """
    h_clean, h_bad = lens(model, clean, kwargs=kwargs), lens(model, corrupted, kwargs=kwargs)
    base = (_score(metric, h_clean), _score(metric, h_bad))
    pairs = {j: i for i, j in match_ops(h_bad.capture, h_clean.capture).items()}
    args, call_kwargs = split_inputs(corrupted, kwargs)
    rows: list[Patch] = []
    for index in _sites(h_bad, at):
        clean_index = pairs.get(index)
        layer = h_bad[index]
        value = h_clean[clean_index].activation if clean_index is not None else None
        if not isinstance(value, torch.Tensor) or tuple(value.shape) != layer.shape:
            continue  # nothing clean to patch in (the clean run has no such op)
        name = h_bad.capture.trace.ops[index].name
        for position, replacement in _replacements(value, positions, dim, layer, at is None):
            score = _patched(
                model,
                args,
                call_kwargs,
                {index: Target(layer.label, layer, name, replacement)},
                metric,
            )
            gap = base[0] - base[1]
            effect = (score - base[1]) / gap if gap != 0 else math.nan
            rows.append(Patch(index, layer.label, layer.module or "", score, effect, position))
    return PatchingResult(h_clean, h_bad, base, rows)


def _replacements(
    clean: torch.Tensor, positions: Positions, dim: int, layer: Any, lenient: bool
) -> list[tuple[int | None, Replacement]]:
    """What to put in place of an op's output: its clean value, or per position the corrupted
    value with that one slice along ``dim`` taken from the clean run."""
    if positions is None:
        return [(None, clean)]
    if not -clean.dim() <= dim < clean.dim():
        if lenient:
            return []  # the default sites: ops without that axis are not per-position sites
        raise LensError(
            f"patch_activations(dim={dim}): {layer.label} has shape {tuple(clean.shape)}, "
            f"no axis {dim}; choose ops with that axis in at= or another dim="
        )
    size = clean.shape[dim]
    wanted = range(size) if isinstance(positions, str) and positions == "all" else positions
    if isinstance(wanted, str):
        raise LensError(f"patch_activations(positions={positions!r}): use 'all' or a list of ints")
    out: list[tuple[int | None, Replacement]] = []
    for p in wanted:
        if not -size <= p < size:
            raise LensError(
                f"patch_activations(positions=...): position {p} is outside {layer.label}'s "
                f"axis {dim} of size {size}"
            )
        out.append((p % size, _splice(clean, dim, p % size)))
    return out


def _splice(clean: torch.Tensor, dim: int, position: int) -> Replacement:
    """f(activation, layer): the corrupted activation with ``position`` along ``dim`` clean."""
    piece = clean.detach().narrow(dim, position, 1)

    def patch(activation: torch.Tensor, _layer: Any) -> torch.Tensor:
        out = activation.detach().clone()
        out.narrow(dim, position, 1).copy_(piece.to(out.device, out.dtype))
        return out

    return patch


def _sites(h: ModelHistory, at: Sequence[str | int] | None) -> list[int]:
    if at is None:
        found = {h[a].index for a, m in h.modules.items() if a and m.num_calls == 1 and a in h}
    else:
        found = set()
        for key in at:
            try:
                found.add(h[key].index)
            except KeyError as exc:
                raise LensError(f"patch_activations(at=...): {exc}") from None
    ops = h.capture.trace.ops
    return sorted(i for i in found if ops[i].kind == OP)


def _patched(
    model: torch.nn.Module,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    targets: dict[int, Target],
    metric: Metric,
) -> float:
    store = ActivationStore(save_all=False, postfunc=None, device=None, grads=False)
    with untouched(model):
        _, out = run_forward(model, args, kwargs, store, targets=targets)
    return _apply(metric, [t.detach() for _, t in iter_tensors(out)])


def _score(metric: Metric, h: ModelHistory) -> float:
    return _apply(metric, [o.activation for o in h.outputs])


def _apply(metric: Metric, outputs: list[Any]) -> float:
    """``metric`` gets the output tensor, or the list of them when the model returns several."""
    try:
        return float(metric(outputs[0] if len(outputs) == 1 else outputs))
    except Exception as exc:
        raise LensError(
            f"patch_activations: metric failed on the model's output ({exc!r}); it gets the "
            "output tensor (or a list of output tensors) and must return a number."
        ) from exc
