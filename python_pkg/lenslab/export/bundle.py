"""``h.save(path)``: one capture as a portable, versioned ``.lens`` bundle.

A bundle is one file in the safetensors format, so any safetensors reader can open it and no
code or pickle is involved. Its ``__metadata__`` holds one small JSON string,
``lenslab.manifest``: ``format`` ("lenslab"), ``bundle_version``, ``wire_schema_version``, the
lenslab and torch versions, and the name, size and sha256 of the graph.

The graph is UTF-8 JSON stored as the ``uint8`` tensor ``lenslab/graph`` (version 1 kept it in
the header, which safetensors caps at 100 MB: captures over ~118k ops saved but never loaded):
``wire`` (the graph the browser draws, ``export/schema.py``), ``trace`` and ``derived``
(everything needed to rebuild each ``LayerPass`` and every lookup key, ``export/codec.py``),
``tensors`` (op position -> tensor names), ``digests`` (the sha256 of every tensor, checked
when the tensor is first read) and ``encoded`` (tensors stored as raw bytes -> their dtype,
``export/tensorfile.py``). A saved value that cannot be stored stops the save with a
``LensError`` naming its op: a bundle never drops a value silently.

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
BUNDLE_VERSION = 2
SUFFIX = ".lens"
MANIFEST_KEY = "lenslab.manifest"
GRAPH_KEY = "lenslab.graph"  # version 1: the graph in the header's metadata
GRAPH_TENSOR = "lenslab/graph"  # version 2: the graph as a uint8 tensor


def bundle_path(path: str | os.PathLike[str]) -> Path:
    target = Path(path).expanduser()
    return target if target.suffix == SUFFIX else target.with_name(target.name + SUFFIX)


def lenslab_version() -> str:
    try:
        return importlib_metadata.version("lenslab")
    except importlib_metadata.PackageNotFoundError:
        return "0+unknown"


def save_bundle(
    source: CaptureSource, path: str | os.PathLike[str], *, strip_paths: bool = False
) -> Path:
    """Writes a capture to ``path`` (``.lens`` added when missing); returns the path.

    ``strip_paths=True`` shortens every source file name to its base name (``model.py``), so
    the bundle does not reveal the author's directories.
    """
    from ..trace.record import as_capture

    capture = as_capture(source)
    target = bundle_path(path)
    graph, tensors = bundle_part(capture)
    return write_bundle(target, graph, tensors, [capture] if strip_paths else [])


Tensors = dict[str, Callable[[], torch.Tensor]]


def bundle_part(capture: Capture, prefix: str = "") -> tuple[dict[str, Any], Tensors]:
    """One capture's part of a bundle's graph (``wire``, ``trace``, ``derived``, ``tensors``,
    ``encoded``, ``digests``) and its tensors, named ``prefix + "activation/<op>"``."""
    from .wire import to_wire

    tensors, names, encoded = _tensors(capture, prefix)
    graph = {
        "wire": to_wire(capture, source_text=True),
        "trace": encode_trace(capture.trace),
        "derived": encode_derived(capture.derived),
        "tensors": names,
        "encoded": encoded,
        "digests": {name: tensorfile.digest(get()) for name, get in tensors.items()},
    }
    return graph, tensors


def write_bundle(
    target: Path,
    graph: dict[str, Any],
    tensors: Tensors,
    strip: list[Capture],
    kind: str | None = None,
) -> Path:
    """Writes ``graph`` (as the graph tensor) and ``tensors``; ``strip``: captures whose source
    file names lose their directories; ``kind`` goes in the manifest (``"compare"``)."""
    if target.is_dir():
        raise LensError(f"{target} is a directory; give a file name for the bundle")
    try:
        graph_text = json.dumps(graph, separators=(",", ":"), allow_nan=False)
    except ValueError as exc:
        raise LensError(f"cannot save this capture: {exc}") from exc
    for capture in strip:
        graph_text = _strip_paths(graph_text, capture)
    graph_bytes = graph_text.encode()
    manifest = {
        "format": FORMAT,
        "bundle_version": BUNDLE_VERSION,
        "wire_schema_version": SCHEMA_VERSION,
        "lenslab_version": lenslab_version(),
        "torch_version": torch.__version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "graph": {
            "tensor": GRAPH_TENSOR,
            "bytes": len(graph_bytes),
            "sha256": hashlib.sha256(graph_bytes).hexdigest(),
        },
    }
    if kind is not None:
        manifest["kind"] = kind
    graph_tensor = torch.frombuffer(bytearray(graph_bytes), dtype=torch.uint8)
    everything = {GRAPH_TENSOR: lambda: graph_tensor, **tensors}
    head = tensorfile.header(everything, {MANIFEST_KEY: json.dumps(manifest)})
    if len(head) > tensorfile.MAX_HEADER:
        raise LensError(
            f"this capture saves {len(tensors)} tensors, more than one bundle can index "
            f"({len(head)} header bytes, at most {tensorfile.MAX_HEADER}). Save fewer layers "
            "(lens(..., save=[...])) or use lenslab's extract for many activations."
        )
    return _write_atomically(target, lambda out: tensorfile.write(out, everything, head))


def _strip_paths(graph_text: str, capture: Capture) -> str:
    """``graph_text`` with every source file's directories removed, wherever it appears."""
    trace = capture.trace
    codes = [op.code for op in trace.ops] + [c.code for c in trace.calls]
    codes += [code for code, _ in trace.bool_sites.values()]
    files = {code.co_filename for code in codes if code is not None}
    for name in sorted(files, key=len, reverse=True):  # longest first: no partial replacement
        base = os.path.basename(name)
        if base != name:
            graph_text = graph_text.replace(json.dumps(name)[1:-1], json.dumps(base)[1:-1])
    return graph_text


def _tensors(
    capture: Capture, prefix: str = ""
) -> tuple[dict[str, Callable[[], torch.Tensor]], dict[str, dict[str, str]], dict[str, str]]:
    """Storable tensors by name, names per op position, and the dtype of those stored as bytes.

    A value that cannot be stored raises (``tensorfile.storable``)."""
    store = capture.trace.store
    tensors: dict[str, Callable[[], torch.Tensor]] = {}
    names: dict[str, dict[str, str]] = {}
    encoded: dict[str, str] = {}
    for layer in capture.layers:
        i = layer.index
        kinds = (("activation", store.checked(i, layer.label)), ("grad", store.grads.get(i)))
        for kind, value in kinds:
            if value is None:
                continue
            t, dtype = tensorfile.storable(value, f"the {kind} of {layer.label}")
            name = f"{prefix}{kind}/{i}"
            tensors[name] = lambda t=t: t  # type: ignore[misc]  # bound per tensor
            names.setdefault(str(i), {})[kind] = name
            if dtype is not None:
                encoded[name] = dtype
    return tensors, names, encoded


def _write_atomically(target: Path, write: Callable[[Any], None]) -> Path:
    """Writes through a temporary file renamed over ``target``; returns the path written.

    ``..`` is resolved first (``save("sub/../x")`` writes ``./x`` and creates no ``sub/``),
    and folders this call created are removed again if the write fails.
    """
    parent = target.parent.resolve()
    created = [p for p in (parent, *parent.parents) if not p.exists()]
    parent.mkdir(parents=True, exist_ok=True)
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
        try:
            with os.fdopen(fd, "wb") as out:
                write(out)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temp, 0o644)
            os.replace(temp, parent / target.name)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temp)
            raise
    except BaseException:
        for folder in created:  # innermost first
            with contextlib.suppress(OSError):
                folder.rmdir()
        raise
    return parent / target.name
