"""``Capture``: the one public record that capture and trace hand to every later stage.

The pipeline runs one way: capture records, trace freezes, transforms derive, and validation,
export and the widget read a ``Capture``; none of them reads ``ModelHistory`` (the user facade
built on top of a ``Capture``) or another stage's private attributes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from .derived import Derived
from .layer import LayerPass
from .lookup import KeyIndex, build_index
from .trace import Trace


@dataclass(frozen=True, eq=False)
class Capture:
    """A frozen ``Trace``, its ``Derived`` facts, the key index and one ``LayerPass`` per op."""

    trace: Trace
    derived: Derived
    index: KeyIndex
    layers: tuple[LayerPass, ...]

    @property
    def model_type(self) -> str:
        return self.trace.model_type

    def __len__(self) -> int:
        return len(self.layers)

    def layer(self, key: int | str) -> LayerPass:
        """The pass a key names (label, module address, int); ``LayerKeyError`` otherwise."""
        return self.layers[self.index.resolve(key, len(self.layers))]


def make_capture(trace: Trace, derived: Derived) -> Capture:
    layers = tuple(LayerPass(trace, derived, i) for i in range(len(trace.ops)))
    return Capture(trace, derived, build_index(trace, derived), layers)


class HasCapture(Protocol):
    """Anything that carries a ``Capture`` (``ModelHistory`` does)."""

    @property
    def capture(self) -> Capture: ...


CaptureSource = Capture | HasCapture


def as_capture(source: CaptureSource) -> Capture:
    """Stages accept a ``Capture`` or anything carrying one, such as a ``ModelHistory``."""
    return source if isinstance(source, Capture) else source.capture
