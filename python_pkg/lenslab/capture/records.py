"""The records a capture produces: one per op (tensor) and one per module call.

Records use ``__slots__`` and hold references only (no copies, no formatted strings): the
per-op path of a capture creates exactly one ``OpRecord`` per output tensor.
"""

from __future__ import annotations

from collections.abc import Sequence
from types import CodeType
from typing import Any

import torch

OP, INPUT, OUTPUT, BUFFER = 0, 1, 2, 3
ROLE_NAMES = ("op", "input", "output", "buffer")


_DEVICES: dict[torch.device, torch.device] = {}
# Equal shapes share one ``torch.Size`` (most ops repeat a shape seen before). Emptied at the
# end of each capture (``release_shapes``), so it never outlives one.
_SHAPES: dict[torch.Size, torch.Size] = {}


def intern_shape(shape: torch.Size) -> torch.Size:
    """The ``torch.Size`` equal to ``shape`` that this capture already keeps, or ``shape``."""
    return _SHAPES.setdefault(shape, shape)


def release_shapes() -> None:
    _SHAPES.clear()


class OpRecord:
    """One executed op (one output tensor), or an input, output or buffer node."""

    __slots__ = (
        "address",
        "code",
        "device",
        "dtype",
        "kind",
        "line",
        "module_call",
        "mutates",
        "name",
        "num_params",
        "other_args",
        "out_index",
        "params",
        "parents",
        "shape",
        "slots",
        "time_s",
        "type",
    )

    def __init__(  # noqa: PLR0913, PLR0917  (every field at once: one call per op)
        self,
        kind: int,
        name: str,
        type_: str,
        parents: Sequence[int],
        slots: Sequence[str],
        tensor: torch.Tensor | None,
        module_call: int,
        params: tuple[str, ...] = (),
        num_params: int = 0,
        code: CodeType | None = None,
        line: int = 0,
        time_s: float = 0.0,
        other_args: Any = None,
    ) -> None:
        self.kind = kind
        self.name = name  # callable name as called ("conv2d", "__setitem__")
        self.type = type_  # label type ("conv2d", "setitem")
        self.parents = parents  # op indices, one per tensor argument slot
        self.slots = slots  # argument slot of each parent: "0", "1", "0.2", "weight"
        self.params = params  # parameter addresses used
        self.num_params = num_params  # elements of those parameters
        if tensor is not None:
            shape = tensor.shape  # a new object per call
            self.shape: torch.Size | None = _SHAPES.setdefault(shape, shape)
            self.dtype: torch.dtype | None = tensor.dtype
            device = tensor.device  # a new object per call: keep one per distinct device
            self.device: torch.device | None = _DEVICES.setdefault(device, device)
        else:
            self.shape = self.dtype = self.device = None
        self.out_index = 0  # position among the outputs of a multi-output call
        self.module_call = module_call  # innermost ModuleCall index, -1 at top level
        self.code = code  # user code object and line that called the op
        self.line = line
        self.time_s = time_s
        self.other_args = other_args  # non-tensor arguments, flat [slot, value, ...], or None
        self.address = ""  # input path ("x", "kwargs.mask"), buffer address
        # "inplace" (its first argument) and/or buffer addresses it changed
        self.mutates: tuple[str, ...] = ()


class ModuleCall:
    """One call of one module of the model."""

    __slots__ = (
        "address",
        "call",
        "code",
        "end_op",
        "first_op",
        "frames",
        "inputs",
        "line",
        "outputs",
        "parent",
        "type",
    )

    def __init__(
        self,
        address: str,
        call: int,
        parent: int,
        type_: str,
        first_op: int,
        inputs: Sequence[int] = (),
        source: tuple[CodeType | None, int] = (None, 0),
        frames: tuple[tuple[CodeType, int], ...] = (),
    ) -> None:
        self.address = address
        self.call = call  # 1-based call number of this module
        self.parent = parent  # enclosing ModuleCall index, -1 at top level
        self.type = type_
        self.first_op = first_op  # ops [first_op, end_op) ran inside this call
        self.end_op = -1
        # Ops whose output was passed in / returned (a tuple; the empty one is shared).
        self.inputs = inputs
        self.outputs: Sequence[int] = ()
        self.code, self.line = source  # user line that called the module
        # User frames (code, line) between the enclosing call and this one, outermost first.
        self.frames = frames


class ModuleEntry:
    """Static facts about one module of the model (the address tree)."""

    __slots__ = ("address", "all_addresses", "children", "num_params", "training", "type")

    def __init__(self, address: str, type_: str, num_params: int) -> None:
        self.address = address
        self.type = type_
        self.children: list[str] = []
        self.num_params = num_params  # elements, recursive, shared parameters counted once
        self.all_addresses: list[str] = [address]  # a shared module has several
        self.training = True  # module.training when the capture started
