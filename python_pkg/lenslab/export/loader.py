"""``lenslab.load(path)``: the ``Capture`` in a ``.lens`` bundle (see ``bundle.py``).

The file is opened with ``safetensors.safe_open`` (memory-mapped): the header is read and
checked now, each tensor only when something asks for it, and its sha256 is checked then.
Nothing is unpickled, imported or executed; any inconsistency is a ``BundleError``
(a ``LensError``) that names the field or tensor at fault.
"""

from __future__ import annotations

import hashlib
import json
import os
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import torch

from ..capture import INPUT, OUTPUT, ActivationStore
from ..trace.record import Capture, make_capture
from ..trace.trace import Trace
from . import tensorfile
from .bundle import BUNDLE_VERSION, FORMAT, GRAPH_KEY, MANIFEST_KEY
from .checks import BundleError, Where
from .codec import (
    _Codes,
    decode_calls,
    decode_derived,
    decode_function_calls,
    decode_modules,
    decode_ops,
    decode_profile,
    parse_dtype,
)
from .lazy import LazyGrads, LazyValues, TensorSource

MAX_HEADER = tensorfile.MAX_HEADER
_T = TypeVar("_T")


def load_capture(path: str | os.PathLike[str]) -> Capture:
    """Opens a bundle written by ``h.save(path)`` (``lenslab.load`` wraps it for the user)."""
    return checked(path, _load)


def checked(path: str | os.PathLike[str], read: Callable[[Any], _T]) -> _T:
    """``read(path)``, any malformed field reported as a ``BundleError``."""
    try:
        return read(path)
    except BundleError:
        raise
    except _MALFORMED as exc:
        # Each field is checked on its own; this is where fields disagree with each other.
        raise BundleError(
            f"{path}: the bundle is inconsistent ({type(exc).__name__}: {str(exc)[:200]}); "
            "it was modified or corrupted"
        ) from None


def _load(path: str | os.PathLike[str]) -> Capture:
    graph, source = open_graph(path)
    if graph.get("kind") == "compare":
        raise BundleError(
            f"{path} holds a comparison of two runs (Comparison.save): open it with "
            "lenslab.load_comparison(path)"
        )
    return capture_of(graph, source)


def open_graph(path: str | os.PathLike[str]) -> tuple[dict[str, Any], TensorSource]:
    """A bundle's graph JSON, checked, and its tensors (digests and stored dtypes set)."""
    file = Path(path).expanduser()
    if file.is_dir():
        raise BundleError(f"{file} is a directory; a lenslab bundle is one .lens file")
    if not file.is_file():
        raise BundleError(f"{file} does not exist (or is not a regular file)")
    _check_size(file)
    source = TensorSource.open(file)
    meta = source.metadata
    if MANIFEST_KEY not in meta:
        raise BundleError(f"{file} is a safetensors file but not a lenslab bundle")
    manifest = Where("manifest").obj(_json(meta[MANIFEST_KEY], "manifest"))
    version = _check_manifest(manifest, file)
    graph_text, tensor_names = _graph_text(manifest, version, source, file)
    graph = Where("graph").obj(_json(graph_text, "graph"))
    parts = [graph[k] for k in ("a", "b")] if graph.get("kind") == "compare" else [graph]
    digests: dict[str, Any] = {}
    encoded: dict[str, Any] = {}
    for part in parts:
        where = Where("graph").obj(part)
        if version == 1:  # digests in the manifest, every tensor stored as itself
            digests.update(Where("manifest").obj(Where("manifest").field(manifest, "tensors")))
        else:
            digests.update(Where("graph").obj(Where("graph").field(where, "digests")))
            encoded.update(Where("graph").obj(Where("graph").field(where, "encoded")))
    source.digests = _digests(digests, tensor_names, file)
    source.encoded = {
        name: parse_dtype(Where("graph.encoded").at(name).string(dtype), Where("graph.encoded"))
        for name, dtype in encoded.items()
    }
    return graph, source


def capture_of(graph: dict[str, Any], source: TensorSource) -> Capture:
    """The checked ``Capture`` of one capture's part of a bundle graph."""
    capture = _capture(graph, source)
    _check_consistent(capture)
    return capture


