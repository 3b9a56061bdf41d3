"""Facts derived from a ``Trace`` by the transforms, gathered in one frozen record."""

from __future__ import annotations

from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView
from dataclasses import dataclass, field
from typing import Any, Literal

BranchKind = Literal["IF", "THEN", "ELIF", "ELSE"]
# The Python construct that consumed a terminal bool (see transforms/branch_sites.py).
BoolContext = Literal["if", "elif", "while", "ternary", "assert", "comprehension", "bool"]


@dataclass(frozen=True, eq=False, slots=True)
class ModuleInfo:
    """One module of the model: its place in the address tree and what its calls did."""

    address: str
    type: str  # class name
    num_calls: int
    children: list[str]  # child addresses (address tree)
    num_params: int  # elements, recursive
    parent: str | None  # parent address; None for the model itself
    calls: tuple[int, ...] = ()  # module call indices
    ops: tuple[int, ...] = ()  # ops run inside any call, nested ones included
    inputs: tuple[int, ...] = ()  # ops whose output was passed in
    outputs: tuple[int, ...] = ()  # ops whose output was returned
    all_addresses: list[str] = field(default_factory=list)  # shared modules have several
    # The engineer's profile (transforms/profile.py): sums over ``ops``, counts over params.
    training: bool | None = None  # module.training at capture time (None: not known)
    time_s: float = 0.0  # op time of every op inside its calls
    flops: int = 0
    output_bytes: int = 0  # bytes of every tensor its ops produced
    saved_for_backward_bytes: int | None = None  # with lens(..., memory=True)
    own_params: int = 0  # elements of the parameters it holds itself (not its children's)
    trainable_params: int = 0  # elements, recursive, requires_grad at capture time
    frozen_params: int = 0


class LazyModules(Mapping[str, "ModuleInfo"]):
    """``Derived.modules``, built on first use (then kept): a capture whose modules nobody
    looks at (``extract`` runs one per batch) never pays for the per-module profile."""

    __slots__ = ("_build", "_built")

    def __init__(self, build: Callable[[], dict[str, ModuleInfo]]) -> None:
        self._build: Callable[[], dict[str, ModuleInfo]] | None = build
        self._built: dict[str, ModuleInfo] | None = None

    def _modules(self) -> dict[str, ModuleInfo]:
        built = self._built
        if built is None:
            assert self._build is not None  # set until built
            built = self._built = self._build()
            self._build = None  # the trace and lists it closed over are the capture's anyway
        return built

    def __getitem__(self, address: str) -> ModuleInfo:
        return self._modules()[address]

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules())

    def __len__(self) -> int:
        return len(self._modules())

    def __contains__(self, address: object) -> bool:
        return address in self._modules()

    def keys(self) -> KeysView[str]:
        return self._modules().keys()

    def values(self) -> ValuesView[ModuleInfo]:
        return self._modules().values()

    def items(self) -> ItemsView[str, ModuleInfo]:
        return self._modules().items()

    def __repr__(self) -> str:
        return repr(self._modules())

    def __reduce__(self) -> tuple[Any, ...]:
        return (dict, (self._modules(),))


@dataclass(frozen=True, eq=False)
class Derived:
    """Per-op lists are indexed by op position in the trace."""

    labels: list[str]  # "conv2d_3_7:2"
    layer_labels: list[str]  # "conv2d_3_7"
    pass_index: list[int]
    num_passes: list[int]
    layer_of: list[int]  # layer number, in order of first execution
    layer_members: list[list[int]]  # per layer: its passes (op positions), in order
    layer_shorts: list[str]  # per layer: short label, "conv2d_3"
    has_input_ancestor: list[bool]
    flops: list[int]
    modules: Mapping[str, ModuleInfo]  # a ``LazyModules`` after a capture
    branch_edges: list[tuple[int, int, BranchKind]]
    returned_by: dict[int, list[int]]  # op -> module calls that returned it, outer -> inner
    bool_contexts: dict[int, BoolContext]  # terminal bool -> its construct, where it was found
