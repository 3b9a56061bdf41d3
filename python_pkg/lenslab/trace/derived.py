"""Facts derived from a ``Trace`` by the transforms, gathered in one frozen record."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

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
    modules: dict[str, ModuleInfo]
    branch_edges: list[tuple[int, int, BranchKind]]
    returned_by: dict[int, list[int]]  # op -> module calls that returned it, outer -> inner
    bool_contexts: dict[int, BoolContext]  # terminal bool -> its construct, where it was found
