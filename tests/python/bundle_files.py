"""Take a ``.lens`` bundle apart and put it back together: tests edit its parts directly."""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lenslab.export.bundle import GRAPH_TENSOR, MANIFEST_KEY

Entry = tuple[str, list[int], bytes]  # safetensors dtype, shape, raw bytes


def read_parts(path: Path) -> tuple[dict[str, str], dict[str, Entry]]:
    """The header's metadata and every tensor, in file order."""
    data = path.read_bytes()
    (size,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + size])
    meta = header.pop("__metadata__")
    body = data[8 + size :]
    tensors = {
        name: (
            info["dtype"],
            info["shape"],
            body[info["data_offsets"][0] : info["data_offsets"][1]],
        )
        for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0])
    }
    return meta, tensors


def write_parts(path: Path, meta: dict[str, str], tensors: dict[str, Entry]) -> None:
    header: dict[str, Any] = {"__metadata__": meta}
    offset = 0
    for name, (dtype, shape, raw) in tensors.items():
        header[name] = {"dtype": dtype, "shape": shape, "data_offsets": [offset, offset + len(raw)]}
        offset += len(raw)
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    body = b"".join(raw for _, _, raw in tensors.values())
    path.write_bytes(struct.pack("<Q", len(text)) + text + body)


def rewrite(path: Path, edit: Callable[[dict[str, Any], dict[str, Any]], None]) -> None:
    """Rewrites the bundle's manifest and graph with ``edit(manifest, graph)``; tensors kept."""
    meta, tensors = read_parts(path)
    manifest = json.loads(meta[MANIFEST_KEY])
    graph = json.loads(tensors[GRAPH_TENSOR][2])
    edit(manifest, graph)
    raw = json.dumps(graph).encode()
    tensors[GRAPH_TENSOR] = ("U8", [len(raw)], raw)
    meta[MANIFEST_KEY] = json.dumps(manifest)
    write_parts(path, meta, tensors)


def refresh_hash(manifest: dict[str, Any], graph: dict[str, Any]) -> None:
    """Makes the manifest agree with an edited graph (as ``rewrite`` will write it)."""
    text = json.dumps(graph).encode()
    manifest["graph"].update(bytes=len(text), sha256=hashlib.sha256(text).hexdigest())
