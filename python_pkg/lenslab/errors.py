"""Errors a user can cause. The model's own exceptions are never wrapped (see api.lens)."""

from __future__ import annotations

from typing import Literal


class LensError(Exception):
    """A misuse of lenslab (bad inputs, unsupported model kind); the message says what to do."""


ErrorCode = Literal[
    "bad_message",  # not a request, or a field of the wrong type
    "unknown_layer",
    "not_saved",  # the layer's activation was not kept (save=None or a save list without it)
    "no_grad",
    "out_of_range",
    "too_large",
    "bad_dtype",  # an encoding we do not send, or a tensor we cannot show (complex, sparse)
    "internal",
    "version_mismatch",  # the front end and the kernel speak different PROTOCOL_VERSIONs
]


class RequestError(Exception):
    """A widget data request the kernel cannot answer; the data server turns it into an error
    reply, never an exception. Defined here so ``tensormath`` (below the widget) can raise it."""

    def __init__(self, code: ErrorCode, message: str) -> None:
        super().__init__(message)
        self.code: ErrorCode = code
        self.message = message
