"""``save=[...]`` and ``stop_after=`` on a finished graph: the one rule, and its errors.

The rule (the same for ``save``, ``stop_after``, ``extract`` and ``dataset_stats``): a string
is first an exact key — a label, layer label, short label, module address (``"layer1.0"``,
``"layer1.0:2"``) or buffer address — and then selects every pass that key names (every pass
of a layer, the tensors every call of a module returned); a string that is no key is a
substring of a pass's label, innermost module address or returning module call. ``h[key]``
resolves exact keys the same way and raises, listing them, where a key names several passes.
"""

from __future__ import annotations

import difflib
import warnings
from collections.abc import Callable, Sequence
from typing import Any

import torch

from .capture.select import Key, Selection
from .errors import LensError
from .history import ModelHistory
from .trace.lookup import pass_number
from .validation.context import RngState


def positions(history: ModelHistory, key: Key) -> list[int]:
    """Positions of the passes ``key`` selects (empty when it selects nothing)."""
    if callable(key) and not isinstance(key, str):
        return [layer.index for layer in history if key(layer)]
    if isinstance(key, int):
        return [history[key].index] if key in history else []
    exact = exact_positions(history, key)
    if exact is not None:
        return exact
    return [
        layer.index
        for layer in history
        if key in layer.label
        or key in (layer.module or "")
        or any(key in name for name in layer.output_of_modules)
    ]


def exact_positions(history: ModelHistory, key: str) -> list[int] | None:
    """What an exact key names, ``None`` if ``key`` is no key."""
    base, sep, number = key.rpartition(":")
    call = pass_number(number) if sep else None
    address = base if call is not None else key
    if address and address in history.capture.trace.modules:
        found: dict[int, None] = {}
        for entry in history.capture.trace.calls:
            if entry.address == address and (call is None or entry.call == call):
                found.update(dict.fromkeys(entry.outputs))
        return list(found)
    return history.capture.index.positions(key)


def resolve(history: ModelHistory, keys: Sequence[Key], stop_after: str | int | None) -> Selection:
    """Every key as op positions, on a finished (metadata-only) history."""
    chosen: list[int] = []
    for key in keys:
        found = positions(history, key)
        if not found:
            raise unmatched(history, key)
        chosen.extend(found)
    selection = Selection(indices=chosen)
    if stop_after is not None:
        found = positions(history, stop_after)
        if not found:
            raise unmatched(history, stop_after, "stop_after")
        selection.stop_index = found[0]
    return selection


def check_hits(history: ModelHistory, selection: Selection, keys: Sequence[Key]) -> None:
    """Raise for a key that kept nothing; warn where an exact key hides substring matches."""
    for key in keys:
        if key not in selection.hits:
            raise unmatched(history, key)
        if isinstance(key, str) and key in selection.modules:
            _warn_shadowed(history, key)


def _warn_shadowed(history: ModelHistory, key: str) -> None:
    others = [
        la.label for la in history if la.role == "op" and key in la.type and la.activation is None
    ]
    if others:
        shown = ", ".join(others[:3]) + (", ..." if len(others) > 3 else "")
        warnings.warn(
            f"save: {key!r} is a module address, so it keeps what that module returned; as a "
            f"substring it would also match {len(others)} ops ({shown}). For those, pass "
            f"lambda layer: {key!r} in layer.type.",
            stacklevel=4,
        )


