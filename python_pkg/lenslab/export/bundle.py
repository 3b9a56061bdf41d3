"""``h.save(path)``: one capture as a portable, versioned ``.lens`` bundle.

A bundle is one file in the safetensors format, so any safetensors reader can open it and no
code or pickle is involved. Its ``__metadata__`` holds two JSON strings:

- ``lenslab.manifest``: ``format`` ("lenslab"), ``bundle_version``, ``wire_schema_version``,
  the lenslab and torch versions, the size and sha256 of the graph text and the sha256 of
  every tensor (checked when the tensor is first read);
- ``lenslab.graph``: ``wire`` (the graph the browser draws, ``export/schema.py``), ``trace``
  and ``derived`` (everything needed to rebuild each ``LayerPass`` and every lookup key,
  ``export/codec.py``), ``tensors`` (op position -> tensor names) and ``skipped`` (saved values
  that are not storable tensors, with the reason).

Tensors are named ``activation/<op>`` and ``grad/<op>``. The file is written next to its
destination under a temporary name and renamed over it, so a crash never leaves half a bundle
where a good one was.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any

import torch

from ..errors import LensError
from . import tensorfile
from .codec import encode_derived, encode_trace
from .schema import SCHEMA_VERSION

if TYPE_CHECKING:
    from ..trace.record import Capture, CaptureSource

FORMAT = "lenslab"
BUNDLE_VERSION = 1
SUFFIX = ".lens"
MANIFEST_KEY = "lenslab.manifest"
GRAPH_KEY = "lenslab.graph"


def bundle_path(path: str | os.PathLike[str]) -> Path:
    target = Path(path).expanduser()
    return target if target.suffix == SUFFIX else target.with_name(target.name + SUFFIX)


def lenslab_version() -> str:
    try:
        return importlib_metadata.version("lenslab")
    except importlib_metadata.PackageNotFoundError:
        return "0+unknown"


def save_bundle(source: CaptureSource, path: str | os.PathLike[str]) -> Path:
    """Writes a capture to ``path`` (``.lens`` added when missing); returns the path."""
    from ..trace.record import as_capture
    from .wire import to_wire

    capture = as_capture(source)
    target = bundle_path(path)
    if target.is_dir():
        raise LensError(f"{target} is a directory; give a file name for the bundle")
    tensors, names, skipped = _tensors(capture)
    graph = {
        "wire": to_wire(capture),
        "trace": encode_trace(capture.trace),
        "derived": encode_derived(capture.derived),
        "tensors": names,
        "skipped": skipped,
    }
    try:
        graph_text = json.dumps(graph, separators=(",", ":"), allow_nan=False)
    except ValueError as exc:
        raise LensError(f"cannot save this capture: {exc}") from exc
    manifest = {
        "format": FORMAT,
        "bundle_version": BUNDLE_VERSION,
        "wire_schema_version": SCHEMA_VERSION,
        "lenslab_version": lenslab_version(),
        "torch_version": torch.__version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "graph": {
            "bytes": len(graph_text.encode()),
            "sha256": hashlib.sha256(graph_text.encode()).hexdigest(),
        },
        "tensors": {name: tensorfile.digest(get()) for name, get in tensors.items()},
    }
    metadata = {MANIFEST_KEY: json.dumps(manifest), GRAPH_KEY: graph_text}
    _write_atomically(target, lambda out: tensorfile.write(out, tensors, metadata))
    return target


def _tensors(
    capture: Capture,
) -> tuple[dict[str, Callable[[], torch.Tensor]], dict[str, dict[str, str]], dict[str, str]]:
    """Storable tensors by name, names per op position, and why other saved values are not."""
    store = capture.trace.store
    tensors: dict[str, Callable[[], torch.Tensor]] = {}
    names: dict[str, dict[str, str]] = {}
    skipped: dict[str, str] = {}
    for layer in capture.layers:
        i = layer.index
        kinds = (("activation", store.values[i]), ("grad", store.grads.get(i)))
        for kind, value in kinds:
            if value is None:
                continue
            t, why = tensorfile.storable(value)
            if t is None:
                skipped[f"{kind}/{layer.label}"] = why
                continue
            name = f"{kind}/{i}"
            tensors[name] = lambda t=t: t  # type: ignore[misc]  # bound per tensor
            names.setdefault(str(i), {})[kind] = name
    return tensors, names, skipped


def _write_atomically(target: Path, write: Callable[[Any], None]) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temp, 0o644)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
