"""Writes the safetensors container of a bundle, streaming one tensor at a time.

The format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header size, a
JSON header (dtype, shape and byte range of each tensor, plus string ``__metadata__``), padded
with spaces to 8 bytes, then the raw little-endian bytes. Writing it here, rather than with
``safetensors.torch.save_file``, avoids a second copy of every activation and lets views that
share storage be saved side by side. Reading uses the safetensors library (``safe_open``).
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from typing import IO

import torch

DTYPES: dict[torch.dtype, str] = {
    torch.float64: "F64",
    torch.float32: "F32",
    torch.float16: "F16",
    torch.bfloat16: "BF16",
    torch.int64: "I64",
    torch.int32: "I32",
    torch.int16: "I16",
    torch.int8: "I8",
    torch.uint8: "U8",
    torch.bool: "BOOL",
}


def storable(value: object) -> tuple[torch.Tensor | None, str]:
    """The tensor to write for a saved value, or None and why it cannot be written."""
    if not isinstance(value, torch.Tensor):
        return None, f"holds a {type(value).__name__}, not a tensor"
    t = value.detach()
    if t.layout != torch.strided:
        try:
            t = t.to_dense()
        except RuntimeError:
            return None, f"a {t.layout} tensor cannot be stored"
    if t.dtype not in DTYPES:
        return None, f"dtype {t.dtype} cannot be stored in safetensors"
    return t, ""


def tensor_bytes(t: torch.Tensor) -> memoryview:
    """Little-endian bytes of ``t`` (row-major)."""
    flat = t.resolve_conj().resolve_neg().to("cpu").contiguous().reshape(-1)
    return memoryview(flat.view(torch.uint8).numpy().tobytes())


def digest(t: torch.Tensor) -> str:
    return hashlib.sha256(tensor_bytes(t)).hexdigest()


def write(
    out: IO[bytes],
    tensors: dict[str, Callable[[], torch.Tensor]],
    metadata: dict[str, str],
) -> None:
    """Writes ``tensors`` (name -> how to get it, called twice: for the header, for the data)."""
    header: dict[str, object] = {"__metadata__": metadata}
    offset = 0
    for name, get in tensors.items():
        t = get()
        size = t.numel() * t.element_size()
        header[name] = {
            "dtype": DTYPES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + size],
        }
        offset += size
    text = json.dumps(header, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)
    out.write(struct.pack("<Q", len(text)))
    out.write(text)
    for get in tensors.values():
        out.write(tensor_bytes(get()))
