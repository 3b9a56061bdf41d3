"""``lenslab.extract``: chosen layers' activations for many inputs, in memory or into a store."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import torch

from ..api import lens
from ..errors import LensError
from ..selection import as_keys
from .batches import Batch, Source
from .plan import Plan
from .progress import progress_bar
from .shard import Shard
from .zarrstore import ZarrSink


class Extraction(Mapping[str, Any]):
    """Array name -> array whose first axis indexes the inputs (numpy in memory, zarr arrays
    with ``to=``); ``labels`` gives each array's layer label."""

    def __init__(self, arrays: dict[str, Any], labels: dict[str, str], path: str | None) -> None:
        self._arrays = arrays
        self.labels = labels
        self.path = path

    def __getitem__(self, name: str) -> Any:
        return self._arrays[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._arrays)

    def __len__(self) -> int:
        return len(self._arrays)

    def to_xarray(self) -> Any:
        """An ``xarray.Dataset``: one variable per array, sharing the ``input`` dimension."""
        import xarray  # optional: only this method needs it

        variables = {}
        for name, array in self._arrays.items():
            dims = ["input", *(f"{name}_dim{i}" for i in range(1, array.ndim))]
            variables[name] = xarray.Variable(dims, np.asarray(array), {"label": self.labels[name]})
        return xarray.Dataset(variables)

    def __repr__(self) -> str:
        shapes = ", ".join(f"{k}: {tuple(v.shape)}" for k, v in self._arrays.items())
        where = f" at {self.path}" if self.path else ""
        return f"<Extraction{where} {shapes}>"


def extract(
    model: torch.nn.Module,
    data: Any,
    layers: Any,
    *,
    kwargs: dict[str, Any] | None = None,
    batch_size: int | None = None,
    postfunc: Callable[[torch.Tensor], Any] | None = None,
    to: str | os.PathLike[str] | None = None,
    progress: bool = True,
) -> Extraction:
    """Run ``model`` over every input in ``data`` and keep ``layers`` (keys as in ``save``).

    ``data``: a tensor (split along its first axis into batches of ``batch_size``), a
    ``Dataset``, a ``DataLoader`` or an iterable of batches; a batch is a tensor, a tuple of
    positional arguments or a dict of keyword arguments. ``postfunc`` is applied to each kept
    batch activation before it is stored and must keep the first (inputs) axis. With
    ``to=path`` the arrays stream into a zarr store (memory bounded by one batch); rerunning
    the same call resumes an interrupted one, and under ``torchrun`` (``RANK``/``WORLD_SIZE``)
    each process writes its share of the batches into the same store.
    """
    keys = as_keys(layers)
    if keys is None:
        raise LensError(
            'layers must name what to keep (keys, substrings, callables), not "all"/None.'
        )
    source = Source(data, batch_size)
    shard = Shard.from_env()
    sink: ZarrSink | None = None
    if to is not None:
        if shard.world > 1 and not source.aligned:
            raise LensError(
                f"under WORLD_SIZE={shard.world}, data must have a known length and fixed batch "
                f"size (a tensor, a Dataset, or a DataLoader without drop_last); got {source.kind}."
            )
        sink = ZarrSink(to, _fingerprint(model, keys, source, postfunc, kwargs), shard)
    done = sink.done() if sink is not None else set()
    wanted = (lambda b: shard.owns(b) and b not in done) if to is not None else (lambda b: True)
    run = _Run(model, keys, kwargs, postfunc)
    chunks: dict[str, list[np.ndarray[Any, Any]]] = {}
    total = _todo(source, shard, done) if to is not None else source.num_batches
    for batch in progress_bar(source.batches(wanted), total, progress, shard.rank):
        arrays = run.batch(batch)
        if sink is None:
            for name, value in arrays.items():
                chunks.setdefault(name, []).append(value)
            continue
        if not sink.ready:
            sink.prepare(
                run.plan_labels(),
                arrays,
                num_items=source.num_items,
                num_batches=source.num_batches,
                chunk=source.batch_size or batch.size,
            )
        sink.write(batch, arrays)
    if sink is not None:
        if not sink.ready and shard.rank != 0:
            sink.wait_ready()  # this rank had no batch of its own: rank 0 creates the store
        if not sink.ready:
            raise LensError(f"no batch was written to {sink.path}: data gave no batches.")
        return Extraction(sink.arrays(), sink.labels(), str(sink.path))
    if not chunks:
        raise LensError(f"data ({source.kind}) gave no batches: nothing to run the model on.")
    arrays_out = {name: np.concatenate(parts) for name, parts in chunks.items()}
    return Extraction(arrays_out, run.plan_labels(), None)


class _Run:
    """The first batch plans the arrays; later batches rerun its graph (strict)."""

    def __init__(self, model: torch.nn.Module, keys: list[Any], kwargs: Any, postfunc: Any) -> None:
        self.model, self.keys, self.kwargs, self.postfunc = model, keys, kwargs, postfunc
        self.plan: Plan | None = None

    def plan_labels(self) -> dict[str, str]:
        assert self.plan is not None
        return self.plan.labels

    def batch(self, batch: Batch) -> dict[str, np.ndarray[Any, Any]]:
        if self.plan is None:
            history = lens(
                self.model, batch.inputs, kwargs=self.kwargs, save=self.keys, postfunc=self.postfunc
            )
            self.plan = Plan.of(history, self.keys)
            return self.plan.take(history, batch)
        try:
            history = self.plan.history.rerun(batch.inputs, kwargs=self.kwargs)
        except LensError as exc:
            raise LensError(
                f"batch {batch.number} (inputs {batch.start}..{batch.start + batch.size - 1}): {exc}"
            ) from exc
        return self.plan.take(history, batch)


def _todo(source: Source, shard: Shard, done: set[int]) -> int | None:
    if source.num_batches is None:
        return None
    return sum(1 for b in range(source.num_batches) if shard.owns(b) and b not in done)


def _fingerprint(
    model: torch.nn.Module, keys: list[Any], source: Source, postfunc: Any, kwargs: Any
) -> dict[str, Any]:
    """What must match for a rerun to continue a store: changing any of it is a new store."""
    with torch.no_grad():
        weights = sum(float(p.detach().double().sum()) for p in model.parameters())
    return {
        "model_type": type(model).__name__,
        "num_params": sum(p.numel() for p in model.parameters()),
        "weights_sum": round(weights, 6),
        "layers": [_key_name(k) for k in keys],
        "postfunc": _key_name(postfunc) if postfunc is not None else None,
        "kwargs": sorted(kwargs) if kwargs else [],
        "num_items": source.num_items,
        "batch_size": source.batch_size,
    }


def _key_name(key: Any) -> Any:
    if isinstance(key, (str, int)):
        return key
    return getattr(key, "__qualname__", type(key).__name__)
