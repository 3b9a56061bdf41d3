"""Run one forward pass under capture; install everything on entry, remove it on any exit."""

from __future__ import annotations

import contextlib
import sys
from typing import Any

import torch
from torch.nn.modules import module as torch_module

from .blind import check_result, mode_stack_restored, warn_unseen
from .builder import TraceBuilder
from .flatten import iter_tensors
from .guard import claim, release
from .intervene import InterveningBuilder, Target
from .memory import MemoryTraceBuilder
from .mode import CaptureMode
from .modules import ModelTree
from .records import release_shapes
from .select import Selection, StopForward
from .source import caller_frames
from .store import ActivationStore


def run_forward(  # noqa: PLR0913, PLR0917  (each is one capture option)
    model: torch.nn.Module,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    store: ActivationStore,
    keep_args: bool = False,
    tree: ModelTree | None = None,
    attention_weights: bool = False,
    selection: Selection | None = None,
    memory: bool = False,
    targets: dict[int, Target] | None = None,
) -> tuple[TraceBuilder, Any]:
    """Call ``model(*args, **kwargs)`` under capture; return the builder and the model's output.

    If the model raises, the exception propagates with the builder attached as
    ``exc.lens_builder`` so the caller can still freeze a partial trace. ``tree`` is the
    model's ``ModelTree`` when the caller has already walked it. When ``selection`` stops the
    forward early (``stop_after``), ``builder.stopped`` is set and the result is ``None``.
    ``memory`` also records what autograd saves for backward, per op (``capture/memory.py``).
    ``targets`` (op position -> replacement) turns on interventions (``capture/intervene.py``).
    """
    token = object()
    try:
        claim(token)  # inside the try: released however this call ends
        if tree is None:
            tree = ModelTree(model)
        builder_class = _builder_class(memory, bool(targets))
        builder = builder_class(model, store, keep_args, tree, attention_weights, selection)
        if isinstance(builder, InterveningBuilder):
            builder.targets = targets or {}
            builder.intervened = {}
        for path, tensor in iter_tensors((args, kwargs), objects=True):
            builder.add_input(tensor, _input_path(path))
        result = _call(model, args, kwargs, builder, tree)
        if not builder.stopped:
            check_result(result)
            for path, tensor in iter_tensors(result, objects=True):
                builder.add_output(tensor, path)
        store.seal(_owned(args, kwargs, tree))
        warn_unseen(builder)
        return builder, result
    finally:
        release_shapes()
        release(token)


def _call(
    model: torch.nn.Module,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    builder: TraceBuilder,
    tree: ModelTree,
) -> Any:
    """The model's output, with the hooks and the mode installed only while it runs."""
    tracker = builder.modules
    # Not kept in a local: a frame holding itself is a reference cycle, which would keep the
    # builder and its per-op tables alive until the garbage collector finds them.
    tracker.base = sys._getframe(0)
    builder.caller_frames = caller_frames(tracker.base.f_back)
    handles: list[Any] = []
    try:
        handles.append(torch_module.register_module_forward_pre_hook(tracker.pre_hook))
        handles.append(
            torch_module.register_module_forward_hook(tracker.post_hook, always_call=True)
        )
        saving = (
            builder.saved_tensors_hooks()
            if isinstance(builder, MemoryTraceBuilder)
            else contextlib.nullcontext()
        )
        with mode_stack_restored(CaptureMode(builder)), saving:
            return model(*args, **kwargs)
    except StopForward:
        return None
    except BaseException as exc:
        # Read by api.lens; exceptions with __slots__ take no attributes.
        with contextlib.suppress(AttributeError):
            exc.lens_builder = builder  # type: ignore[attr-defined]
        with contextlib.suppress(Exception):  # the model's exception matters more
            builder.store.seal(_owned(args, kwargs, tree))
        raise
    finally:
        for handle in handles:
            handle.remove()
        tracker.close_all()
        tracker.release()


def _owned(args: tuple[Any, ...], kwargs: dict[str, Any], tree: ModelTree) -> list[torch.Tensor]:
    """Tensors the user keeps after the capture: inputs, parameters, buffers. (Anything else
    the model kept, its outputs included, is checked by version on access instead.)"""
    owned = [t for _, t in iter_tensors((args, kwargs), objects=True)]
    owned += [p for _, p in tree.params]
    owned += [b for _, b in tree.buffers]
    return owned


class _InterveningMemoryBuilder(InterveningBuilder, MemoryTraceBuilder):
    """Interventions and saved-for-backward bytes in one pass."""


def _builder_class(memory: bool, intervene: bool) -> type[TraceBuilder]:
    if intervene:
        return _InterveningMemoryBuilder if memory else InterveningBuilder
    return MemoryTraceBuilder if memory else TraceBuilder


def _input_path(path: str) -> str:
    """``"0.0"`` -> ``"0"``, ``"1.mask"`` -> ``"mask"``: positional index or keyword name."""
    head, _, rest = path.partition(".")
    return rest if rest else head