def unmatched(history: ModelHistory, key: Key, what: str = "save") -> LensError:
    if callable(key) and not isinstance(key, str):
        name = getattr(key, "__name__", "a callable")
        return LensError(f"{what}: {name} returned True for no layer pass; nothing was selected.")
    if isinstance(key, int):
        return LensError(f"{what}: index {key} is out of range for {len(history)} layer passes.")
    address = str(key).rpartition(":")[0] if ":" in str(key) else str(key)
    module = history.modules.get(address)
    if module is not None and address:
        return LensError(
            f"{what}: module {key!r} ran {module.num_calls} time(s) and returned no tensor "
            "there; name an op inside it instead (h.modules[...].ops lists them)."
        )
    candidates = set(history.lookup_keys()) | set(history.modules) | {la.type for la in history}
    close = difflib.get_close_matches(str(key), sorted(candidates - {""}), n=5, cutoff=0.6)
    hint = f" Close matches: {', '.join(close)}." if close else ""
    return LensError(
        f"{what}: {key!r} matches no layer pass or module.{hint} Keys are labels "
        "(h.lookup_keys()), module addresses (h.modules), or substrings of them; "
        "run lens(model, x, save=None) to see them."
    )


def check_same_graph(first: ModelHistory, second: ModelHistory, keys: Sequence[Key]) -> None:
    """The keeping pass must run the graph the keys were resolved on."""
    differs = first_difference(first, second)
    if differs is not None and (second.complete or len(second) > len(first)):
        raise LensError(
            f"save: keys {list(map(_name, keys))} were resolved on a metadata-only pass, but "
            f"the second pass ran a different graph: {differs}. The model is not deterministic "
            "in its structure: select with module addresses or plain substrings, which are "
            "decided during a single pass."
        )
    if differs is not None and not second.complete:  # stopped early: compare what ran
        prefix = first_difference(first, second, len(second))
        if prefix is not None:
            raise LensError(f"stop_after: the second pass ran a different graph: {prefix}.")


def first_difference(old: ModelHistory, new: ModelHistory, upto: int | None = None) -> str | None:
    """Where ``new`` stops following ``old``'s graph (op type or parents), in words."""
    a, b = old.capture.trace.ops, new.capture.trace.ops
    n = min(len(a), len(b)) if upto is None else upto
    for i in range(n):
        if a[i].type != b[i].type or a[i].parents != b[i].parents:
            label = old.capture.derived.labels[i]
            was = f"{a[i].type} of {_parents(old, i)}"
            now = f"{b[i].type} of {_parents(new, i)}"
            return f"the new pass differs at {label} (recorded: {was}; new pass: {now})"
    if upto is None and len(a) != len(b):
        at = old.capture.derived.labels[n] if n < len(a) else "the end"
        return (
            f"the new pass has {len(b)} layer passes where the recorded graph has {len(a)} "
            f"(first difference at {at})"
        )
    return None


def _parents(history: ModelHistory, index: int) -> str:
    labels = history.capture.derived.labels
    parents = history.capture.trace.ops[index].parents
    return "(" + ", ".join(labels[p] for p in parents) + ")" if parents else "()"


def _name(key: Key) -> str:
    return getattr(key, "__name__", "callable") if callable(key) else repr(key)


class Snapshot:
    """RNG states and buffers before a pass, so a second pass sees what the first saw."""

    def __init__(self, buffers: Sequence[tuple[str, torch.Tensor]]) -> None:
        self._rng = RngState()
        with torch.no_grad():
            self._buffers = [(buf, buf.detach().clone()) for _, buf in buffers]

    def restore(self) -> None:
        self._rng.restore()
        with torch.no_grad():
            for buf, saved in self._buffers:
                buf.copy_(saved)


def as_keys(save: Any) -> list[Key] | None:
    """``save`` as a list of keys, ``None`` for ``"all"``/``None``."""
    if save is None or save == "all":
        return None
    if isinstance(save, str) or _is_callable(save):
        return [save]
    if isinstance(save, Sequence) and all(
        isinstance(s, (str, int)) or _is_callable(s) for s in save
    ):
        if not save:
            raise LensError("save is an empty list: name at least one key, or pass save=None.")
        return list(save)
    raise LensError(
        'save must be "all", None, or a list of layer keys, substrings and callables '
        "f(layer) -> bool."
    )


def _is_callable(obj: object) -> bool:
    return isinstance(obj, Callable) and not isinstance(obj, (str, type))  # type: ignore[arg-type]
