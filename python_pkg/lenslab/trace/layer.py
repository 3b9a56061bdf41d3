"""``LayerPass``: one executed op (one pass of one layer), a light view into the trace."""

from __future__ import annotations

import math
import reprlib
from typing import Any

import torch

from ..capture import BUFFER, INPUT, OUTPUT, ROLE_NAMES
from .derived import BoolContext, Derived
from .frames import FunctionFrame, function_frame, innermost_call
from .stack import Frame, sites_of, to_frame
from .trace import Trace

_short_repr = reprlib.Repr()
_short_repr.maxstring = 40
_short_repr.maxother = 40


class LayerPass:
    """Attributes are computed from the frozen trace on access; nothing is copied per pass."""

    __slots__ = ("_derived", "_trace", "index")

    def __init__(self, trace: Trace, derived: Derived, index: int) -> None:
        self._trace = trace
        self._derived = derived
        self.index = index  # position in execution order (inputs included)

    # labels
    @property
    def label(self) -> str:
        return self._derived.labels[self.index]

    @property
    def layer_label(self) -> str:
        return self._derived.layer_labels[self.index]

    @property
    def short_label(self) -> str:
        """``conv2d_3``, or ``conv2d_3:2`` when the layer has several passes."""
        derived = self._derived
        short = derived.layer_shorts[derived.layer_of[self.index]]
        several = derived.num_passes[self.index] > 1
        return f"{short}:{derived.pass_index[self.index]}" if several else short

    @property
    def type(self) -> str:
        return self._trace.ops[self.index].type

    @property
    def func_name(self) -> str:
        return self._trace.ops[self.index].name

    @property
    def role(self) -> str:
        return ROLE_NAMES[self._trace.ops[self.index].kind]

    @property
    def pass_index(self) -> int:
        return self._derived.pass_index[self.index]

    @property
    def num_passes(self) -> int:
        return self._derived.num_passes[self.index]

    # the output tensor
    @property
    def shape(self) -> tuple[int, ...] | None:
        shape = self._trace.ops[self.index].shape
        return tuple(shape) if shape is not None else None

    @property
    def dtype(self) -> torch.dtype | None:
        return self._trace.ops[self.index].dtype

    @property
    def device(self) -> torch.device | None:
        return self._trace.ops[self.index].device

    @property
    def activation(self) -> Any:
        """The saved output (kernel side). With ``grads=True`` it stays in the autograd graph,
        so ``h.outputs[0].activation.sum().backward()`` fills every pass's ``grad``."""
        store = self._trace.store
        value = store.checked(self.index, self.label)
        if isinstance(value, torch.Tensor) and not store.want_grads:
            return value.detach()
        return value

    @property
    def grad(self) -> torch.Tensor | None:
        """The gradient of the last backward pass that reached this output (not a sum)."""
        return self._trace.store.grads.get(self.index)

    @property
    def grad_fn(self) -> str | None:
        """Class name of the autograd node that produced the output (``"ConvolutionBackward0"``),
        or ``None`` where autograd recorded none (no grad mode, inputs, outputs, buffers)."""
        return self._trace.grad_fns.get(self.index)

    @property
    def output_bytes(self) -> int:
        """Bytes of the output tensor: elements x element size."""
        op = self._trace.ops[self.index]
        if op.shape is None or op.dtype is None:
            return 0
        return math.prod(op.shape) * op.dtype.itemsize

    @property
    def saved_for_backward_bytes(self) -> int | None:
        """Bytes autograd saved for this op's backward while it ran (what its saved-tensor
        hooks packed: inputs, outputs, weights, masks), or ``None`` without
        ``lens(..., memory=True)``. Tensors shared with other ops count at each op saving them."""
        saved = self._trace.saved_bytes
        if saved is None:
            return None
        return saved.get(self.index, 0)

    # graph
    @property
    def parents(self) -> list[str]:
        labels = self._derived.labels
        return [labels[p] for p in dict.fromkeys(self._trace.ops[self.index].parents)]

    @property
    def parent_args(self) -> dict[str, str]:
        """Argument slot -> parent label (``{"0": "conv2d_1_1:1", "weight": ...}``)."""
        op = self._trace.ops[self.index]
        return {slot: self._derived.labels[p] for p, slot in zip(op.parents, op.slots, strict=True)}

    @property
    def children(self) -> list[str]:
        labels = self._derived.labels
        return [labels[c] for c in self._trace.children[self.index]]

    @property
    def has_input_ancestor(self) -> bool:
        return self._derived.has_input_ancestor[self.index]

    # modules
    @property
    def module(self) -> str | None:
        call = self._trace.ops[self.index].module_call
        return self._trace.calls[call].address if call >= 0 else None

    @property
    def module_stack(self) -> list[str]:
        call = self._trace.ops[self.index].module_call
        if call < 0:
            return []
        calls = self._trace.calls
        stack: list[str] = []
        while call >= 0:  # innermost first; reversed below
            stack.append(f"{calls[call].address}:{calls[call].call}")
            call = calls[call].parent
        return stack[::-1]

    @property
    def output_of_modules(self) -> list[str]:
        """``"address:call"`` of every module call that returned this tensor, outer -> inner."""
        calls = self._trace.calls
        found = self._derived.returned_by.get(self.index, ())
        return [f"{calls[c].address}:{calls[c].call}" for c in found]

    # roles
    @property
    def is_input(self) -> bool:
        return self._trace.ops[self.index].kind == INPUT

    @property
    def is_output(self) -> bool:
        return self._trace.ops[self.index].kind == OUTPUT

    @property
    def is_buffer(self) -> bool:
        return self._trace.ops[self.index].kind == BUFFER

    @property
    def address(self) -> str:
        """Input argument path (``"0"``, ``"mask"``), output path, or buffer address."""
        return self._trace.ops[self.index].address

    # what the op used and cost
    @property
    def params(self) -> list[str]:
        return list(self._trace.ops[self.index].params)

    @property
    def param_shapes(self) -> list[tuple[int, ...]]:
        shapes = self._trace.param_shapes
        return [tuple(shapes[a]) for a in self._trace.ops[self.index].params]

    @property
    def params_trainable(self) -> bool | None:
        """True if every parameter used requires grad, False if none does, None if mixed/none."""
        flags = {self._trace.param_trainable[a] for a in self._trace.ops[self.index].params}
        return flags.pop() if len(flags) == 1 else None

    @property
    def buffers(self) -> list[str]:
        """Addresses of the buffers this op read."""
        ops = self._trace.ops
        return [ops[p].address for p in ops[self.index].parents if ops[p].kind == BUFFER]

    @property
    def num_params(self) -> int:
        return self._trace.ops[self.index].num_params

    @property
    def mutates(self) -> list[str]:
        """What this op changed in place: ``"inplace"`` (its first argument), buffer addresses."""
        return list(self._trace.ops[self.index].mutates)

    @property
    def time_s(self) -> float:
        return self._trace.ops[self.index].time_s

    @property
    def flops(self) -> int:
        return self._derived.flops[self.index]

    @property
    def source(self) -> tuple[str, int] | None:
        op = self._trace.ops[self.index]
        return (op.code.co_filename, op.line) if op.code is not None else None

    @property
    def stack(self) -> list[Frame]:
        """User frames that led to this op, outermost first: the code that called ``lens``,
        each module's ``forward`` line that called the next module, and the line that ran the
        op. Each has ``filename`` (``"In [n]"`` for a notebook cell), ``line``, ``function``."""
        return [to_frame(site) for site in sites_of(self._trace, self.index)]

    @property
    def frame(self) -> FunctionFrame | None:
        """The innermost composite-function call that ran this op (an ``ƒ`` frame in the
        widget, e.g. ``multi_head_attention_forward``), or ``None``; see ``h.frames``."""
        at = innermost_call(self._trace, self.index)
        return function_frame(self._trace, self._derived, at) if at >= 0 else None

    @property
    def args_summary(self) -> str:
        """The non-tensor arguments, shortened: ``"stride=(2, 2), 1=3"``."""
        other = self._trace.ops[self.index].other_args
        if not other:
            return ""
        pairs = zip(other[::2], other[1::2], strict=True)
        return ", ".join(f"{slot}={_short_repr.repr(value)}" for slot, value in pairs)

    @property
    def intervened(self) -> bool:
        """True when ``lens(intervene=)`` replaced this op's output (what later ops saw)."""
        return self.index in self._trace.intervened

    # branches
    @property
    def is_terminal_bool(self) -> bool:
        return self.index in self._trace.bool_values

    @property
    def bool_value(self) -> bool | None:
        return self._trace.bool_values.get(self.index)

    @property
    def bool_context(self) -> BoolContext | None:
        """For a terminal bool, the Python construct that consumed it, from the source: ``"if"``,
        ``"elif"``, ``"while"``, ``"ternary"`` (``a if t else b``), ``"assert"``,
        ``"comprehension"`` (a filter, ``[... if t]``), ``"bool"`` (a ``bool(t)`` call, also
        inside an ``if`` test); ``None`` when not a terminal bool or the source is unavailable
        or shows none of these."""
        return self._derived.bool_contexts.get(self.index)

    def __repr__(self) -> str:
        shape = "x".join(map(str, self.shape)) if self.shape is not None else "-"
        where = f" @{self.module}" if self.module else ""
        return f"<LayerPass {self.label} {shape}{where}>"
