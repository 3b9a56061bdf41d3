"""Errors a user can cause. The model's own exceptions are never wrapped (see api.lens)."""

from __future__ import annotations


class LensError(Exception):
    """A misuse of lenslab (bad inputs, unsupported model kind); the message says what to do."""