_MALFORMED = (
    KeyError,
    IndexError,
    TypeError,
    ValueError,
    AttributeError,
    RecursionError,
    ZeroDivisionError,
    OverflowError,
)
# Every LayerPass attribute that reads across the trace (activations stay unread).
_CROSS_FIELDS = (
    "label", "layer_label", "short_label", "type", "pass_index", "num_passes", "shape", "dtype",
    "parents", "parent_args", "children", "has_input_ancestor", "module", "module_stack",
    "output_of_modules", "params", "param_shapes", "params_trainable", "buffers", "mutates",
    "flops", "source", "args_summary", "bool_context", "is_terminal_bool",
)  # fmt: skip


def _check_consistent(capture: Capture) -> None:
    """Reads everything a ``ModelHistory`` can show, once, so that a crafted bundle whose
    fields disagree fails here, as a ``BundleError``, not later with a stray ``KeyError``."""
    from ..trace import table

    for layer in capture.layers:
        for name in _CROSS_FIELDS:
            getattr(layer, name)
        if capture.layer(layer.label) is not layer:
            raise BundleError(f"graph: the label {layer.label!r} names another op")
    capture.index.keys()
    table.describe(capture.trace)
    table.summary(capture.trace, list(capture.layers), capture.derived.modules, 3)


def _check_size(file: Path) -> None:
    with file.open("rb") as f:
        head = f.read(8)
    if len(head) < 8:
        raise BundleError(f"{file} is truncated: it ends before the bundle header")
    (size,) = struct.unpack("<Q", head)
    if size > MAX_HEADER or size + 8 > file.stat().st_size:
        raise BundleError(f"{file} is truncated or not a bundle: header of {size} bytes")


