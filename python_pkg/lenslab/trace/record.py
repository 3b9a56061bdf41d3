"""``Capture``: the one public record that capture and trace hand to every later stage.

The pipeline runs one way: capture records, trace freezes, transforms derive, and validation,
export and the widget read a ``Capture``; none of them reads ``ModelHistory`` (the user facade
built on top of a ``Capture``) or another stage's private attributes.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Protocol, overload

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
    layers: LayerPasses

    @property
    def model_type(self) -> str:
        return self.trace.model_type

    def __len__(self) -> int:
        return len(self.layers)

    def layer(self, key: int | str) -> LayerPass:
        """The pass a key names (label, module address, int); ``LayerKeyError`` otherwise."""
        return self.layers[self.index.resolve(key, len(self.layers))]


class LayerPasses(Sequence[LayerPass]):
    """One ``LayerPass`` per op, each made on first access and then kept (so ``h[0] is h[0]``):
    a capture does not build a view per op that nobody asks for."""

    __slots__ = ("_derived", "_made", "_trace")

    def __init__(self, trace: Trace, derived: Derived) -> None:
        self._trace = trace
        self._derived = derived
        self._made: list[LayerPass | None] = [None] * len(trace.ops)

    def __len__(self) -> int:
        return len(self._made)

    @overload
    def __getitem__(self, index: int) -> LayerPass: ...

    @overload
    def __getitem__(self, index: slice) -> list[LayerPass]: ...

    def __getitem__(self, index: int | slice) -> LayerPass | list[LayerPass]:
        if isinstance(index, slice):
            return [self._at(i) for i in range(*index.indices(len(self._made)))]
        layer = self._made[index]  # IndexError out of range, as a tuple
        return layer if layer is not None else self._at(index % len(self._made))

    def _at(self, index: int) -> LayerPass:
        layer = self._made[index]
        if layer is None:
            layer = self._made[index] = LayerPass(self._trace, self._derived, index)
        return layer

    def __iter__(self) -> Iterator[LayerPass]:
        made = self._made
        for index, layer in enumerate(made):
            yield layer if layer is not None else self._at(index)


def make_capture(trace: Trace, derived: Derived) -> Capture:
    return Capture(trace, derived, build_index(trace, derived), LayerPasses(trace, derived))


class HasCapture(Protocol):
    """Anything that carries a ``Capture`` (``ModelHistory`` does)."""

    @property
    def capture(self) -> Capture: ...


CaptureSource = Capture | HasCapture


def as_capture(source: CaptureSource) -> Capture:
    """Stages accept a ``Capture`` or anything carrying one, such as a ``ModelHistory``."""
    return source if isinstance(source, Capture) else source.capture
