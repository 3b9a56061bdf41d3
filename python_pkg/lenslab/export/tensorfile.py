"""Writes the safetensors container of a bundle, streaming one tensor at a time.

The format (https://huggingface.co/docs/safetensors): an 8-byte little-endian header size, a
JSON header (dtype, shape and byte range of each tensor, plus string ``__metadata__``), padded
with spaces to 8 bytes, then the raw little-endian bytes. Writing it here, rather than with
``safetensors.torch.save_file``, avoids a second copy of every activation and lets views that
share storage be saved side by side. Reading uses the safetensors library (``safe_open``).

Tensors of the ten dtypes every reader (the browser viewer included) knows are stored as they
are. Any other dtype torch has (complex, float8, uint16-64, sub-byte types) is stored as its raw
bytes, ``U8`` with one extra trailing axis of the element size, and the bundle's graph records
the real dtype (``encoded``): ``decode`` views the bytes back, bit for bit.
"""

from __future__ import annotations

import hashlib
import json
import struct
from collections.abc import Callable
from typing import IO

import torch

from ..errors import LensError

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
# What ``safe_open`` accepts: a bigger header is refused when the bundle is read.
MAX_HEADER = 100_000_000


def storable(value: object, what: str) -> tuple[torch.Tensor, str | None]:
    """The tensor to write for a saved value and the dtype name to record when it is stored
    as raw bytes (else None). A value that cannot be stored raises a ``LensError`` naming
    ``what`` (``"the activation of conv2d_1_1:1"``): nothing is dropped silently."""
    if not isinstance(value, torch.Tensor):
        raise LensError(
            f"cannot save {what}: it holds a {type(value).__name__}, not a tensor (from "
            "postfunc). Make postfunc return a tensor, e.g. torch.as_tensor(...)."
        )
    t = value.detach()
    if t.device.type == "meta":
        raise LensError(
            f"cannot save {what}: it is on the meta device and holds no values. Capture with "
            "a real device, or save=None for metadata only."
        )
    if t.is_quantized:
        raise LensError(
            f"cannot save {what}: quantized tensors ({t.dtype}) are not stored. Save "
            "t.dequantize() with postfunc=..., or leave the layer out of save=[...]."
        )
    if t.layout != torch.strided:
        try:
            t = t.to_dense()
        except (RuntimeError, NotImplementedError) as exc:
            raise LensError(f"cannot save {what}: a {t.layout} tensor cannot be stored") from exc
    if t.dtype in DTYPES:
        return t, None
    return as_bytes(t), str(t.dtype).removeprefix("torch.")


def as_bytes(t: torch.Tensor) -> torch.Tensor:
    """``t``'s raw bytes as ``uint8`` of shape ``(*t.shape, element_size)``."""
    return _flat(t).view(torch.uint8).reshape(*t.shape, t.element_size())


def decode(stored: torch.Tensor, dtype: torch.dtype) -> torch.Tensor:
    """The tensor whose raw bytes ``stored`` holds (the inverse of ``as_bytes``)."""
    shape = stored.shape[:-1]
    if stored.dim() == 0 or stored.dtype != torch.uint8 or stored.shape[-1] != _size(dtype):
        raise ValueError(f"{tuple(stored.shape)} {stored.dtype} bytes do not hold {dtype} values")
    return stored.contiguous().reshape(-1).view(dtype).reshape(shape)


def _size(dtype: torch.dtype) -> int:
    return torch.empty((), dtype=dtype).element_size()


_SAME_SIZE_INT = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def _plain(t: torch.Tensor) -> torch.Tensor:
    """The same bytes as an integer tensor: every dtype can be copied then (torch has no copy
    kernel for ``uint4`` and friends), and a view keeps any strides."""
    t = t.resolve_conj().resolve_neg()
    if t.element_size() == 16:  # complex128: two float64 per element
        t = torch.view_as_real(t)
    same = _SAME_SIZE_INT[t.element_size()]
    return t if t.dtype == same else t.view(same)


def _flat(t: torch.Tensor) -> torch.Tensor:
    """``t``'s bytes on the CPU as one dense row-major run of integers (stride 1)."""
    flat = _plain(t).to("cpu").contiguous().reshape(-1)
    # A tensor whose sizes are 1 counts as contiguous whatever its strides (``ids[:, 0]`` of a
    # batch-1 input keeps stride 32), but viewing it as bytes needs stride 1.
    if flat.numel() and flat.stride(0) != 1:
        flat = flat.clone(memory_format=torch.contiguous_format)
    return flat


def tensor_bytes(t: torch.Tensor) -> memoryview:
    """Little-endian bytes of ``t`` (row-major)."""
    return memoryview(_flat(t).view(torch.uint8).numpy().tobytes())


def digest(t: torch.Tensor) -> str:
    return hashlib.sha256(tensor_bytes(t)).hexdigest()


def header(tensors: dict[str, Callable[[], torch.Tensor]], metadata: dict[str, str]) -> bytes:
    """The padded JSON header for ``tensors`` (name -> how to get it), in that order."""
    entries: dict[str, object] = {"__metadata__": metadata}
    offset = 0
    for name, get in tensors.items():
        t = get()
        size = t.numel() * t.element_size()
        entries[name] = {
            "dtype": DTYPES[t.dtype],
            "shape": list(t.shape),
            "data_offsets": [offset, offset + size],
        }
        offset += size
    text = json.dumps(entries, separators=(",", ":"), ensure_ascii=False).encode()
    return text + b" " * (-len(text) % 8)


def write(out: IO[bytes], tensors: dict[str, Callable[[], torch.Tensor]], head: bytes) -> None:
    """Writes the header made by ``header`` and the bytes of ``tensors`` (read once more)."""
    out.write(struct.pack("<Q", len(head)))
    out.write(head)
    for get in tensors.values():
        out.write(tensor_bytes(get()))
