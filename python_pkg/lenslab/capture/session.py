"""Run one forward pass under capture; install everything on entry, remove it on any exit."""

from __future__ import annotations

import contextlib
import threading
from typing import Any

import torch
from torch.nn.modules import module as torch_module

from ..errors import LensError
from .builder import TraceBuilder
from .flatten import iter_tensors
from .intervene import InterveningBuilder, Target
from .mode import CaptureMode
from .modules import ModelTree
from .records import release_shapes
from .store import ActivationStore

_active_lock = threading.Lock()
_active = False


def run_forward(
    model: torch.nn.Module,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    store: ActivationStore,
    keep_args: bool = False,
    tree: ModelTree | None = None,
    targets: dict[int, Target] | None = None,
) -> tuple[TraceBuilder, Any]:
    """Call ``model(*args, **kwargs)`` under capture; return the builder and the model's output.

    If the model raises, the exception propagates with the builder attached as
    ``exc.lens_builder`` so the caller can still freeze a partial trace. ``tree`` is the
    model's ``ModelTree`` when the caller has already walked it. ``targets`` (op position ->
    replacement) turns on interventions; without them the plain builder runs.
    """
    global _active
    with _active_lock:
        if _active:
            raise LensError(
                "lens() was called while another lens() capture is running (nested call). "
                "Capture the outer model only; its submodules are recorded with it."
            )
        _active = True
    try:
        builder = _builder(model, store, keep_args, tree, targets)
        for path, tensor in iter_tensors((args, kwargs)):
            builder.add_input(tensor, _input_path(path))
        tracker = builder.modules
        handles = [
            torch_module.register_module_forward_pre_hook(tracker.pre_hook),
            torch_module.register_module_forward_hook(tracker.post_hook, always_call=True),
        ]
        try:
            with CaptureMode(builder):
                result = model(*args, **kwargs)
        except BaseException as exc:
            # Read by api.lens; exceptions with __slots__ take no attributes.
            with contextlib.suppress(AttributeError):
                exc.lens_builder = builder  # type: ignore[attr-defined]
            raise
        finally:
            for handle in handles:
                handle.remove()
            tracker.close_all()
            tracker.release()
        for path, tensor in iter_tensors(result):
            builder.add_output(tensor, path)
        return builder, result
    finally:
        release_shapes()
        with _active_lock:
            _active = False


def _builder(
    model: torch.nn.Module,
    store: ActivationStore,
    keep_args: bool,
    tree: ModelTree | None,
    targets: dict[int, Target] | None,
) -> TraceBuilder:
    if not targets:
        return TraceBuilder(model, store, keep_args, tree)
    builder = InterveningBuilder(model, store, keep_args, tree)
    builder.targets = targets
    builder.intervened = {}
    return builder


def _input_path(path: str) -> str:
    """``"0.0"`` -> ``"0"``, ``"1.mask"`` -> ``"mask"``: positional index or keyword name."""
    head, _, rest = path.partition(".")
    return rest if rest else head
