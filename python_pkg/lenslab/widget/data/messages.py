"""The request/response messages between the widget and the kernel: parsing and checking.
Their types are in ``protocol.py`` (the one schema; TypeScript: ``src/protocol/messages.gen.ts``).

A request is ``{"type": "lenslab:request", "id": 7, "version": 2, "method": "slice",
"params": {...}}``. Its reply echoes the id and carries the kernel's version:
``{"type": "lenslab:reply", "id": 7, "version": 2, "result": {...}, "array": ...}``
with the array (if any) as the message's single binary buffer, described by ``array``
(``{"dtype": "float32" | "uint8", "shape": [...], "offset": .., "step": ..}``); or
``{"type": "lenslab:reply", "id": 7, "version": 2, "error": {"code": "...", "message": "..."}}``.
Requests are checked here, field by field; anything else is a ``RequestError``.
"""

from __future__ import annotations

import reprlib
from dataclasses import dataclass
from typing import Any, get_args

from lenslab.errors import ErrorCode, RequestError

from .protocol import PROTOCOL_VERSION, REPLY, REQUEST, Encoding, Method, TensorKind

__all__ = [
    "PROTOCOL_VERSION", "REPLY", "REQUEST", "Encoding", "ErrorCode", "Request", "RequestError",
    "TensorKind",
]  # fmt: skip

METHODS: tuple[Method, ...] = get_args(Method)
HOW_TO_AGREE = (
    "the widget's front end and this kernel come from different lenslab versions: reinstall "
    "lenslab (pip install -U lenslab), restart the kernel and reload the page"
)


@dataclass(frozen=True)
class Request:
    id: int
    method: Method
    params: dict[str, Any]

    def layer(self) -> str | int:
        value = self.params.get("layer")
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise RequestError(
                "bad_message", "params.layer must be a layer label (string) or an index"
            )
        return value

    def kind(self) -> TensorKind:
        value = self.params.get("tensor", "activation")
        if value not in ("activation", "gradient"):
            raise RequestError(
                "bad_message",
                f"params.tensor must be 'activation' or 'gradient', not {_shown(value)}",
            )
        return "gradient" if value == "gradient" else "activation"

    def encoding(self) -> Encoding:
        value = self.params.get("encoding", "float32")
        if value not in ("float32", "uint8"):
            raise RequestError(
                "bad_dtype", f"arrays are sent as 'float32' or 'uint8', not {_shown(value)}"
            )
        return "uint8" if value == "uint8" else "float32"

    def integer(self, name: str, default: int | None = None) -> int:
        value = self.params.get(name, default)
        if isinstance(value, bool) or not isinstance(value, int):
            raise RequestError(
                "bad_message", f"params.{name} must be an integer, not {_shown(value)}"
            )
        return value

    def integers(self, name: str) -> list[int]:
        value = self.params.get(name)
        if not isinstance(value, list) or len(value) > 64:
            raise RequestError("bad_message", f"params.{name} must be a list of integers")
        if any(isinstance(v, bool) or not isinstance(v, int) for v in value):
            raise RequestError(
                "bad_message", f"params.{name} must be a list of integers, not {_shown(value)}"
            )
        return list(value)


_repr = reprlib.Repr()
_repr.maxstring = _repr.maxother = 60
_repr.maxlist = _repr.maxdict = 8
_repr.maxlevel = 2


def _shown(value: object) -> str:
    """A bad value as an error message shows it: short, whatever was sent."""
    text = _repr.repr(value)
    return text if len(text) <= 120 else text[:117] + "..."


def parse_request(content: object) -> Request:
    if not isinstance(content, dict) or content.get("type") != REQUEST:
        raise RequestError("bad_message", f"not a lenslab request (type must be {REQUEST!r})")
    rid = content.get("id")
    if isinstance(rid, bool) or not isinstance(rid, int):
        raise RequestError("bad_message", "a request needs an integer id")
    version = content.get("version")
    if version != PROTOCOL_VERSION:
        theirs = (
            f"version {_shown(version)}" if version is not None else "version 1 (no version field)"
        )
        raise RequestError(
            "version_mismatch",
            f"the front end speaks data protocol {theirs}, the kernel speaks version "
            f"{PROTOCOL_VERSION}: {HOW_TO_AGREE}",
        )
    method = content.get("method")
    if method not in METHODS:
        raise RequestError(
            "bad_message", f"unknown method {_shown(method)} (known: {', '.join(METHODS)})"
        )
    params = content.get("params", {})
    if not isinstance(params, dict):
        raise RequestError("bad_message", "params must be an object")
    return Request(rid, method, params)


def request_id(content: object) -> int | None:
    """The id to echo in an error reply, when the garbled message still carries one."""
    rid = content.get("id") if isinstance(content, dict) else None
    return rid if isinstance(rid, int) and not isinstance(rid, bool) else None


def error_reply(rid: int | None, code: ErrorCode, message: str) -> dict[str, Any]:
    error = {"code": code, "message": message}
    return {"type": REPLY, "id": rid, "version": PROTOCOL_VERSION, "error": error}
