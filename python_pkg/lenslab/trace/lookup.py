"""Every key a layer pass answers to, and the error that names close matches.

Keys: full label (``conv2d_3_7:2``), layer label when the layer has one pass, short label
(``conv2d_3``, ``conv2d_3:2``), module address (``features.6``, ``features.6:2``), buffer
address, and ints. A key that two different passes claim is never overwritten: it becomes
ambiguous and its lookup says which keys to use instead.
"""

from __future__ import annotations

import difflib

from ..capture import BUFFER
from .derived import Derived
from .trace import Trace


class LayerKeyError(KeyError, IndexError):
    """An unknown or ambiguous key (also an ``IndexError`` for ints out of range)."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class KeyIndex:
    def __init__(self) -> None:
        self.exact: dict[str, int] = {}
        self.ambiguous: dict[str, list[str]] = {}  # key -> keys that name each candidate
        self._instead: dict[tuple[str, int], str] = {}

    def add(self, key: str, index: int, instead: str) -> None:
        """Map ``key`` to ``index``; ``instead`` is the unambiguous key to suggest on a clash."""
        if key in self.ambiguous:
            self.ambiguous[key].append(instead)
            return
        known = self.exact.get(key)
        if known is None:
            self.exact[key] = index
        elif known != index:
            del self.exact[key]
            self.ambiguous[key] = [self._instead.get((key, known), key), instead]
            return
        self._instead[(key, index)] = instead

    def mark_ambiguous(self, key: str, choices: list[str]) -> None:
        self.exact.pop(key, None)
        self.ambiguous.setdefault(key, []).extend(choices)

    def resolve(self, key: object, count: int) -> int:
        if isinstance(key, int) and not isinstance(key, bool):
            position = key + count if key < 0 else key
            if 0 <= position < count:
                return position
            raise LayerKeyError(f"layer index {key} is out of range for {count} layer passes")
        if not isinstance(key, str):
            raise LayerKeyError(
                f"keys are labels, module addresses or ints, not {type(key).__name__}"
            )
        found = self.exact.get(key)
        if found is not None:
            return found
        choices = self.ambiguous.get(key)
        if choices is not None:
            shown = ", ".join(dict.fromkeys(choices))
            raise LayerKeyError(f"{key!r} names several layer passes; use one of: {shown}")
        close = difflib.get_close_matches(key, [*self.exact, *self.ambiguous], n=5, cutoff=0.6)
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise LayerKeyError(f"no layer pass or module named {key!r}{hint}")


def build_index(trace: Trace, derived: Derived) -> KeyIndex:
    index = KeyIndex()
    passes_of: dict[str, list[str]] = {}
    for i, op in enumerate(trace.ops):
        label = derived.labels[i]
        pass_no = derived.pass_index[i]
        index.add(label, i, label)
        short = derived.short_labels[i].partition(":")[0]
        index.add(f"{short}:{pass_no}", i, label)
        if derived.num_passes[i] == 1:
            index.add(derived.layer_labels[i], i, label)
            index.add(short, i, label)
        else:
            passes_of.setdefault(derived.layer_labels[i], []).append(label)
            passes_of.setdefault(short, []).append(label)
        if op.kind == BUFFER:
            index.add(f"{op.address}:{pass_no}", i, label)
            if derived.num_passes[i] == 1:
                index.add(op.address, i, label)
            else:
                passes_of.setdefault(op.address, []).append(f"{op.address}:{pass_no}")
    for key, labels in passes_of.items():
        index.mark_ambiguous(key, labels)
    _add_module_keys(trace, derived, index)
    return index


def _add_module_keys(trace: Trace, derived: Derived, index: KeyIndex) -> None:
    for call in trace.calls:
        if not call.outputs:
            continue
        output = call.outputs[0]
        key = f"{call.address}:{call.call}"
        index.add(key, output, key)
        if derived.modules[call.address].num_calls == 1:
            index.add(call.address, output, key)
        elif call.call == 1:
            count = derived.modules[call.address].num_calls
            index.mark_ambiguous(call.address, [f"{call.address}:{k}" for k in range(1, count + 1)])
