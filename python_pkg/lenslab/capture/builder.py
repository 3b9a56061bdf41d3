"""The mutable trace builder: one ``OpRecord`` per tensor an op produces, while the forward runs.

This is the hot path. It scans arguments once, looks tensors up by ``id`` (with a weak
reference to tell a live tensor from a recycled id), keeps references instead of copies and
formats nothing: labels, loops and branches are computed after the pass.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from time import perf_counter
from types import CodeType
from typing import Any

import torch

from .composite import FunctionCall
from .flatten import iter_tensors
from .funcinfo import FuncInfo
from .gradfn import GradFnNames
from .modules import ModelTree, ModuleTracker
from .records import BUFFER, INPUT, OP, OUTPUT, ModuleCall, OpRecord, intern_shape
from .select import Selection, StopForward
from .source import Site, augmented_operator, user_frame
from .special import run_special
from .store import ActivationStore, copy_detached, storage_key

Tensor = torch.Tensor
_SLOTS = tuple(str(i) for i in range(64))
_SEQ = (list, tuple)
# Argument slots of ops, one shared tuple per distinct spelling (a few dozen in a model).
_SLOT_TUPLES: dict[tuple[str, ...], tuple[str, ...]] = {}


def _slot_tuple(slots: list[str]) -> tuple[str, ...]:
    key = tuple(slots)
    if len(_SLOT_TUPLES) < 4096:  # models with generated keyword names do not grow it forever
        _SLOT_TUPLES[key] = key
    return key


class TraceBuilder:
    """Collects ops, inputs, outputs and buffer reads of one forward pass."""

    def __init__(
        self,
        model: torch.nn.Module,
        store: ActivationStore,
        keep_args: bool,
        tree: ModelTree | None = None,
        attention_weights: bool = False,
        selection: Selection | None = None,
    ) -> None:
        if tree is None:
            tree = ModelTree(model)
        self.selection = selection
        self.stopped = False  # True when ``stop_after`` ended the forward
        self.thread = threading.get_ident()
        self.ops: list[OpRecord] = []
        self.store = store
        self.keep_args = keep_args
        self.kept_args: dict[int, tuple[Callable[..., Any], tuple[Any, ...], dict[str, Any]]] = {}
        self.bool_values: dict[int, bool] = {}
        self.bool_sites: dict[int, tuple[CodeType | None, int]] = {}
        self.in_op = False  # True while a recorded op runs: module hooks then stay quiet
        # id(tensor) -> (weak reference, producing node, version counter when produced)
        self._producer: dict[int, tuple[weakref.ref[Tensor], int, int]] = {}
        self._storage_writer: dict[int, int] = {}  # storage pointer -> last in-place op on it
        params = tree.params
        self._params = {id(p): (a, p.numel()) for a, p in params}  # id -> (address, elements)
        self.param_shapes = {a: intern_shape(p.shape) for a, p in params}
        self.param_trainable = {a: p.requires_grad for a, p in params}
        self.param_dtypes = {a: p.dtype for a, p in params}
        # Weak: a history must not keep the model alive; ``h.params[a].grad`` reads it live.
        self.param_refs = {a: weakref.ref(p) for a, p in params}
        self.grad_fns: dict[int, str] = {}  # op -> autograd node class name, where it has one
        self.grad_fn_names = GradFnNames(self.grad_fns)
        self.saved_bytes: dict[int, int] | None = None  # filled by MemoryTraceBuilder only
        self._buffer_addr: dict[int, str] = {id(buf): address for address, buf in tree.buffers}
        self._buffer_nodes: dict[str, tuple[int, int]] = {}  # address -> (node index, version)
        self._buffer_writer: dict[str, int] = {}  # address -> op that last changed it in place
        self.modules = ModuleTracker(model, tree, self)
        self.caller_frames: tuple[Site, ...] = ()  # user code that called lens(), outermost first
        self.failure: Failure | None = None  # the torch call that raised, if one did
        if selection is not None:
            selection.tracker = self.modules
        self.attention_weights = attention_weights
        self.function_calls: list[FunctionCall] = []
        self.open_function_call = -1  # the innermost open function call (special.py)
        self.unseen_reads = 0  # tensor arguments made by autograd-tracked ops nobody recorded

    def op_count(self) -> int:
        return len(self.ops)

    # ---- lookups -------------------------------------------------------------------------

    def producer_of(self, tensor: Tensor) -> int:
        """Index of the node whose output ``tensor`` is, or -1."""
        entry = self._producer.get(id(tensor))
        if entry is not None and entry[0]() is tensor:
            return entry[1]
        return -1

    def _set_producer(self, tensor: Tensor, index: int) -> None:
        self._producer[id(tensor)] = (weakref.ref(tensor), index, _version(tensor))

    # ---- nodes that are not ops --------------------------------------------------------------

    def add_input(self, tensor: Tensor, path: str) -> None:
        if self.producer_of(tensor) >= 0:
            return  # the same tensor passed twice is one input
        index = self._new_node(INPUT, "input", tensor, [], [])
        self.ops[index].address = path

    def add_output(self, tensor: Tensor, path: str) -> None:
        parent = self.producer_of(tensor)
        parents, slots = ([parent], ["0"]) if parent >= 0 else ([], [])
        index = self._new_node(OUTPUT, "output", tensor, parents, slots)
        self.ops[index].address = path

    def _new_node(
        self, kind: int, name: str, tensor: Tensor, parents: list[int], slots: list[str]
    ) -> int:
        index = len(self.ops)
        record = OpRecord(
            kind, name, name, tuple(parents), tuple(slots), tensor, self.modules.current
        )
        self.ops.append(record)
        self._save(index, record, tensor, name)
        if kind != OUTPUT:
            self._set_producer(tensor, index)
        return index

    def add_identity(self, tensor: Tensor, parent: int, call_index: int, call: Any) -> int:
        """An ``identity`` op for a module call that returned a tensor it was given."""
        index = self._new_node(OP, "identity", tensor, [parent], ["0"])
        record = self.ops[index]
        record.module_call = call_index
        record.code, record.line = call.code, call.line
        call.end_op = len(self.ops)
        return index

    def _buffer_node(self, tensor: Tensor, address: str) -> int:
        """The buffer node holding the current value of ``address``; a new pass if it changed."""
        version = _version(tensor)
        known = self._buffer_nodes.get(address)
        if known is not None and known[1] == version:
            return known[0]
        writer = self._buffer_writer.get(address, -1)
        parents, slots = ([writer], ["0"]) if writer >= 0 else ([], [])
        index = len(self.ops)
        record = OpRecord(
            BUFFER, "buffer", "buffer", tuple(parents), tuple(slots), tensor, self.modules.current
        )
        record.address = address
        self.ops.append(record)
        # Buffers are small and change under later calls (running stats): keep a copy (of the
        # detached tensor: no autograd graph, so no grad-mode switch needed around it).
        if self._wanted(index, record):
            self.store.keep(index, copy_detached(tensor), address)
        else:
            self.store.values.append(None)
        self._buffer_nodes[address] = (index, version)
        return index

    def _wanted(self, index: int, record: OpRecord) -> bool:
        if self.store.save_all:
            return True
        selection = self.selection
        return selection is not None and selection.wants(index, record)

    def _save(self, index: int, record: OpRecord, tensor: Tensor, hint: str) -> None:
        if self._wanted(index, record):
            self.store.keep(index, tensor, hint)
        else:
            self.store.values.append(None)

    def call_ended(self, call: ModuleCall, output: Any) -> None:
        """Keep what a module call returned if ``save`` names it; stop if ``stop_after`` does."""
        selection = self.selection
        if selection is None:
            return
        if selection.wants_call_output(call.address, call.call):
            tensors = (
                [output] if isinstance(output, Tensor) else [t for _, t in iter_tensors(output)]
            )
            for tensor in tensors:
                entry = self._producer.get(id(tensor))
                # A tensor changed in place since its op ran no longer holds that op's value.
                if entry is not None and entry[0]() is tensor and _version(tensor) == entry[2]:
                    # Module hooks run with the capture mode on: postfunc's ops stay unrecorded.
                    with torch._C.DisableTorchFunction():  # noqa: SLF001  (torch's own switch; no public one)
                        self.store.keep_late(entry[1], tensor, call.address)
        if selection.stop_module == (call.address, call.call):
            self.stopped = True
            raise StopForward

    # ---- ops -------------------------------------------------------------------------------

    def run(
        self,
        func: Callable[..., Any],
        info: FuncInfo,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        """Call ``func`` and record what it produced. Called with the capture mode popped."""
        if (info.may_mutate and self._mutating(info, args, kwargs)) or (
            kwargs and kwargs.get("out") is not None
        ):
            return self._run_mutating(func, info, args, kwargs)
        try:
            out, elapsed = self._call(func, args, kwargs)
        except Exception as exc:
            self._fail(info, args, kwargs, exc)
            raise
        if isinstance(out, Tensor):
            self._record(func, info, args, kwargs, self._scan(args, kwargs), (out,), elapsed)
        elif isinstance(out, _SEQ) and out and any(isinstance(o, Tensor) for o in out):
            self._record(func, info, args, kwargs, self._scan(args, kwargs), out, elapsed)
        elif info.is_bool and isinstance(out, bool) and args and isinstance(args[0], Tensor):
            self._mark_bool(args[0], out)
        return out

    @staticmethod
    def _mutating(info: FuncInfo, args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
        return (
            info.inplace
            or info.norm_stats
            or (info.inplace_pos >= 0 and _flag(args, kwargs, info.inplace_pos, "inplace"))
        )

    def run_special(
        self,
        func: Callable[..., Any],
        info: FuncInfo,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        mode: Any,
    ) -> Any:
        """Composite functions, fused attention and renamed spellings (``capture/special.py``)."""
        return run_special(self, func, info, args, kwargs, mode)

    def replaced_since(self, first: int) -> bool:
        """Whether an intervention replaced an op recorded at or after ``first`` (never here:
        only ``capture/intervene.py``'s builder replaces ops)."""
        return False

    def _call(
        self, func: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[Any, float]:
        """``func``'s result and its run time, with module hooks quiet while it runs."""
        self.in_op = True
        start = perf_counter()
        try:
            out = func(*args, **kwargs)
        finally:
            self.in_op = False
        return out, perf_counter() - start

    def _run_mutating(
        self,
        func: Callable[..., Any],
        info: FuncInfo,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> Any:
        # Parents are read before the call: afterwards the mutated tensor is this op's output.
        scan = self._scan(args, kwargs)
        targets: list[Tensor] = []
        if info.norm_stats:
            if _flag(args, kwargs, 5, "training") or _flag(args, kwargs, 5, "use_input_stats"):
                targets = [
                    a for a in args[1:5] if isinstance(a, Tensor) and id(a) in self._buffer_addr
                ]
        else:
            out_kw = kwargs.get("out") if kwargs else None
            target = out_kw if isinstance(out_kw, Tensor) else (args[0] if args else None)
            if isinstance(target, Tensor):
                targets = [target]
        versions = [_version(t) for t in targets]
        for target in targets:
            self.store.before_mutation(target)
        try:
            out, elapsed = self._call(func, args, kwargs)
        except Exception as exc:
            self._fail(info, args, kwargs, exc)
            raise
        if out is None and info.name == "__setitem__":
            out = args[0]
        if isinstance(out, Tensor):
            outs: Any = (out,)
        elif isinstance(out, _SEQ) and any(isinstance(o, Tensor) for o in out):
            outs = out
        else:
            return out
        first = self._record(func, info, args, kwargs, scan, outs, elapsed)
        if info.method_inplace:
            dunder = augmented_operator(1)
            if dunder:  # ``x += y`` arrives as ``add_``: label it ``iadd``, as TorchLens does
                self.ops[first].name, self.ops[first].type = dunder, dunder.strip("_")
        # C++ running-stat updates do not bump the version counter: training norms always write.
        changed = (
            targets
            if info.norm_stats
            else [t for t, v in zip(targets, versions, strict=True) if v < 0 or _version(t) != v]
        )
        if changed:
            self._mark_mutation(first, changed)
        return out

    def _mark_mutation(self, index: int, changed: list[Tensor]) -> None:
        names: list[str] = []
        for tensor in changed:
            address = self._buffer_addr.get(id(tensor))
            if address is None:
                names.append("inplace")
                key = storage_key(tensor)
                if key:
                    self._storage_writer[key] = index
            else:
                names.append(address)
                self._buffer_writer[address] = index
                self._buffer_nodes.pop(address, None)  # the next read sees a new value
        self.ops[index].mutates = tuple(names)

    def _scan(
        self, args: tuple[Any, ...], kwargs: dict[str, Any]
    ) -> tuple[list[int], list[str], list[str], int, list[Any] | None]:
        parents: list[int] = []
        slots: list[str] = []
        params: list[str] = []
        numel = 0
        other: list[Any] | None = None  # flat: slot, value, slot, value, ...
        link = self._link
        for i, arg in enumerate(args):
            if isinstance(arg, Tensor):
                numel += link(arg, _SLOTS[i] if i < 64 else str(i), parents, slots, params)
            elif type(arg) in _SEQ and arg and isinstance(arg[0], Tensor):
                for j, item in enumerate(arg):
                    if isinstance(item, Tensor):
                        numel += link(item, f"{i}.{j}", parents, slots, params)
            elif other is None:
                other = [_SLOTS[i] if i < 64 else str(i), arg]
            else:
                other += (_SLOTS[i] if i < 64 else str(i), arg)
        if kwargs:
            for name, arg in kwargs.items():
                if isinstance(arg, Tensor):
                    numel += link(arg, name, parents, slots, params)
                elif other is None:
                    other = [name, arg]
                else:
                    other += (name, arg)
        return parents, slots, params, numel, other

    def _link(
        self, tensor: Tensor, slot: str, parents: list[int], slots: list[str], params: list[str]
    ) -> int:
        """File a tensor argument under ``params`` or as a parent edge; its parameter count."""
        key = id(tensor)
        param = self._params.get(key)
        if param is not None:
            params.append(param[0])
            return param[1]
        entry = self._producer.get(key)
        if entry is not None and entry[0]() is tensor:
            index = entry[1]
            if entry[2] >= 0 and tensor._version != entry[2]:  # -1: no version counter
                index = self._alias_node(tensor, index)
            parents.append(index)
            slots.append(slot)
            return 0
        address = self._buffer_addr.get(key)
        if address is not None:
            parents.append(self._buffer_node(tensor, address))
            slots.append(slot)
        elif tensor.requires_grad and not tensor.is_leaf:  # not .grad_fn: see gradfn.py
            # Made by tracked ops the capture never saw: another thread, a TorchScript
            # submodule, or work done before the pass. Counted and reported after it.
            self.unseen_reads += 1
        # Otherwise the tensor came from outside the pass (a plain attribute): no parent node.
        return 0

    def _alias_node(self, tensor: Tensor, stale: int) -> int:
        """A node for the current value of ``tensor``, changed in place through an alias.

        ``v = x[0]; x.add_(1); f(v)``: ``v``'s producer holds the value before ``add_``. The
        alias node stands for the value ``f`` reads; its parents are the stale producer and the
        in-place op that last wrote the shared storage.
        """
        writer = self._storage_writer.get(storage_key(tensor), -1)
        parents, slots = [stale], ["0"]
        if writer >= 0:
            parents.append(writer)
            slots.append("write")
        index = self._new_node(OP, "alias", tensor, parents, slots)
        modules = self.modules
        record = self.ops[index]
        record.code, record.line = user_frame(1, modules.anchor, modules.anchored)
        return index

    def _record(
        self,
        func: Callable[..., Any],
        info: FuncInfo,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
        scan: tuple[list[int], list[str], list[str], int, list[Any] | None],
        outs: Any,
        elapsed: float,
    ) -> int:
        parents_l, slots_l, params, numel, other = scan
        # Tuples: never changed after capture, and the garbage collector stops scanning tuples
        # of ints. Slot tuples repeat (("0",), ("0", "1")...): one shared object each.
        parents = tuple(parents_l)
        slots = _SLOT_TUPLES.get(tuple(slots_l)) or _slot_tuple(slots_l)
        params_t = tuple(params) if params else ()
        modules = self.modules
        code, line = user_frame(1, modules.anchor, modules.anchored)
        call = modules.current
        ops = self.ops
        first = len(ops)
        store = self.store
        save = store.save_all
        selection = self.selection
        producer = self._producer
        grad_names = self.grad_fn_names
        share = elapsed / len(outs) if len(outs) > 1 else elapsed
        name, type_ = info.name, info.type
        for out_index, out in enumerate(outs):
            if not isinstance(out, Tensor):
                continue
            index = len(ops)
            record = OpRecord(
                OP,
                name,
                type_,
                parents,
                slots,
                out,
                call,
                params_t,
                numel,
                code,
                line,
                share,
                other,
            )
            if out_index:
                record.out_index = out_index
            ops.append(record)
            if save:
                store.add(index, out, name)
            elif selection is not None and selection.wants(index, record):
                store.keep(index, out, name)
            else:
                store.values.append(None)
            before = producer.get(id(out)) if out.requires_grad else None
            try:
                producer[id(out)] = (weakref.ref(out), index, out._version)
            except RuntimeError:  # inference-mode tensors track no versions
                producer[id(out)] = (weakref.ref(out), index, -1)
            if out.requires_grad:  # a node name by call signature (gradfn.py: why not read)
                grad_names.record(index, (func, out_index, out, args, kwargs), before)
        if self.keep_args:
            # Containers are copied (tensors are not): DenseNet appends to the list it passed
            # to ``cat`` after the call, and replay must see the list as the op saw it.
            self.kept_args[first] = (func, _snapshot(args, 0), _snapshot(kwargs, 0))
        if selection is not None and first <= selection.stop_index < len(ops):
            self.stopped = True
            raise StopForward
        return first

    def _fail(
        self, info: FuncInfo, args: tuple[Any, ...], kwargs: dict[str, Any], exc: Exception
    ) -> None:
        """Remember the call that raised (the innermost one: a nested failure comes first)."""
        if self.failure is not None:
            return
        try:
            parents = list(dict.fromkeys(self._scan(args, kwargs)[0]))
        except Exception:  # the user's error matters more than its parents
            parents = []
        modules = self.modules
        code, line = user_frame(1, modules.anchor, modules.anchored)
        message = f"{type(exc).__name__}: {exc}"
        self.failure = Failure(info.name, info.type, parents, modules.current, code, line, message)

    def _mark_bool(self, tensor: Tensor, value: bool) -> None:
        index = self.producer_of(tensor)
        if index >= 0 and tensor.dtype == torch.bool and tensor.numel() == 1:
            self.bool_values[index] = value
            modules = self.modules
            self.bool_sites[index] = user_frame(1, modules.anchor, modules.anchored)


class Failure:
    """The torch call that raised during the pass: what it was given and the error."""

    __slots__ = ("code", "line", "message", "module_call", "name", "parents", "type")

    def __init__(
        self,
        name: str,
        type_: str,
        parents: list[int],
        module_call: int,
        code: CodeType | None,
        line: int,
        message: str,
    ) -> None:
        self.name = name
        self.type = type_
        self.parents = parents
        self.module_call = module_call
        self.code = code
        self.line = line
        self.message = message


def _snapshot(value: Any, depth: int) -> Any:
    """``value`` with its lists, tuples and dicts copied (up to 10 levels); leaves shared."""
    if depth > 10:
        return value
    kind = type(value)
    if kind is list or kind is tuple:
        return kind(_snapshot(v, depth + 1) for v in value)
    if kind is dict:
        return {k: _snapshot(v, depth + 1) for k, v in value.items()}
    return value


def _version(tensor: Tensor) -> int:
    """The tensor's version counter (shared by views), or -1 where there is none."""
    try:
        return int(tensor._version)
    except RuntimeError:  # inference-mode tensors track no versions
        return -1


def _flag(args: tuple[Any, ...], kwargs: dict[str, Any], position: int, name: str) -> bool:
    if len(args) > position:
        return args[position] is True
    return bool(kwargs) and kwargs.get(name) is True
