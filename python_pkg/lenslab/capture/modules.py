"""The module stack, from global forward (pre-)hooks, while the forward runs.

Global hooks see every module call without touching the model. Modules that are not part of
the model (created inside forward, or the model itself) are not tracked: their ops belong to
the enclosing tracked call.
"""

from __future__ import annotations

import sys
import threading
from types import CodeType, FrameType
from typing import TYPE_CHECKING, Any

import torch
from torch.utils.hooks import RemovableHandle

from .flatten import iter_tensors
from .guard import TEMPORARY_HOOKS
from .records import ModuleCall, ModuleEntry
from .source import call_sites

if TYPE_CHECKING:
    from .builder import TraceBuilder


class ModelTree:
    """One walk of the model's module tree, shared by everything capture needs from it.

    ``named_modules``/``named_parameters``/``named_buffers``/``parameters`` each walk the tree
    again through nested generators; on a 100k-module model those walks cost more than the
    capture itself. The tree is walked once here, with the same orders and the same
    de-duplication rules as those torch methods.
    """

    __slots__ = ("blind", "buffers", "first_address", "params", "table")

    def __init__(self, model: torch.nn.Module) -> None:
        walk: list[tuple[str, torch.nn.Module]] = []
        _walk(model, "", walk)  # named_modules(remove_duplicate=False) order
        # Address tree: a shared module keeps one entry, under its first address.
        self.table: dict[str, ModuleEntry] = {}
        self.first_address: dict[int, str] = {}  # id(module) -> address
        # named_parameters() / named_buffers(): de-duplicated, first address of each.
        self.params: list[tuple[str, torch.nn.Parameter]] = []
        self.buffers: list[tuple[str, torch.Tensor]] = []
        table, first_address, params, buffers = (
            self.table,
            self.first_address,
            self.params,
            self.buffers,
        )
        # Modules whose ops the capture cannot see (capture/blind.py): DataParallel, TorchScript.
        blind_types = (torch.nn.DataParallel, torch.jit.ScriptModule)
        self.blind = [(a, m) for a, m in walk if isinstance(m, blind_types)]
        seen_params: set[int] = set()
        seen_buffers: set[int] = set()
        shared = False  # any module or parameter reachable twice
        for address, module in walk:
            known = first_address.get(id(module))
            if known is not None:
                table[known].all_addresses.append(address)
                shared = True
                continue
            first_address[id(module)] = address
            entry = table[address] = ModuleEntry(address, type(module).__name__, 0)
            entry.training = module.training
            if address:
                parent = address.rpartition(".")[0]
                if parent in table:
                    table[parent].children.append(address)
            prefix = address + "." if address else ""
            if module._parameters:
                own = 0
                for name, param in module._parameters.items():
                    if param is None:
                        continue
                    if id(param) in seen_params:
                        shared = True
                        continue
                    seen_params.add(id(param))
                    params.append((prefix + name, param))
                    own += param.numel()
                entry.num_params = own
            if module._buffers:
                for name, buf in module._buffers.items():
                    if buf is not None and id(buf) not in seen_buffers:
                        seen_buffers.add(id(buf))
                        buffers.append((prefix + name, buf))
        if shared:
            _count_shared_params(walk, table)
        else:
            # A plain tree: a module's count is its own plus its children's. Pre-order
            # reversed visits every child before its parent.
            for address in reversed(table):
                if address:
                    table[address.rpartition(".")[0]].num_params += table[address].num_params


def _walk(module: torch.nn.Module, address: str, out: list[tuple[str, torch.nn.Module]]) -> None:
    """``module.named_modules(remove_duplicate=False)`` as a list, without nested generators."""
    out.append((address, module))
    prefix = address + "." if address else ""
    for name, child in module._modules.items():
        if child is not None:
            _walk(child, prefix + name, out)


def _count_shared_params(
    walk: list[tuple[str, torch.nn.Module]], table: dict[str, ModuleEntry]
) -> None:
    """Recursive parameter counts where modules or parameters are shared: each distinct
    parameter once per module whose subtree reaches it (by any address)."""
    for entry in table.values():
        entry.num_params = 0
    counted: set[tuple[str, int]] = set()
    for address, module in walk:
        for param in module._parameters.values():
            if param is None:
                continue
            owner = address
            while True:
                found = table.get(owner)
                if found is not None and (owner, id(param)) not in counted:
                    counted.add((owner, id(param)))
                    found.num_params += param.numel()
                if not owner:
                    break
                owner = owner.rpartition(".")[0] if "." in owner else ""


