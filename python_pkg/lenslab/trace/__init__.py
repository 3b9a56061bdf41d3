"""The frozen result of a capture: ``Trace`` records, ``Derived`` facts, and the ``Capture``
record that later stages read."""

from .record import Capture, CaptureSource, as_capture, make_capture

__all__ = ["Capture", "CaptureSource", "as_capture", "make_capture"]
