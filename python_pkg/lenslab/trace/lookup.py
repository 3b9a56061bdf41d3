"""Every key a layer pass answers to, and the error that names close matches.

Keys: full label (``conv2d_3_7:2``), layer label when the layer has one pass, short label
(``conv2d_3``, ``conv2d_3:2``), module address (``features.6``, ``features.6:2``), buffer
address (``bn1.running_mean``, ``:2``), and ints. Only base names are indexed (per layer and
per module, not per pass); ``base:N`` picks pass or call N. A name that two different things
claim is never overwritten: its lookup raises and names the unambiguous keys to use instead.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable

from ..capture import BUFFER
from .derived import Derived
from .trace import Trace


def _short(key: str) -> str:
    return repr(key) if len(key) <= 80 else repr(key[:60]) + f"... ({len(key)} characters)"


def pass_number(text: str) -> int | None:
    """The N of ``key:N``: plain ASCII digits of sane length, else None. (``str.isdigit`` also
    accepts ``²``, which ``int`` refuses, and ``int`` refuses over 4,300 digits.)"""
    if text.isascii() and text.isdigit() and len(text) <= 18:
        return int(text)
    return None


class LayerKeyError(KeyError, IndexError):
    """An unknown or ambiguous key (also an ``IndexError`` for ints out of range)."""

    def __str__(self) -> str:  # KeyError would quote the whole message
        return str(self.args[0]) if self.args else ""


class KeyIndex:
    """Base name -> the op positions it can mean, one per pass (layers) or call (modules)."""

    def __init__(self, labels: list[str], fill: Callable[[KeyIndex], None] | None = None) -> None:
        self._labels = labels
        self._names: dict[str, list[int]] = {}
        self._clashes: dict[str, list[int]] = {}  # names claimed twice: their candidates
        # Adds every name on first use (``build_index``): a capture nobody looks up by key
        # (``extract`` runs one per batch) does not build it.
        self._fill = fill

    def _ready(self) -> None:
        fill = self._fill
        if fill is None:
            return
        try:
            fill(self)
        except BaseException:  # an interrupt mid-way: start again on the next lookup
            self._names.clear()
            self._clashes.clear()
            raise
        self._fill = None

    def add(self, name: str, positions: list[int]) -> None:
        if name in self._clashes:
            self._clashes[name].extend(positions)
            return
        known = self._names.get(name)
        if known is None:
            self._names[name] = positions
        elif known != positions:
            self._clashes[name] = [*known, *positions]
            del self._names[name]

    def add_ambiguous(self, name: str, positions: list[int]) -> None:
        """A name that means several things at once (a module call returning several tensors):
        its lookup raises and lists them."""
        self._names.pop(name, None)
        self._clashes.setdefault(name, []).extend(positions)

    def positions(self, key: str) -> list[int] | None:
        """Every position an exact string key names (all passes of a layer, call N of a
        module...), ``None`` if it is no key. ``save=[key]`` keeps these; ``h[key]`` returns
        the one position, or raises where there are several."""
        self._ready()
        found = self._names.get(key)
        if found is not None:
            return list(found)
        base, sep, number = key.rpartition(":")
        call = pass_number(number) if sep else None
        if call is not None:
            found = self._names.get(base)
            if found is not None and 1 <= call <= len(found):
                return [found[call - 1]]
        clash = self._clashes.get(key)
        return list(clash) if clash is not None else None

    def resolve(self, key: object, count: int) -> int:
        self._ready()
        if isinstance(key, int) and not isinstance(key, bool):
            position = key + count if key < 0 else key
            if 0 <= position < count:
                return position
            raise LayerKeyError(f"layer index {key} is out of range for {count} layer passes")
        if not isinstance(key, str):
            kind = type(key).__name__
            raise LayerKeyError(f"keys are labels, module addresses or ints, not {kind}")
        found = self._names.get(key)
        if found is not None:
            if len(found) == 1:
                return found[0]
            message = f"{_short(key)} ran {len(found)} times; use {key}:1 to {key}:{len(found)}"
            raise LayerKeyError(f"{message} ({', '.join(self._labels[p] for p in found[:4])} ...)")
        base, sep, number = key.rpartition(":")
        call = pass_number(number) if sep else None
        if call is not None:
            found = self._names.get(base)
            if found is not None and 1 <= call <= len(found):
                return found[call - 1]
        clash = self._clashes.get(key) or self._clashes.get(base if sep else key)
        if clash is not None:
            raise self._several(key, clash)
        close = (
            difflib.get_close_matches(key, self.keys(), n=5, cutoff=0.6) if len(key) < 200 else []
        )
        hint = f"; close matches: {', '.join(close)}" if close else ""
        raise LayerKeyError(f"no layer pass or module named {_short(key)}{hint}")

    def _several(self, key: str, positions: list[int]) -> LayerKeyError:
        shown = ", ".join(dict.fromkeys(self._labels[p] for p in positions))
        return LayerKeyError(
            f"{_short(key)} names several layer passes (a module call that returned several tensors, "
            f"or a name two layers share); use one of: {shown}"
        )

    def keys(self) -> list[str]:
        """Every unambiguous string key (built on demand: it is not stored per pass)."""
        self._ready()
        out: list[str] = []
        for name, positions in self._names.items():
            if len(positions) == 1:
                out.append(name)
            out.extend(f"{name}:{k}" for k in range(1, len(positions) + 1))
        return out


def build_index(trace: Trace, derived: Derived) -> KeyIndex:
    """The key index of a capture, filled on its first lookup."""
    return KeyIndex(derived.labels, lambda index: _fill(index, trace, derived))


def _fill(index: KeyIndex, trace: Trace, derived: Derived) -> None:
    for layer, members in enumerate(derived.layer_members):
        first = members[0]
        index.add(derived.layer_labels[first], members)
        short = derived.layer_shorts[layer]
        if short != derived.layer_labels[first]:
            index.add(short, members)
        op = trace.ops[first]
        if op.kind == BUFFER:
            index.add(op.address, members)
    outputs_by_module: dict[str, list[int]] = {}
    several: dict[str, list[int]] = {}  # modules with a call that returned several tensors
    for call in trace.calls:
        calls = outputs_by_module.setdefault(call.address, [])
        # A call that returned no tensor op still takes its number: ``address:N`` is call N.
        calls.append(call.outputs[0] if call.outputs else -1)
        if len(set(call.outputs)) > 1:
            several.setdefault(call.address, []).extend(dict.fromkeys(call.outputs))
    for address, outputs in outputs_by_module.items():
        if address in several:
            # ``h["rotary_emb"]`` on a module returning (cos, sin): say so, never pick one.
            index.add_ambiguous(address, several[address])
        elif all(o >= 0 for o in outputs):
            index.add(address, outputs)
