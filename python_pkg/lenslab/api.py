"""The entry points: ``lens()`` checks what the user passed, runs one captured forward pass and
freezes the result; ``validate()`` captures for validation and checks; ``load()`` reads a bundle.

This module and ``history`` are the facade on top of the pipeline (capture -> trace ->
transforms -> validation / export -> widget); no stage imports them."""

from __future__ import annotations

import contextlib
import copy
import functools
import gc
import inspect
import os
import random
import weakref
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

import torch

from .capture import ActivationStore, budget, guard, run_forward
from .capture.blind import check_model
from .capture.flatten import iter_tensors
from .capture.intervene import Target
from .capture.modules import ModelTree
from .capture.select import Selection, plan
from .errors import LensError
from .export.loader import load_capture
from .history import AS_BEFORE, ModelHistory
from .interventions import Intervene, plan_interventions
from .selection import (
    Snapshot,
    as_keys,
    check_hits,
    check_same_graph,
    first_difference,
    resolve,
)
from .trace.record import Capture, make_capture
from .trace.trace import Trace, freeze
from .transforms import derive
from .validation import ValidationReport
from .validation.context import RunContext, attach_context

Save = str | Sequence[str | int | Callable[[Any], bool]] | Callable[[Any], bool] | None


F = TypeVar("F", bound=Callable[..., Any])