class ModuleTracker:
    """Module calls, their nesting, inputs and outputs."""

    def __init__(self, model: torch.nn.Module, tree: ModelTree, builder: TraceBuilder) -> None:
        self._builder: TraceBuilder | _Released = builder
        self._thread = threading.get_ident()
        self.table = tree.table
        self._address = dict(tree.first_address)
        del self._address[id(model)]  # the model itself is the top level, not a module call
        self.calls: list[ModuleCall] = []
        self._temporary: list[Any] = []  # forward hooks put on modules with hooks of their own
        # Open calls, outer -> inner: (call index, id(module), frame that ran its hook, the
        # user line that made the call).
        self._stack: list[tuple[int, int, FrameType, tuple[CodeType | None, int]]] = []
        self._counts: dict[str, int] = {}
        self.current = -1  # innermost open call, -1 at top level
        # The innermost open call's hook frame and the user frame found above it: a source
        # walk that reaches this frame stops there (see ``user_frame``).
        self.anchor: FrameType | None = None
        self.anchored: tuple[CodeType | None, int] = (None, 0)
        # The frame that called the model: call stacks of top-level calls end there.
        self.base: FrameType | None = None

    def pre_hook(self, module: torch.nn.Module, args: Any) -> None:
        builder = self._builder
        if builder.in_op or threading.get_ident() != self._thread:
            return
        address = self._address.get(id(module))
        if address is None:
            return
        counts = self._counts
        count = counts[address] = counts.get(address, 0) + 1
        inputs = self._inputs(args) if args else ()
        frame = sys._getframe(1)
        frames, source = call_sites(frame, self.anchor, self.anchored, self.base)
        call = ModuleCall(
            address, count, self.current, type(module).__name__, len(builder.ops), inputs, source,
            frames,
        )  # fmt: skip
        index = len(self.calls)
        self.calls.append(call)
        self._stack.append((index, id(module), frame, source))
        self.current = index
        self.anchor = frame
        self.anchored = source
        if module._forward_hooks:  # noqa: SLF001  (torch's own hook table)
            self._watch_final_output(module, index)

    def _inputs(self, args: Any) -> tuple[int, ...]:
        """Ops whose output a module call was given (tensors, or tensors in containers)."""
        producer_of = self._builder.producer_of
        inputs: list[int] = []
        for arg in args:
            if isinstance(arg, torch.Tensor):
                producer = producer_of(arg)
                if producer >= 0:
                    inputs.append(producer)
            else:
                for _, tensor in iter_tensors(arg, "", 1):
                    producer = producer_of(tensor)
                    if producer >= 0:
                        inputs.append(producer)
        return tuple(inputs)

    def _watch_final_output(self, module: torch.nn.Module, index: int) -> None:
        """The module has forward hooks of its own, which run after lenslab's global one and
        may replace the output: a hook of ours, last in line, records what the model got."""

        def final(_module: torch.nn.Module, _args: Any, output: Any) -> None:
            TEMPORARY_HOOKS.pop(id(handle), None)
            handle.remove()
            outputs = [p for p in map(self._builder.producer_of, _tensors(output)) if p >= 0]
            if outputs:
                self.calls[index].outputs = tuple(outputs)

        # Filed before it is installed: an interrupt in between leaves nothing unfiled
        # (``module.register_forward_hook`` installs first and returns the handle after).
        hooks = module._forward_hooks  # noqa: SLF001  (torch's own hook table)
        handle = RemovableHandle(hooks)
        TEMPORARY_HOOKS[id(handle)] = handle
        self._temporary.append(handle)
        hooks[handle.id] = final

    def post_hook(self, module: torch.nn.Module, args: Any, output: Any) -> None:
        builder = self._builder
        if builder.in_op or threading.get_ident() != self._thread:
            return
        stack = self._stack
        if stack and stack[-1][1] == id(module):  # the usual case: the innermost call ends
            index = stack.pop()[0]
            call = self.calls[index]
            call.end_op = len(builder.ops)
            self._restore()
        elif id(module) in self._address:
            index = self._close(id(module))
            if index < 0:
                return
            call = self.calls[index]
        else:
            return
        producer_of = builder.producer_of
        if isinstance(output, torch.Tensor):
            producer = producer_of(output)
            if producer >= 0:
                if producer < call.first_op and call.end_op == call.first_op:
                    # nn.Identity and other pass-through calls: an ``identity`` op inside the
                    # call (as in TorchLens), so the module is visible in the graph.
                    producer = builder.add_identity(output, producer, index, call)
                call.outputs = (producer,)
        else:
            outputs = [p for p in map(producer_of, _tensors(output)) if p >= 0]
            if outputs:
                call.outputs = tuple(outputs)
        if builder.selection is not None:
            builder.call_ended(call, output)

    def _restore(self) -> None:
        """Point ``current`` and the source anchor at the innermost call still open."""
        if self._stack:
            self.current, _, self.anchor, self.anchored = self._stack[-1]
        else:
            self.current = -1
            self.anchor = None
            self.anchored = (None, 0)

    def _close(self, module_id: int) -> int:
        """Pop calls up to and including the innermost open call of ``module_id``; its index."""
        if all(entry[1] != module_id for entry in self._stack):
            return -1
        end = len(self._builder.ops)
        while self._stack:
            index, mid, _, _ = self._stack.pop()
            self.calls[index].end_op = end
            if mid == module_id:
                self._restore()
                return index
        return -1  # unreachable: the module was on the stack

    def release(self) -> None:
        """Drop the builder reference (a cycle otherwise) once the hooks are removed."""
        self._builder = _Released()
        self.base = None  # a frame keeps its locals (the model, the inputs) alive

    def close_all(self) -> None:
        """End calls left open by an exception; remove hooks of ours still on modules."""
        for handle in self._temporary:
            TEMPORARY_HOOKS.pop(id(handle), None)
            handle.remove()
        self._temporary.clear()
        end = len(self._builder.ops)
        for index, *_ in self._stack:
            self.calls[index].end_op = end
        self._stack.clear()
        self._restore()


def _tensors(obj: Any) -> list[torch.Tensor]:
    return [tensor for _, tensor in iter_tensors(obj)]


class _Released:
    """Stands in for the builder after capture: hooks that still fire (none should) do nothing."""

    in_op = True
    ops: tuple[Any, ...] = ()
    selection = None

    def op_count(self) -> int:
        return 0

    def producer_of(self, tensor: torch.Tensor) -> int:
        return -1

    def add_identity(self, tensor: torch.Tensor, parent: int, index: int, call: Any) -> int:
        return parent
