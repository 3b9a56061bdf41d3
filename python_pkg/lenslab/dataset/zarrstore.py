"""``extract(..., to=path)``: one zarr (v3) array per key, chunked along the inputs.

The root group's ``lenslab`` attribute holds what wrote the store (layers, model, options:
the *fingerprint*), each array's label and per-input shape. A batch counts as written only
once its flag in the ``_done`` array is set, after its data: a crash or SIGKILL at any point
leaves batches that a rerun of the same call writes again, and never a batch that looks done
but is not. Under ``RANK``/``WORLD_SIZE``, rank 0 creates the arrays; batch ``b`` fills chunk
``b`` of every array (chunks are one batch long) and flag ``b``, so processes never share a
chunk.
"""

from __future__ import annotations

import contextlib
import os
import pathlib
import time
from collections.abc import Iterator
from typing import Any

import numpy as np

from ..errors import LensError
from .batches import Batch
from .shard import Shard

FORMAT = 1
DONE = "_done"
WAIT_S = 600.0  # how long other ranks wait for rank 0 to create the store


@contextlib.contextmanager
def _named(path: pathlib.Path) -> Iterator[None]:
    """Disk full, read-only, permission denied: a ``LensError`` that names the store."""
    try:
        yield
    except OSError as exc:
        raise LensError(
            f"could not write the store at {path}: {exc.strerror or exc}. Batches already "
            "written are kept; fix the cause (space, permissions) and rerun the same call to "
            "resume, or pass another to= path."
        ) from exc


class ZarrSink:
    """Writes batches into the store at ``path``; knows which batches are already done."""

    def __init__(self, path: str | os.PathLike[str], fingerprint: dict[str, Any], shard: Shard):
        import zarr  # imported on use: only extract(to=...) needs it

        self.path = pathlib.Path(path).expanduser().absolute()
        self.fingerprint = fingerprint
        self.shard = shard
        self._zarr: Any = zarr
        with _named(self.path):
            self._check_path()
            self.group: Any = zarr.open_group(str(self.path), mode="a", zarr_format=3)
        meta = _meta(self.group)
        self.ready = bool(meta and meta.get("ready"))
        if meta is not None and self.ready:
            self._check_fingerprint(meta)

    def _check_path(self) -> None:
        path = self.path
        if path.exists() and not path.is_dir():
            raise LensError(f"to={str(path)!r} is a file; extract writes a zarr store (a folder).")
        if path.is_dir() and any(path.iterdir()) and not (path / "zarr.json").exists():
            raise LensError(
                f"to={str(path)!r} is a folder that holds other files, not a lenslab store; "
                "pass a new or empty path."
            )
        path.mkdir(parents=True, exist_ok=True)
        if not os.access(path, os.W_OK):
            raise LensError(f"to={str(path)!r} is not writable; pass a path you can write to.")

    def _check_fingerprint(self, meta: dict[str, Any]) -> None:
        before = meta.get("fingerprint", {})
        differ = [
            k
            for k in sorted({*before, *self.fingerprint})
            if before.get(k) != self.fingerprint.get(k)
        ]
        if differ:
            what = "; ".join(
                f"{k}: store has {before.get(k)!r}, this call {self.fingerprint.get(k)!r}"
                for k in differ
            )
            raise LensError(
                f"the store at {self.path} was written by a different extract call ({what}). "
                "Mixing them would give arrays whose inputs mean different things: pass another "
                "to= path, or delete this one to start over."
            )

    def done(self) -> set[int]:
        """Batches whose data is complete."""
        if not self.ready:
            return set()
        flags = self.group[DONE][:]
        return {int(b) for b in np.flatnonzero(flags)}

    def prepare(
        self,
        plan_labels: dict[str, str],
        first: dict[str, np.ndarray[Any, Any]],
        *,
        num_items: int | None,
        num_batches: int | None,
        chunk: int,
    ) -> None:
        """Create the arrays (rank 0) or wait until rank 0 has (other ranks)."""
        if self.ready:
            self._check_shapes(first, "the store")
            return
        if self.shard.rank != 0:
            self.wait_ready()
            self._check_shapes(first, "the store")
            return
        items = num_items if num_items is not None else 0
        with _named(self.path):
            for name, value in first.items():
                self.group.create_array(
                    name,
                    shape=(items, *value.shape[1:]),
                    chunks=(chunk, *value.shape[1:]),
                    dtype=value.dtype,
                    fill_value=0,
                    overwrite=True,
                )
            self.group.create_array(
                DONE,
                shape=(num_batches or 0,),
                chunks=(1,),
                dtype="uint8",
                fill_value=0,
                overwrite=True,
            )
            self.group.attrs["lenslab"] = {
                "format": FORMAT,
                "fingerprint": self.fingerprint,
                "labels": plan_labels,
                "shapes": {name: list(v.shape[1:]) for name, v in first.items()},
                "dtypes": {name: str(v.dtype) for name, v in first.items()},
                "ready": True,
            }
        self.ready = True

    def wait_ready(self) -> None:
        deadline = time.monotonic() + WAIT_S
        while time.monotonic() < deadline:
            meta = _meta(self._zarr.open_group(str(self.path), mode="r", zarr_format=3))
            if meta is not None and meta.get("ready"):
                self._check_fingerprint(meta)
                self.group = self._zarr.open_group(str(self.path), mode="a", zarr_format=3)
                self.ready = True
                return
            time.sleep(0.2)
        raise LensError(
            f"rank {self.shard.rank} waited {WAIT_S:.0f} s for rank 0 to create the store at "
            f"{self.path}; is rank 0 running the same call?"
        )

    def _check_shapes(self, arrays: dict[str, np.ndarray[Any, Any]], where: str) -> None:
        shapes = self._stored()["shapes"]
        for name, value in arrays.items():
            if name not in shapes or list(value.shape[1:]) != shapes[name]:
                raise LensError(
                    f"layers: {name!r} has per-input shape {tuple(value.shape[1:])} but {where} "
                    f"at {self.path} holds {tuple(shapes.get(name, ()))}."
                )

    def write(self, batch: Batch, arrays: dict[str, np.ndarray[Any, Any]]) -> None:
        """The batch's data, then its done flag."""
        self._check_shapes(arrays, f"batch {batch.number} differs from the first batch:")
        end = batch.start + batch.size
        with _named(self.path):
            for name, value in arrays.items():
                target = self.group[name]
                if target.shape[0] < end:  # an iterable of unknown length: grow as it goes
                    target.resize((end, *target.shape[1:]))
                target[batch.start : end] = value
            done = self.group[DONE]
            if done.shape[0] <= batch.number:
                done.resize((batch.number + 1,))
            done[batch.number] = 1

    def _stored(self) -> dict[str, Any]:
        meta = _meta(self.group)
        assert meta is not None, "read only once the store is ready"
        return meta

    def arrays(self) -> dict[str, Any]:
        return {name: self.group[name] for name in self._stored()["labels"]}

    def labels(self) -> dict[str, str]:
        return dict(self._stored()["labels"])


def _meta(group: Any) -> dict[str, Any] | None:
    """The store's ``lenslab`` attribute, ``None`` when it has none (yet)."""
    meta = group.attrs.get("lenslab")
    return dict(meta) if isinstance(meta, dict) else None
