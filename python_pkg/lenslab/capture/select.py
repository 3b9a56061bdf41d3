"""``save=[...]`` and ``stop_after=``, decided as each op runs.

A selection keeps an op's value only if something asks for it, so unselected tensors are
never referenced by the capture and are freed by the model's own code as usual. What can be
decided during the pass:

- a module address (``"layer1.0"``, ``"layer1.0:2"``): the tensors that module call returns,
  kept when the call ends;
- ints ``>= 0`` (op positions, inputs first);
- a substring without ``_`` or ``:`` (``"relu"``, ``"attn"``): ops whose type or innermost
  module address contains it, and the outputs of module calls whose address contains it;
- a callable ``f(layer) -> bool`` that only reads what is known when the op runs
  (``type``, ``func_name``, ``module``, ``module_stack``, ``shape``, ``dtype``, ``params``...).

Labels (``"conv2d_3_7"``), negative ints, buffer addresses, substrings of labels with digits
and callables that read ``label``/``pass_index``/``parents``... depend on the finished graph
(loop grouping renumbers layers): ``lens`` then runs a metadata-only pass first, resolves
them on it, and keeps the resolved op positions in a second pass (as TorchLens does).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import torch

from .records import INPUT, OUTPUT, ROLE_NAMES, OpRecord

if TYPE_CHECKING:
    from .modules import ModuleTracker

Key = str | int | Callable[[Any], bool]
_LABEL = re.compile(r"^[a-z0-9]+_\d+(_\d+)?(:\d+)?$")
_LABEL_CHARS = re.compile(r"^[a-z0-9_:]+$")


class NeedsGraph(Exception):
    """A callable in ``save`` read something only the finished graph knows."""


class StopForward(BaseException):
    """Raised inside the forward once the ``stop_after`` op has run (not an ``Exception``, so
    a model's ``except Exception`` does not swallow it)."""


class Selection:
    """What to keep, by op and by module call; records which keys matched something."""

    def __init__(
        self,
        *,
        indices: Sequence[int] = (),
        modules: dict[str, set[int] | None] | None = None,
        substrings: Sequence[str] = (),
        callables: Sequence[Callable[[Any], bool]] = (),
        stop_index: int = -1,
        stop_module: tuple[str, int] | None = None,
    ) -> None:
        self.indices = frozenset(indices)
        self.modules = modules or {}  # address -> call numbers (None: every call)
        self.substrings = tuple(substrings)
        self.callables = tuple(callables)
        self.stop_index = stop_index
        self.stop_module = stop_module
        self.hits: set[object] = set()  # keys (or callables) that kept something
        self.needs_graph = False  # set when a callable read a graph-only attribute
        self._call_match: dict[int, tuple[str, ...]] = {}  # module call -> substrings it holds
        self.tracker: ModuleTracker | None = None

    @property
    def keeps_anything(self) -> bool:
        return bool(self.indices or self.modules or self.substrings or self.callables)

    def wants(self, index: int, record: OpRecord) -> bool:
        """Keep the value of op ``index`` (just recorded)?"""
        keep = False
        if index in self.indices:
            self.hits.add(index)
            keep = True
        if self.substrings:
            for sub in self.substrings:
                if sub in record.type:
                    self.hits.add(sub)
                    keep = True
            for sub in self._in_module(record.module_call):
                self.hits.add(sub)
                keep = True
        if self.callables and not self.needs_graph:
            view = OpView(index, record, self.tracker)
            for func in self.callables:
                try:
                    chosen = func(view)
                except NeedsGraph:
                    self.needs_graph = True
                    return keep
                if chosen:
                    self.hits.add(func)
                    keep = True
        return keep

    def _in_module(self, call: int) -> tuple[str, ...]:
        """The substrings that the address of module call ``call`` contains."""
        if call < 0 or self.tracker is None:
            return ()
        found = self._call_match.get(call)
        if found is None:
            address = self.tracker.calls[call].address
            found = self._call_match[call] = tuple(s for s in self.substrings if s in address)
        return found

    def wants_call_output(self, address: str, call: int) -> bool:
        """Keep the tensors that call ``call`` of module ``address`` returned?"""
        keep = False
        if address in self.modules:
            calls = self.modules[address]
            if calls is None or call in calls:
                self.hits.add(address if calls is None else f"{address}:{call}")
                keep = True
        for sub in self.substrings:
            if sub in address:
                self.hits.add(sub)
                keep = True
        return keep


class OpView:
    """What a ``save`` callable sees while the op runs: its metadata, never its activation.

    Reading an attribute only the finished graph knows (``label``, ``pass_index``, ``parents``,
    ...) makes ``lens`` resolve the callable on a metadata-only pass first.
    """

    __slots__ = ("_record", "_tracker", "index")

    def __init__(self, index: int, record: OpRecord, tracker: ModuleTracker | None) -> None:
        self.index = index
        self._record = record
        self._tracker = tracker

    @property
    def type(self) -> str:
        return self._record.type

    @property
    def func_name(self) -> str:
        return self._record.name

    @property
    def role(self) -> str:
        return ROLE_NAMES[self._record.kind]

    @property
    def is_input(self) -> bool:
        return self._record.kind == INPUT

    @property
    def is_output(self) -> bool:
        return self._record.kind == OUTPUT

    @property
    def shape(self) -> tuple[int, ...] | None:
        shape = self._record.shape
        return tuple(shape) if shape is not None else None

    @property
    def dtype(self) -> torch.dtype | None:
        return self._record.dtype

    @property
    def params(self) -> list[str]:
        return list(self._record.params)

    @property
    def num_params(self) -> int:
        return self._record.num_params

    @property
    def address(self) -> str:
        return self._record.address

    @property
    def module(self) -> str | None:
        call = self._record.module_call
        if call < 0 or self._tracker is None:
            return None
        return self._tracker.calls[call].address

    @property
    def module_stack(self) -> list[str]:
        stack: list[str] = []
        call = self._record.module_call
        while call >= 0 and self._tracker is not None:
            entry = self._tracker.calls[call]
            stack.append(f"{entry.address}:{entry.call}")
            call = entry.parent
        return stack[::-1]

    def __getattr__(self, name: str) -> Any:
        if not name.startswith("_"):
            raise NeedsGraph(name)
        raise AttributeError(name)


def key_kind(key: object, addresses: tuple[set[str], set[str]]) -> str:
    """``"module"``, ``"index"``, ``"substring"``, ``"callable"`` (decided during the pass) or
    ``"graph"`` (needs the finished graph); ``"bad"`` for anything else."""
    if callable(key) and not isinstance(key, str):
        return "callable"
    if isinstance(key, bool):
        return "bad"
    if isinstance(key, int):
        return "index" if key >= 0 else "graph"
    if not isinstance(key, str) or not key:
        return "bad"
    modules, buffers = addresses
    base, sep, number = key.rpartition(":")
    address = base if sep and number.isdigit() else key
    if address in buffers:
        return "graph"
    if address in modules and address:
        return "graph" if _LABEL.match(key) else "module"
    # A substring of a label that holds digits, "_" or ":" depends on the numbering; one with
    # other characters (a dot, capitals) can only match module addresses.
    if _LABEL.match(key) or (
        _LABEL_CHARS.match(key) and ("_" in key or ":" in key or key.isdigit())
    ):
        return "graph"
    return "substring"


def plan(
    keys: Sequence[Key], addresses: tuple[set[str], set[str]], stop_after: str | int | None
) -> tuple[Selection, list[Key]]:
    """``addresses``: the model's module and buffer addresses."""
    """The selection decidable during the pass, and the keys that need the graph first."""
    indices: list[int] = []
    modules: dict[str, set[int] | None] = {}
    substrings: list[str] = []
    callables: list[Callable[[Any], bool]] = []
    deferred: list[Key] = []
    for key in keys:
        kind = key_kind(key, addresses)
        if kind == "callable":
            callables.append(key)  # type: ignore[arg-type]  # checked by key_kind
        elif kind == "index":
            indices.append(key)  # type: ignore[arg-type]
        elif kind == "module":
            _add_module(modules, str(key))
        elif kind == "substring":
            substrings.append(str(key))
        else:
            deferred.append(key)
    selection = Selection(
        indices=indices, modules=modules, substrings=substrings, callables=callables
    )
    if stop_after is not None:
        kind = key_kind(stop_after, addresses)
        if kind == "index":
            selection.stop_index = int(stop_after)
        elif kind == "module":
            base, sep, number = str(stop_after).rpartition(":")
            selection.stop_module = (base, int(number)) if sep else (str(stop_after), 1)
        else:
            deferred.append(stop_after)
    return selection, deferred


def _add_module(modules: dict[str, set[int] | None], key: str) -> None:
    base, sep, number = key.rpartition(":")
    if sep and number.isdigit():
        calls = modules.setdefault(base, set())
        if calls is not None:
            calls.add(int(number))
    else:
        modules[key] = None
