"""The entry points: ``lens()`` checks what the user passed, runs one captured forward pass and
freezes the result; ``validate()`` captures for validation and checks; ``load()`` reads a bundle.

This module and ``history`` are the facade on top of the pipeline (capture -> trace ->
transforms -> validation / export -> widget); no stage imports them."""

from __future__ import annotations

import contextlib
import gc
import os
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch

from .capture import ActivationStore, run_forward
from .capture.flatten import iter_tensors
from .capture.modules import ModelTree
from .errors import LensError
from .export.loader import load_capture
from .history import ModelHistory
from .interventions import Intervene, plan_interventions
from .trace.record import Capture, make_capture
from .trace.trace import Trace, freeze
from .transforms import derive
from .validation import ValidationReport
from .validation.context import RunContext, attach_context

Save = str | Sequence[str | int] | None


def lens(
    model: torch.nn.Module,
    inputs: Any,
    *,
    kwargs: dict[str, Any] | None = None,
    save: Save = "all",
    postfunc: Callable[[torch.Tensor], Any] | None = None,
    device: str | torch.device = "same",
    grads: bool = False,
    seed: int | None = None,
    keep_args: bool = False,
    intervene: Intervene | None = None,
) -> ModelHistory:
    """Run ``model`` once on ``inputs`` and record every tensor operation.

    ``inputs`` is one tensor, a tuple/list of positional arguments or a dict of keyword
    arguments (nested containers of tensors work); ``kwargs`` adds keyword arguments.
    ``save`` is ``"all"``, ``None`` (metadata only) or a list of keys and substrings;
    ``postfunc`` is applied to each saved activation; ``device`` moves saved activations;
    ``grads=True`` keeps the gradient of every saved pass once the user runs a backward pass.
    ``intervene={key: f}`` replaces each named op's output during the pass (later ops see the
    replacement): ``f(activation, layer) -> tensor``, ``"zero"`` or a tensor.
    ``keep_args`` (private) keeps each op's callable and arguments for replay validation.
    If the model raises, its exception propagates with ``exc.lens_history`` (partial).
    """
    model = _check_model(model)
    args, call_kwargs = _split_inputs(inputs, kwargs)
    with _gc_paused():
        tree = ModelTree(model)  # the module tree, walked once for everything below
    _check_devices(tree, args, call_kwargs)
    selective = _selection(save)
    store = ActivationStore(
        save_all=save is not None,
        postfunc=None if selective else postfunc,
        device=None if selective or device == "same" else torch.device(device),
        grads=grads,
    )
    if seed is not None:
        _seed_everything(seed)
    # Validation re-runs the model: keep it, its inputs, buffers and RNG state from before.
    context = RunContext(model, args, call_kwargs) if keep_args else None
    with _gc_paused():
        try:
            targets = None
            if intervene is not None:
                targets = plan_interventions(model, args, call_kwargs, tree, intervene)
            builder, _ = run_forward(model, args, call_kwargs, store, keep_args, tree, targets)
        except BaseException as exc:
            _attach_partial_history(exc, model)
            raise
        history = ModelHistory(_finish(freeze(builder, model, complete=True)))
        # Free the capture's lookup tables (a weak reference per op) while the collector is
        # still paused: re-enabling it would otherwise scan them once more.
        del builder, tree
    if context is not None:
        context.targets = targets
        attach_context(history.capture, context)
    if selective is not None:
        _keep_selected(history, store, selective, postfunc, device)
    return history


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


def _check_model(model: Any) -> torch.nn.Module:
    if isinstance(model, torch.jit.ScriptModule):
        raise LensError(
            "lens() cannot see inside a TorchScript module: its ops run in the TorchScript "
            "interpreter. Pass the original nn.Module (before torch.jit.script/trace) instead."
        )
    orig = getattr(model, "_orig_mod", None)
    if isinstance(orig, torch.nn.Module) and type(model).__name__ == "OptimizedModule":
        return orig  # torch.compile'd: trace the eager module it wraps
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


def _selection(save: Save) -> list[str | int] | None:
    if save is None or save == "all":
        return None
    if isinstance(save, str):
        return [save]
    if isinstance(save, Sequence) and all(isinstance(s, (str, int)) for s in save):
        return list(save)
    raise LensError('save must be "all", None, or a list of layer keys and substrings.')


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


def _keep_selected(
    history: ModelHistory,
    store: ActivationStore,
    keys: list[str | int],
    postfunc: Callable[[torch.Tensor], Any] | None,
    device: str | torch.device,
) -> None:
    """Drop activations that ``save`` did not ask for, then apply postfunc/device to the rest.

    A key that names a pass (label, module address, int) keeps it; any other string keeps
    every pass whose label, module or returning module call contains it.
    """
    keep: set[int] = set()
    substrings: list[str] = []
    for key in keys:
        if key in history:
            keep.add(history[key].index)
        elif isinstance(key, str):
            substrings.append(key)
    if substrings:
        for layer in history:
            names = (layer.label, layer.module or "", *layer.output_of_modules)
            if any(key in name for key in substrings for name in names):
                keep.add(layer.index)
    store.drop_except(keep)
    store.postfunc = postfunc
    store.device = None if device == "same" else torch.device(device)
    for index in sorted(keep):
        value = store.values[index]
        if isinstance(value, torch.Tensor) and (postfunc is not None or store.device is not None):
            store.values[index] = store._transform(value, history[index].label)