def _restoring(func: F) -> F:
    """Whatever happens inside (an interrupt included, at any line), torch's global state —
    hooks, mode stack, grad mode, the garbage collector, the capture lock — is as before."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        before = guard.snapshot()
        try:
            return func(*args, **kwargs)
        except BaseException as exc:
            guard.restore(before, exc)
            raise
        finally:
            guard.restore(before)  # again: an interrupt may have cut the first one short

    return wrapper  # type: ignore[return-value]


@_restoring
def lens(  # noqa: PLR0913  (the options CONTRACT names, all keyword-only)
    model: torch.nn.Module,
    inputs: Any,
    *,
    kwargs: dict[str, Any] | None = None,
    save: Save = "all",
    postfunc: Callable[[torch.Tensor], Any] | None = None,
    device: str | torch.device = "same",
    grads: bool = False,
    seed: int | None = None,
    stop_after: str | int | None = None,
    attention_weights: bool = False,
    memory: bool = False,
    keep_args: bool = False,
    intervene: Intervene | None = None,
    max_memory: int | str | None = None,
) -> ModelHistory:
    """Run ``model`` once on ``inputs`` and record every tensor operation.

    ``inputs`` is one tensor, a tuple/list of positional arguments or a dict of keyword
    arguments (nested containers of tensors work); ``kwargs`` adds keyword arguments.
    ``save`` is ``"all"``, ``None`` (metadata only) or a list of keys, substrings and callables
    ``f(layer) -> bool``, decided as each op runs (see ``lenslab.selection`` for the rule);
    ``postfunc`` is applied to each saved activation; ``device`` moves saved activations;
    ``grads=True`` keeps the gradient of every saved pass once the user runs a backward pass.
    ``stop_after`` ends the forward once that op (or module call) has run (``h.complete`` is
    then ``False``). ``attention_weights=True`` records fused ``scaled_dot_product_attention``
    as its math (scores, softmax, weighted sum), so the attention weights are a recorded tensor.
    ``memory=True`` also records, per op, the bytes autograd keeps for its backward
    (``layer.saved_for_backward_bytes``; ``None`` without it).
    ``intervene={key: f}`` replaces each named op's output during the pass (later ops see the
    replacement): ``f(activation, layer) -> tensor``, ``"zero"`` or a tensor.
    ``max_memory`` (bytes, or text such as ``"8GB"``) stops the capture with a ``LensError``
    once the saved activations pass it; a capture that runs out of memory also ends in a
    ``LensError`` naming the largest saved layers, with the activations let go.
    ``keep_args`` (private) keeps each op's callable and arguments for replay validation.
    If the model raises, its exception propagates with ``exc.lens_history`` (partial).
    """
    guard.check_free()
    _storage_device(device)
    limit = budget.parse_size(max_memory)
    model = _check_model(model)
    args, call_kwargs = _split_inputs(inputs, kwargs)
    with _gc_paused():
        tree = ModelTree(model)  # the module tree, walked once for everything below
    check_model(tree)
    _check_devices(tree, args, call_kwargs)
    keys = as_keys(save)
    options = _Options(save is not None and keys is None, postfunc, device, grads, keep_args)
    options.attention_weights = attention_weights
    options.memory = memory
    options.max_memory = limit
    if intervene is not None:
        if seed is not None:
            _seed_everything(seed)
        options.targets = plan_interventions(
            model, args, call_kwargs, tree, intervene, attention_weights
        )
    metadata_only = _Options(False)
    metadata_only.attention_weights = attention_weights
    if keys is None and stop_after is None:
        history = _capture(model, args, call_kwargs, tree, options, None, seed)
        history.origin = _Origin(model, options, save, stop_after)
        return history
    selection, deferred = plan(keys or [], _addresses(tree), stop_after)
    snapshot = Snapshot(tree.buffers) if deferred or selection.callables else None
    first: ModelHistory | None = None
    if deferred:
        # Keys that depend on the finished graph: a metadata-only pass first (as TorchLens).
        first = _capture(model, args, call_kwargs, tree, metadata_only, None, seed)
        selection = resolve(first, keys or [], stop_after)
        snapshot.restore()  # type: ignore[union-attr]  # set whenever keys are deferred
    history = _capture(model, args, call_kwargs, tree, options, selection, seed)
    if selection.needs_graph:  # a callable read a label: this pass was the metadata pass
        first = history
        selection = resolve(first, keys or [], stop_after)
        snapshot.restore()  # type: ignore[union-attr]  # set whenever there are callables
        history = _capture(model, args, call_kwargs, tree, options, selection, seed)
    if first is not None:
        check_same_graph(first, history, keys or [])
    elif keys:
        check_hits(history, selection, keys)
    history.origin = _Origin(model, options, save, stop_after)
    return history


class _Options:
    """How a pass stores what it keeps."""

    def __init__(
        self,
        save_all: bool,
        postfunc: Callable[[torch.Tensor], Any] | None = None,
        device: str | torch.device = "same",
        grads: bool = False,
        keep_args: bool = False,
    ) -> None:
        self.save_all = save_all
        self.postfunc = postfunc
        self.device = None if device == "same" else torch.device(device)
        self.grads = grads
        self.keep_args = keep_args
        self.attention_weights = False
        self.memory = False  # saved-for-backward bytes per op (capture/memory.py)
        self.targets: dict[int, Target] | None = None  # lens(intervene=): op -> replacement
        self.max_memory: int | None = None  # bytes of saved activations (capture/budget.py)


class _Origin:
    """What ``h.rerun`` needs: the model (weakly: a history does not keep a model alive), the
    options it was captured with, and ``save`` as given."""

    def __init__(self, model: torch.nn.Module, options: _Options, save: Any, stop: Any) -> None:
        self._model = weakref.ref(model)
        self.options = options
        self.save = save
        self.stop = stop

    def rerun(
        self, history: ModelHistory, inputs: Any, kwargs: Any, save: Any, strict: bool
    ) -> ModelHistory:
        model = self._model()
        if model is None:
            raise LensError("the model this history recorded no longer exists; call lens() again.")
        args, call_kwargs = _split_inputs(inputs, kwargs)
        tree = ModelTree(model)
        _check_devices(tree, args, call_kwargs)
        options, selection = self._selection(history, save)
        new = _capture(model, args, call_kwargs, tree, options, selection, None)
        differs = first_difference(history, new)
        if differs is not None:
            if strict:
                raise LensError(f"rerun: {differs}. Pass strict=False to get the new graph.")
            again = self.save if save is AS_BEFORE else save
            return lens(
                model,
                inputs,
                kwargs=kwargs,
                save=again,
                postfunc=options.postfunc,
                device=options.device or "same",
                grads=options.grads,
                attention_weights=options.attention_weights,
            )
        new.origin = self
        return new

    def _selection(self, history: ModelHistory, save: Any) -> tuple[_Options, Selection | None]:
        """Positions to keep, resolved on the known graph: no metadata-only pass."""
        options = copy.copy(self.options)
        if save is AS_BEFORE:
            values = history.capture.trace.store.values
            if options.save_all:
                selection = None
            else:
                selection = Selection(indices=[i for i, v in enumerate(values) if v is not None])
        else:
            keys = as_keys(save)
            options.save_all = save is not None and keys is None
            selection = resolve(history, keys, None) if keys else None
        if not history.complete:  # stopped early (stop_after): stop at the same op
            selection = selection or Selection()
            selection.stop_index = len(history) - 1
        return options, selection


def _capture(
    model: torch.nn.Module,
    args: tuple[Any, ...],
    call_kwargs: dict[str, Any],
    tree: ModelTree,
    options: _Options,
    selection: Selection | None,
    seed: int | None,
) -> ModelHistory:
    store_options = (options.save_all, options.postfunc, options.device, options.grads)
    store = (
        ActivationStore(*store_options)
        if options.max_memory is None
        else budget.BoundedStore(*store_options, limit=options.max_memory)
    )
    if seed is not None:
        _seed_everything(seed)
    # Validation re-runs the model: keep it, its inputs, buffers and RNG state from before.
    context = RunContext(model, args, call_kwargs) if options.keep_args else None
    failure: LensError | None = None
    with _gc_paused():
        try:
            builder, _ = run_forward(
                model,
                args,
                call_kwargs,
                store,
                options.keep_args,
                tree,
                options.attention_weights,
                selection,
                memory=options.memory,
                targets=options.targets,
            )
        except BaseException as exc:
            if not budget.out_of_memory(exc):
                _attach_partial_history(exc, model)
                raise
            # Raised below, outside this block: the exception, its frames and the activations
            # they hold go now, not with the error the user keeps.
            failure = budget.memory_error(exc, getattr(exc, "lens_builder", None))
            _attach_partial_history(exc, model)
            failure.lens_history = getattr(exc, "lens_history", None)  # type: ignore[attr-defined]
        if failure is None:
            complete = not builder.stopped
            history = ModelHistory(_finish(freeze(builder, model, complete=complete)))
            # Free the capture's lookup tables (a weak reference per op) while the collector
            # is still paused: re-enabling it would otherwise scan them once more.
            del builder
    if failure is not None:
        raise failure from None
    if context is not None:
        context.targets = options.targets
        context.attention_weights = options.attention_weights
        attach_context(history.capture, context)
    return history


def _addresses(tree: ModelTree) -> tuple[set[str], set[str]]:
    return set(tree.table), {address for address, _ in tree.buffers}


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while records pile up.

    Capture allocates a few small objects per op that all stay alive; collections triggered
    by them only re-scan survivors (30-40% of capture time on op-heavy models). One forward
    pass makes little cyclic garbage, and the collector's state is restored on any exit.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def validate(model: torch.nn.Module, inputs: Any, **lens_options: Any) -> ValidationReport:
    """Capture ``model`` on ``inputs`` with everything validation needs, then validate.

    ``lens_options`` are those of ``lens`` (``kwargs``, ``seed``, ...). The model's buffers and
    the global RNG state are left as one ``lens`` call would leave them.
    """
    lens_options.pop("keep_args", None)
    return lens(model, inputs, keep_args=True, **lens_options).validate()


def load(path: str | os.PathLike[str]) -> ModelHistory:
    """Opens a ``.lens`` bundle written by ``h.save(path)`` (tensors are read on first use)."""
    return ModelHistory(load_capture(path))


def _finish(trace: Trace) -> Capture:
    return make_capture(trace, derive(trace))


class _MethodCall(torch.nn.Module):
    """``lens(model.generate, ...)``: a method of a model, captured as a call of this wrapper.

    The model is its child ``model``, so each forward the method runs (one per generated token)
    is one call of ``model`` and its submodules' addresses start with ``model.``.
    """

    def __init__(self, owner: torch.nn.Module, method: str) -> None:
        super().__init__()
        self.model = owner
        self.method = method

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.model, self.method)(*args, **kwargs)


def _storage_device(device: Any) -> torch.device | None:
    """``device=``, checked: a clear ``LensError`` instead of torch's, before anything runs."""
    if isinstance(device, str) and device == "same":
        return None
    try:
        target = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise LensError(
            f"device={device!r} is not a device torch knows ({exc}). Use 'same' (where each "
            "tensor already is), 'cpu', or an available accelerator such as 'cuda:0'."
        ) from None
    if target.type == "meta":
        raise LensError(
            "device='meta' keeps shapes but no values, so nothing would be saved. For metadata "
            "only, capture with save=None; to keep values, use 'same' or 'cpu'."
        )
    module = getattr(torch, target.type, None)
    available = getattr(module, "is_available", None)
    if target.type != "cpu" and callable(available) and not available():
        raise LensError(
            f"device={device!r}, but this machine has no {target.type} device available. Use "
            "'same' or 'cpu'."
        )
    count = getattr(module, "device_count", None)
    known = count() if callable(count) and target.type != "cpu" else None
    if target.index is not None and known is not None and target.index >= known:
        raise LensError(
            f"device={device!r}, but only {known} {target.type} device(s) exist here "
            f"(0 to {known - 1})."
        )
    return target


