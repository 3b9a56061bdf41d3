"""The module stack, from global forward (pre-)hooks, while the forward runs.

Global hooks see every module call without touching the model. Modules that are not part of
the model (created inside forward, or the model itself) are not tracked: their ops belong to
the enclosing tracked call.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

import torch

from .flatten import iter_tensors
from .records import ModuleCall, ModuleEntry
from .source import user_frame

if TYPE_CHECKING:
    from .builder import TraceBuilder


def module_table(model: torch.nn.Module) -> tuple[dict[str, ModuleEntry], dict[int, str]]:
    """Address tree of the model (the model itself is ``""``) and ``id(module)`` -> address.

    A shared module keeps one entry, under its first address, listing all of them.
    """
    table: dict[str, ModuleEntry] = {}
    first_address: dict[int, str] = {}
    for address, module in model.named_modules(remove_duplicate=False):
        known = first_address.get(id(module))
        if known is not None:
            table[known].all_addresses.append(address)
            continue
        first_address[id(module)] = address
        table[address] = ModuleEntry(address, type(module).__name__, 0)
        if address:
            parent = address.rpartition(".")[0]
            if parent in table:
                table[parent].children.append(address)
    _count_params(model, table)
    return table, first_address


def _count_params(model: torch.nn.Module, table: dict[str, ModuleEntry]) -> None:
    """Recursive parameter counts, each parameter once per module, in one pass over the
    parameters (``module.parameters()`` per module would walk each subtree again)."""
    counted: set[tuple[str, int]] = set()
    for address, param in model.named_parameters(remove_duplicate=False):
        owner = address
        while True:
            owner = owner.rpartition(".")[0] if "." in owner else ""
            entry = table.get(owner)
            if entry is not None and (owner, id(param)) not in counted:
                counted.add((owner, id(param)))
                entry.num_params += param.numel()
            if not owner:
                break


class ModuleTracker:
    """Module calls, their nesting, inputs and outputs."""

    def __init__(self, model: torch.nn.Module, builder: TraceBuilder) -> None:
        self._builder: TraceBuilder | _Released = builder
        self._thread = threading.get_ident()
        self.table, self._address = module_table(model)
        del self._address[id(model)]  # the model itself is the top level, not a module call
        self.calls: list[ModuleCall] = []
        self._stack: list[tuple[int, int]] = []  # (call index, id(module))
        self._counts: dict[str, int] = {}
        self.current = -1  # innermost open call, -1 at top level

    def pre_hook(self, module: torch.nn.Module, args: Any) -> None:
        builder = self._builder
        if builder.in_op or threading.get_ident() != self._thread:
            return
        address = self._address.get(id(module))
        if address is None:
            return
        count = self._counts[address] = self._counts.get(address, 0) + 1
        call = ModuleCall(address, count, self.current, type(module).__name__, builder.op_count())
        tensors = args if all(isinstance(a, torch.Tensor) for a in args) else _tensors(args)
        for tensor in tensors:
            producer = builder.producer_of(tensor)
            if producer >= 0:
                call.inputs.append(producer)
        call.code, call.line = user_frame(1)
        index = len(self.calls)
        self.calls.append(call)
        self._stack.append((index, id(module)))
        self.current = index

    def post_hook(self, module: torch.nn.Module, args: Any, output: Any) -> None:
        builder = self._builder
        if builder.in_op or threading.get_ident() != self._thread:
            return
        if id(module) not in self._address:
            return
        call = self._close(id(module))
        if call is None:
            return
        tensors = (output,) if isinstance(output, torch.Tensor) else _tensors(output)
        for tensor in tensors:
            producer = builder.producer_of(tensor)
            if producer >= 0:
                call.outputs.append(producer)

    def _close(self, module_id: int) -> ModuleCall | None:
        """Pop calls up to and including the innermost open call of ``module_id``."""
        if all(mid != module_id for _, mid in self._stack):
            return None
        end = self._builder.op_count()
        while self._stack:
            index, mid = self._stack.pop()
            call = self.calls[index]
            call.end_op = end
            if mid == module_id:
                self.current = self._stack[-1][0] if self._stack else -1
                return call
        return None  # unreachable: the module was on the stack

    def release(self) -> None:
        """Drop the builder reference (a cycle otherwise) once the hooks are removed."""
        self._builder = _Released()

    def close_all(self) -> None:
        """End calls left open by an exception."""
        end = self._builder.op_count()
        for index, _ in self._stack:
            self.calls[index].end_op = end
        self._stack.clear()
        self.current = -1


def _tensors(obj: Any) -> list[torch.Tensor]:
    return [tensor for _, tensor in iter_tensors(obj)]


class _Released:
    """Stands in for the builder after capture: hooks that still fire (none should) do nothing."""

    in_op = True

    def op_count(self) -> int:
        return 0

    def producer_of(self, tensor: torch.Tensor) -> int:
        return -1
