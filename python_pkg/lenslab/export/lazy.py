"""Tensors of a loaded bundle, read on first access and checked against their sha256."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import torch

from . import tensorfile
from .checks import BundleError


class TensorSource:
    """One open bundle file (``safe_open`` memory-maps it; nothing is read up front)."""

    def __init__(self, path: Path, handle: Any) -> None:
        self.path = path
        self._handle = handle
        self.names: frozenset[str] = frozenset(handle.keys())
        self.metadata: dict[str, str] = dict(handle.metadata() or {})
        self.digests: dict[str, str] = {}
        self.encoded: dict[str, torch.dtype] = {}  # stored as raw bytes: the real dtype

    @classmethod
    def open(cls, path: Path) -> TensorSource:
        from safetensors import safe_open

        try:
            handle = safe_open(str(path), framework="pt", device="cpu")
        except Exception as exc:  # the library's own error type: truncated, bad header
            raise BundleError(f"{path} is truncated or corrupted: {exc}") from None
        return cls(path, handle)

    def _read(self, name: str) -> torch.Tensor:
        try:
            tensor: torch.Tensor = self._handle.get_tensor(name)
        except Exception as exc:
            raise BundleError(f"{self.path}: cannot read tensor {name}: {exc}") from None
        return tensor

    def raw_bytes(self, name: str) -> bytes:
        """The bytes of a ``uint8`` tensor (the graph), unchecked: the caller checks them."""
        tensor = self._read(name)
        if tensor.dtype != torch.uint8 or tensor.dim() != 1:
            raise BundleError(f"{self.path}: tensor {name} should be 1-D uint8 bytes")
        return bytes(tensorfile.tensor_bytes(tensor))

    def get(self, name: str) -> torch.Tensor:
        tensor = self._read(name)
        if tensorfile.digest(tensor) != self.digests.get(name):
            raise BundleError(
                f"{self.path}: tensor {name} does not match its sha256 (modified or corrupted)"
            )
        dtype = self.encoded.get(name)
        if dtype is None:
            return tensor
        try:
            return tensorfile.decode(tensor, dtype)
        except (ValueError, RuntimeError) as exc:
            raise BundleError(f"{self.path}: tensor {name}: {exc}") from None


_UNREAD = object()


class LazyValues(list[Any]):
    """``ActivationStore.values`` of a loaded bundle: ``None`` where nothing was saved."""

    def __init__(self, count: int, names: dict[int, str], source: TensorSource) -> None:
        super().__init__(_UNREAD if i in names else None for i in range(count))
        self._names = names
        self._source = source

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        value = super().__getitem__(index)
        if value is _UNREAD:
            position = index + len(self) if index < 0 else index
            value = self._source.get(self._names[position])
            super().__setitem__(position, value)
        return value

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))


class LazyGrads(dict[int, Any]):
    """``ActivationStore.grads`` of a loaded bundle."""

    def __init__(self, names: dict[int, str], source: TensorSource) -> None:
        super().__init__(dict.fromkeys(names, _UNREAD))
        self._names = names
        self._source = source

    def __getitem__(self, index: int) -> Any:
        value = super().__getitem__(index)
        if value is _UNREAD:
            value = self._source.get(self._names[index])
            super().__setitem__(index, value)
        return value

    def get(self, index: int, default: Any = None) -> Any:
        return (
            self[index] if dict.__contains__(self, index) else default
        )  # dict.get would skip the read

    def items(self) -> Any:
        for index in list(self.keys()):
            self[index]
        return super().items()

    def values(self) -> Any:
        return [self[i] for i in list(self.keys())]