def _check_model(model: Any) -> torch.nn.Module:
    if isinstance(model, torch.jit.ScriptModule):
        raise LensError(
            "lens() cannot see inside a TorchScript module: its ops run in the TorchScript "
            "interpreter. Pass the original nn.Module (before torch.jit.script/trace) instead."
        )
    orig = getattr(model, "_orig_mod", None)
    if isinstance(orig, torch.nn.Module) and type(model).__name__ == "OptimizedModule":
        return orig  # torch.compile'd: trace the eager module it wraps
    if inspect.ismethod(model) and isinstance(model.__self__, torch.nn.Module):
        return _MethodCall(model.__self__, model.__name__)
    if not isinstance(model, torch.nn.Module):
        raise LensError(
            f"lens() needs a torch.nn.Module as its first argument, got {type(model).__name__}. "
            "Wrap a plain function in an nn.Module whose forward calls it."
        )
    return model


def _split_inputs(
    inputs: Any, kwargs: dict[str, Any] | None
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if kwargs is not None and not isinstance(kwargs, dict):
        raise LensError(f"kwargs must be a dict of keyword arguments, got {type(kwargs).__name__}.")
    extra = dict(kwargs or {})
    if isinstance(inputs, torch.Tensor):
        return (inputs,), extra
    if isinstance(inputs, (tuple, list)):
        return tuple(inputs), extra
    if isinstance(inputs, dict):
        return (), {**inputs, **extra}
    raise LensError(
        f"inputs must be a tensor, a tuple/list of positional arguments or a dict of keyword "
        f"arguments, got {type(inputs).__name__}. Convert arrays with torch.as_tensor(...)."
    )


def _check_devices(tree: ModelTree, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    devices = {p.device for _, p in tree.params}
    if not devices:
        return
    for path, tensor in iter_tensors((args, kwargs)):
        if tensor.device not in devices:
            where = ", ".join(sorted(map(str, devices)))
            raise LensError(
                f"input {path or '0'} is on {tensor.device} but the model's parameters are on "
                f"{where}. Move one to the other, e.g. x.to({where.split(', ')[0]!r})."
            )


def _seed_everything(seed: int) -> None:
    torch.manual_seed(seed)
    random.seed(seed)
    try:
        import numpy

        numpy.random.seed(seed)
    except ImportError:  # numpy is optional
        pass


def _attach_partial_history(exc: BaseException, model: torch.nn.Module) -> None:
    builder = getattr(exc, "lens_builder", None)
    if builder is None:
        return
    try:
        del exc.lens_builder  # type: ignore[attr-defined]
        exc.lens_history = ModelHistory(_finish(freeze(builder, model, complete=False)))  # type: ignore[attr-defined]
    except Exception:  # the user's exception matters more than a failed partial history
        pass
