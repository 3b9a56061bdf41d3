"""The passes ``lens`` runs: one captured forward pass (``capture_pass``), and the sequence
that ``save=[...]``, ``stop_after`` and ``intervene`` need (``selected_history``): keys that
depend on the finished graph are resolved on a metadata-only pass first, as TorchLens does,
then the pass that keeps what was asked runs. Arguments are checked before (``arguments.py``).
"""

from __future__ import annotations

import contextlib
import gc
import random
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import torch

from .capture import ActivationStore, budget, run_forward
from .capture.intervene import Target
from .capture.modules import ModelTree
from .capture.select import Key, Selection, plan
from .errors import LensError
from .history import ModelHistory
from .selection import Snapshot, check_hits, check_same_graph, resolve
from .trace.record import Capture, make_capture
from .trace.trace import Trace, freeze
from .transforms import derive
from .validation.context import RunContext, attach_context


class Options:
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


def capture_pass(
    model: torch.nn.Module,
    args: tuple[Any, ...],
    call_kwargs: dict[str, Any],
    tree: ModelTree,
    options: Options,
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
        seed_everything(seed)
    # Validation re-runs the model: keep it, its inputs, buffers and RNG state from before.
    context = RunContext(model, args, call_kwargs) if options.keep_args else None
    failure: LensError | None = None
    with gc_paused():
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
            history = ModelHistory(finish(freeze(builder, model, complete=complete)))
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


def addresses(tree: ModelTree) -> tuple[set[str], set[str]]:
    return set(tree.table), {address for address, _ in tree.buffers}


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
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


def finish(trace: Trace) -> Capture:
    return make_capture(trace, derive(trace))


def seed_everything(seed: int) -> None:
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
        exc.lens_history = ModelHistory(finish(freeze(builder, model, complete=False)))  # type: ignore[attr-defined]
    except Exception:  # the user's exception matters more than a failed partial history
        pass


def selected_history(
    model: torch.nn.Module,
    args: tuple[Any, ...],
    call_kwargs: dict[str, Any],
    tree: ModelTree,
    options: Options,
    keys: Sequence[Key],
    stop_after: str | int | None,
    seed: int | None,
) -> ModelHistory:
    """The history that keeps ``keys`` (and stops after ``stop_after``): decided during the pass
    where possible, after a metadata-only first pass where a key needs the finished graph."""
    metadata_only = Options(False)
    metadata_only.attention_weights = options.attention_weights
    selection, deferred = plan(keys, addresses(tree), stop_after)
    snapshot = Snapshot(tree.buffers) if deferred or selection.callables else None
    first: ModelHistory | None = None
    if deferred:
        # Keys that depend on the finished graph: a metadata-only pass first (as TorchLens).
        first = capture_pass(model, args, call_kwargs, tree, metadata_only, None, seed)
        selection = resolve(first, keys, stop_after)
        snapshot.restore()  # type: ignore[union-attr]  # set whenever keys are deferred
    history = capture_pass(model, args, call_kwargs, tree, options, selection, seed)
    if selection.needs_graph:  # a callable read a label: this pass was the metadata pass
        first = history
        selection = resolve(first, keys, stop_after)
        snapshot.restore()  # type: ignore[union-attr]  # set whenever there are callables
        history = capture_pass(model, args, call_kwargs, tree, options, selection, seed)
    if first is not None:
        check_same_graph(first, history, keys)
    elif keys:
        check_hits(history, selection, keys)
    return history
