"""The entry points: ``lens()`` checks what the user passed (``arguments.py``) and runs the
passes it asks for (``passes.py``); ``h.rerun`` runs one more on a known graph; ``validate()``
captures for validation and checks; ``load()`` reads a bundle.

This module and ``history`` are the facade on top of the pipeline (capture -> trace ->
transforms -> validation / export -> widget); no stage imports them."""

from __future__ import annotations

import copy
import functools
import os
import weakref
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import torch

from .arguments import check_devices, checked_model, split_inputs, storage_device
from .capture import budget, guard
from .capture.blind import check_model
from .capture.modules import ModelTree
from .capture.select import Selection
from .errors import LensError
from .export.loader import load_capture
from .history import AS_BEFORE, ModelHistory
from .interventions import Intervene, plan_interventions
from .passes import Options, capture_pass, gc_paused, seed_everything, selected_history
from .selection import as_keys, first_difference, resolve
from .validation import ValidationReport

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
    storage_device(device)
    limit = budget.parse_size(max_memory)
    model = checked_model(model)
    args, call_kwargs = split_inputs(inputs, kwargs)
    with gc_paused():
        tree = ModelTree(model)  # the module tree, walked once for everything below
    check_model(tree)
    check_devices(tree, args, call_kwargs)
    keys = as_keys(save)
    options = Options(save is not None and keys is None, postfunc, device, grads, keep_args)
    options.attention_weights = attention_weights
    options.memory = memory
    options.max_memory = limit
    if intervene is not None:
        if seed is not None:
            seed_everything(seed)
        options.targets = plan_interventions(
            model, args, call_kwargs, tree, intervene, attention_weights
        )
    if keys is None and stop_after is None:
        history = capture_pass(model, args, call_kwargs, tree, options, None, seed)
    else:
        history = selected_history(
            model, args, call_kwargs, tree, options, keys or [], stop_after, seed
        )
    history.origin = _Origin(model, options, save, stop_after)
    return history


class _Origin:
    """What ``h.rerun`` needs: the model (weakly: a history does not keep a model alive), the
    options it was captured with, and ``save`` as given."""

    def __init__(self, model: torch.nn.Module, options: Options, save: Any, stop: Any) -> None:
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
        args, call_kwargs = split_inputs(inputs, kwargs)
        tree = ModelTree(model)
        check_devices(tree, args, call_kwargs)
        options, selection = self._selection(history, save)
        new = capture_pass(model, args, call_kwargs, tree, options, selection, None)
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

    def _selection(self, history: ModelHistory, save: Any) -> tuple[Options, Selection | None]:
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
