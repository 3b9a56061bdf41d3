"""Work the capture cannot see, said out loud instead of a silently partial graph.

The capture mode lives on the calling thread's torch-function stack, so ops run by another
thread (``nn.DataParallel`` replicas, worker threads), by the TorchScript interpreter, or after
``forward`` returned (a generator) are never recorded. Where the result would be wrong lenslab
raises ``LensError``; where it is only incomplete it warns.
"""

from __future__ import annotations

import collections.abc
import contextlib
import types
import warnings
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import torch
from torch import overrides

from ..errors import LensError

if TYPE_CHECKING:
    from .builder import TraceBuilder
    from .modules import ModelTree


class LensWarning(UserWarning):
    """The capture is incomplete: some work ran where lenslab could not record it."""


def check_model(tree: ModelTree) -> None:
    """Refuse models whose ops run on other threads; warn about TorchScript submodules."""
    scripted: list[str] = []
    for address, module in tree.blind:
        if isinstance(module, torch.nn.DataParallel):
            where = f"model.{address}" if address else "model"
            raise LensError(
                f"{where} is nn.DataParallel: its replicas run on other threads, which lens() "
                f"cannot see. Pass the wrapped module instead: lens({where}.module, ...)."
            )
        if address and isinstance(module, torch.jit.ScriptModule):
            scripted.append(address)
    if scripted:
        warnings.warn(
            f"lens(): {', '.join(scripted[:5])} {'is' if len(scripted) == 1 else 'are'} "
            "TorchScript; ops inside run in the TorchScript interpreter and are not recorded "
            "(their outputs appear without parents). Use the original nn.Module to see them.",
            LensWarning,
            stacklevel=3,
        )


def check_result(result: Any) -> None:
    """A generator (or iterator: ``map``, ``zip``) returned by ``forward`` does its work after
    returning, where no capture can see it."""
    lazy = (types.GeneratorType, types.AsyncGeneratorType, collections.abc.Iterator)
    if isinstance(result, lazy):
        raise LensError(
            f"the model's forward returned a {type(result).__name__} (a generator or iterator): "
            "its ops run later, while it is "
            "iterated, outside the capture. Wrap it so forward consumes it, e.g. return "
            "tuple(...) of the generated tensors."
        )


def warn_unseen(builder: TraceBuilder) -> None:
    if builder.unseen_reads:
        warnings.warn(
            f"lens(): {builder.unseen_reads} op argument(s) were computed by tensor ops the "
            "capture did not see (another thread, a TorchScript submodule, or work done before "
            "lens() was called); those ops have no recorded parent for them.",
            LensWarning,
            stacklevel=4,
        )


@contextlib.contextmanager
def mode_stack_restored(mode: overrides.TorchFunctionMode) -> Iterator[None]:
    """Push ``mode``; on exit, remove it even if the model left its own modes above it."""
    depth = _stack_depth()
    _push(mode)
    try:
        yield
    finally:
        left: list[str] = []
        while _stack_depth() > depth:
            popped = _pop()
            if popped is not mode:
                left.append(type(popped).__name__)
        if left:
            warnings.warn(
                f"lens(): the model left TorchFunctionMode {', '.join(left)} active after its "
                "forward; lenslab removed it with its own capture mode so torch is as before.",
                LensWarning,
                stacklevel=4,
            )


# Private torch helpers, untyped: the only way to see what is left on the mode stack.
def _stack_depth() -> int:
    return int(overrides._len_torch_function_stack())  # type: ignore[attr-defined]  # noqa: SLF001


def _push(mode: overrides.TorchFunctionMode) -> None:
    overrides._push_mode(mode)  # type: ignore[no-untyped-call]  # noqa: SLF001


def _pop() -> Any:
    return overrides._pop_mode()  # type: ignore[no-untyped-call]  # noqa: SLF001