def _json(text: str, what: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BundleError(f"the bundle's {what} is not valid JSON: {exc}") from None


def _check_manifest(manifest: dict[str, Any], file: Path) -> int:
    """The bundle version, once the manifest says this lenslab can read the file."""
    where = Where("manifest")
    if manifest.get("format") != FORMAT:
        raise BundleError(f"{file} is not a lenslab bundle (format {manifest.get('format')!r})")
    version = where.at("bundle_version").integer(where.field(manifest, "bundle_version"))
    if version > BUNDLE_VERSION:
        raise BundleError(
            f"{file} was written by a newer lenslab ({manifest.get('lenslab_version')}, bundle "
            f"version {version}); this lenslab reads up to version {BUNDLE_VERSION}: upgrade "
            "lenslab (pip install -U lenslab)"
        )
    if version < 1:
        raise BundleError(f"{file} has bundle version {version}, which no lenslab release wrote")
    return version


def _graph_text(
    manifest: dict[str, Any], version: int, source: TensorSource, file: Path
) -> tuple[str, frozenset[str]]:
    """The graph JSON, checked against its sha256, and the names of the other tensors."""
    where = Where("manifest.graph")
    expected = where.obj(Where("manifest").field(manifest, "graph"))
    if version == 1:
        if GRAPH_KEY not in source.metadata:
            raise BundleError(f"{file} is a safetensors file but not a lenslab bundle")
        raw = source.metadata[GRAPH_KEY].encode()
        names = source.names
    else:
        name = where.at("tensor").string(where.field(expected, "tensor"))
        if name not in source.names:
            raise BundleError(f"{file}: the graph tensor {name!r} is missing")
        raw = source.raw_bytes(name)
        names = source.names - {name}
    if hashlib.sha256(raw).hexdigest() != expected.get("sha256") or len(raw) != expected.get(
        "bytes"
    ):
        raise BundleError(
            f"{file}: the graph does not match its sha256 in the manifest (modified or corrupted)"
        )
    try:
        return raw.decode(), names
    except UnicodeDecodeError:
        raise BundleError(f"{file}: the graph is not UTF-8 text") from None


def _digests(raw: Any, names: frozenset[str], file: Path) -> dict[str, str]:
    where = Where("digests")
    listed = where.obj(raw)
    if set(listed) != names:
        extra = sorted(names - set(listed))[:3] or sorted(set(listed) - names)[:3]
        raise BundleError(f"{file}: tensors and manifest disagree (e.g. {', '.join(extra)})")
    return {k: where.at(k).string(v) for k, v in listed.items()}


def _capture(graph: dict[str, Any], source: TensorSource) -> Capture:
    where = Where("graph")
    raw = where.at("trace").obj(where.field(graph, "trace"))
    at = where.at("trace")
    codes = _Codes()
    ops = decode_ops(at.field(raw, "ops"), at.at("ops"), codes)
    n = len(ops)
    calls = decode_calls(at.field(raw, "calls"), at.at("calls"), codes, n)
    if any(not -1 <= op.module_call < len(calls) for op in ops):
        raise at.at("ops").wrong("ops whose module_call is a known call or -1")
    children: list[list[int]] = [[] for _ in ops]
    for index, op in enumerate(ops):
        for parent in dict.fromkeys(op.parents):
            children[parent].append(index)
    bools = at.at("bool_values")
    sites = at.at("bool_sites")
    trace = Trace(
        model_type=at.at("model_type").string(at.field(raw, "model_type")),
        ops=tuple(ops),
        children=tuple(tuple(c) for c in children),
        calls=tuple(calls),
        function_calls=decode_function_calls(raw.get("function_calls", []), at, n, len(calls)),
        modules=decode_modules(at.field(raw, "modules"), at.at("modules")),
        param_shapes={
            a: torch.Size(at.at("param_shapes").ints(s))
            for a, s in at.at("param_shapes").obj(at.field(raw, "param_shapes")).items()
        },
        param_trainable={
            a: at.at("param_trainable").boolean(v)
            for a, v in at.at("param_trainable").obj(at.field(raw, "param_trainable")).items()
        },
        store=_store(at.at("store").obj(at.field(raw, "store")), graph, source, n),
        bool_values={
            bools.indexes([r[0]], n)[0]: bools.boolean(r[1])
            for r in (bools.record(x, 2) for x in bools.array(at.field(raw, "bool_values")))
        },
        bool_sites={
            sites.indexes([r[0]], n)[0]: (codes.of(r[1], sites), sites.integer(r[2]))
            for r in (sites.record(x, 3) for x in sites.array(at.field(raw, "bool_sites")))
        },
        kept_args={},
        inputs=tuple(i for i, op in enumerate(ops) if op.kind == INPUT),
        outputs=tuple(i for i, op in enumerate(ops) if op.kind == OUTPUT),
        complete=at.at("complete").boolean(at.field(raw, "complete")),
        **decode_profile(raw, at, n),
        intervened=_intervened(raw.get("intervened", []), at.at("intervened"), n),
    )
    derived = decode_derived(where.field(graph, "derived"), where.at("derived"), n)
    if derived is None:  # written by a version whose derived facts differ: recompute them
        from ..transforms import derive

        derived = derive(trace)
    return make_capture(trace, derived)


def _intervened(raw: Any, where: Where, n: int) -> dict[int, str]:
    """Op position -> how it was replaced; bundles written before interventions have none."""
    records = (where.record(x, 2) for x in where.array(raw))
    return {where.indexes([r[0]], n)[0]: where.string(r[1]) for r in records}


def _not_callable(_: Any) -> Any:
    raise BundleError("a loaded bundle keeps the postfunc's results, not the postfunc itself")


def _store(
    raw: dict[str, Any], graph: dict[str, Any], source: TensorSource, n: int
) -> ActivationStore:
    where = Where("graph.trace.store")
    device = raw.get("device")
    store = ActivationStore(
        save_all=where.at("save_all").boolean(where.field(raw, "save_all")),
        postfunc=_not_callable
        if where.at("postfunc").boolean(where.field(raw, "postfunc"))
        else None,
        device=torch.device(where.at("device").string(device)) if device is not None else None,
        grads=False,  # loaded tensors are leaves: no backward pass reaches them
    )
    names = Where("graph.tensors")
    activations: dict[int, str] = {}
    grads: dict[int, str] = {}
    for key, kinds in names.obj(Where("graph").field(graph, "tensors")).items():
        if not key.isdigit() or int(key) >= n:
            raise names.wrong(f"keyed by op positions below {n}, not {key!r}")
        for kind, name in names.at(key).obj(kinds).items():
            if name not in source.names:
                raise names.at(key).wrong(f"names of tensors in the file, not {name!r}")
            (activations if kind == "activation" else grads)[int(key)] = name
    store.values = LazyValues(n, activations, source)
    store.grads = LazyGrads(grads, source)
    return store


__all__ = ["load_capture", "tensorfile"]
