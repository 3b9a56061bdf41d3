"""``lens(..., intervene={key: f})``: which ops to replace, found by a metadata-only first pass.

Keys are labels, short labels, module addresses or ints, and labels only exist once the graph
is finished. So an intervened capture runs the model twice: once with nothing saved to resolve
keys to op positions, then the real pass that replaces those ops' outputs. The first pass
leaves no trace: the RNG state and the model's buffers (BatchNorm running statistics) are put
back before the second, so the second pass draws what one plain pass would have drawn.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

import torch

from .capture import OP, ActivationStore, run_forward
from .capture.intervene import Replacement, Target
from .capture.modules import ModelTree
from .errors import LensError
from .history import ModelHistory
from .trace.record import make_capture
from .trace.trace import freeze
from .transforms import derive
from .validation.context import RngState

Intervene = Mapping[str | int, Replacement]


def plan_interventions(
    model: torch.nn.Module,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    tree: ModelTree,
    intervene: Intervene,
    attention_weights: bool = False,
) -> dict[int, Target]:
    """Op position -> what replaces its output, for every op the keys of ``intervene`` name.
    ``attention_weights`` must be as in the real pass: it changes which ops are recorded."""
    _check(intervene)
    history = _metadata_pass(model, args, kwargs, tree, attention_weights)
    targets: dict[int, Target] = {}
    for key, how in intervene.items():
        for index in _positions(history, key):
            layer = history[index]
            if history.capture.trace.ops[index].kind != OP:
                raise LensError(
                    f"intervene={{{key!r}: ...}} names {layer.label}, which is {layer.role} "
                    "node, not an op: pass different inputs instead, or intervene on the op "
                    "that produces it."
                )
            targets[index] = Target(str(key), layer, history.capture.trace.ops[index].name, how)
    return targets


def _check(intervene: Any) -> None:
    if not isinstance(intervene, Mapping):
        raise LensError(
            f"intervene must be a dict {{key: replacement}}, got {type(intervene).__name__}; "
            'e.g. intervene={"relu_1": "zero"} or {"layer1": lambda a, layer: a * 2}.'
        )
    for key, how in intervene.items():
        if not isinstance(key, (str, int)) or isinstance(key, bool):
            raise LensError(f"intervene keys are labels, module addresses or ints, not {key!r}")
        if not (isinstance(how, (str, torch.Tensor)) or callable(how)):
            raise LensError(
                f'intervene={{{key!r}: ...}}: a replacement is "zero", a tensor or a function '
                f"f(activation, layer) -> tensor, not {type(how).__name__}."
            )


@contextlib.contextmanager
def untouched(model: torch.nn.Module) -> Iterator[None]:
    """Run something that must leave no trace: RNG state and buffers are put back after it."""
    rng = RngState()
    buffers = {name: b.detach().clone() for name, b in model.named_buffers()}
    try:
        yield
    finally:
        rng.restore()
        with torch.no_grad():
            for name, buffer in model.named_buffers():
                saved = buffers.get(name)
                if saved is not None and saved.shape == buffer.shape:
                    buffer.copy_(saved)


def _metadata_pass(
    model: torch.nn.Module,
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    tree: ModelTree,
    attention_weights: bool,
) -> ModelHistory:
    store = ActivationStore(save_all=False, postfunc=None, device=None, grads=False)
    with untouched(model):
        builder, _ = run_forward(model, args, kwargs, store, False, tree, attention_weights)
    trace = freeze(builder, model, complete=True)
    return ModelHistory(make_capture(trace, derive(trace)))


def _positions(history: ModelHistory, key: str | int) -> list[int]:
    """The passes ``key`` names; a layer or module that ran several times means every pass."""
    try:
        return [history[key].index]
    except KeyError as exc:
        passes: list[int] = []
        while isinstance(key, str) and f"{key}:{len(passes) + 1}" in history:
            passes.append(history[f"{key}:{len(passes) + 1}"].index)
        if passes:
            return passes
        raise LensError(f"intervene: {exc}") from None
