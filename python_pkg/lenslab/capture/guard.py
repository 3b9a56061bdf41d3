"""One capture at a time, and torch exactly as before afterwards, even after an interrupt.

A ``KeyboardInterrupt`` can arrive between any two lines, also inside a ``finally`` that was
removing what capture installed. So removal happens twice: each piece removes itself on exit
(hooks, mode, collector, lock), and ``lens()`` ends with ``restore(snapshot)``, which compares
every piece of global state a capture touches with how it was before and puts back what
differs. It only looks and puts back, so running it after a clean exit changes nothing, and an
interrupt can break at most one of the two.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import torch
from torch.nn.modules import module as torch_module
from torch.overrides import TorchFunctionMode

from ..errors import LensError

# The running capture: ("capture" -> (thread id, token)). ``dict.setdefault`` claims it in one
# step, so there is no moment where it is taken but nobody owns it.
_OWNER: dict[str, tuple[int, object]] = {}
# Forward hooks lenslab put on a module for one call (a user's own forward hook replaced the
# output): id(handle) -> handle.
TEMPORARY_HOOKS: dict[int, Any] = {}
_GLOBAL_HOOKS = (
    "_global_forward_pre_hooks",
    "_global_forward_hooks",
    "_global_forward_hooks_always_called",
)


def check_free() -> None:
    """Say now, before anything changes (the RNG seeded, say), if a capture is running."""
    held = _OWNER.get("capture")
    if held is not None:
        _refuse(held)


def claim(token: object) -> None:
    """Make the calling thread's capture (``token``) the running one, or say who runs."""
    held = _OWNER.setdefault("capture", (threading.get_ident(), token))
    if held[1] is not token:
        _refuse(held)


def _refuse(held: tuple[int, object]) -> None:
    if held[0] == threading.get_ident():
        raise LensError(
            "lens() was called while another lens() capture is running (nested call). "
            "Capture the outer model only; its submodules are recorded with it."
        )
    raise LensError(
        "lens() was called from a second thread while another thread's capture is running. "
        "lenslab records one forward pass at a time per process: wait for the other capture "
        "to finish (or capture from one thread)."
    )


def release(token: object) -> None:
    if _OWNER.get("capture", (0, None))[1] is token:
        _OWNER.pop("capture", None)


@dataclass(frozen=True)
class Snapshot:
    """The global state a capture changes, as it was before."""

    owner: tuple[int, object] | None
    hooks: tuple[frozenset[int], ...]
    temporary: frozenset[int]
    modes: int
    grad: bool
    gc: bool


def snapshot() -> Snapshot:
    return Snapshot(
        owner=_OWNER.get("capture"),
        hooks=tuple(frozenset(getattr(torch_module, name)) for name in _GLOBAL_HOOKS),
        temporary=frozenset(TEMPORARY_HOOKS),
        modes=_mode_depth(),
        grad=torch.is_grad_enabled(),
        gc=gc.isenabled(),
    )


def restore(before: Snapshot, exc: BaseException | None = None) -> None:
    """Put back whatever a capture (this thread's, started after ``before``) left changed;
    ``exc`` is the exception leaving the capture, if any."""
    if exc is not None:
        _finish_interrupted_exits(exc.__traceback__)
    current = _OWNER.get("capture")
    if current is not None and current != before.owner and current[0] == threading.get_ident():
        _OWNER.pop("capture", None)
    for name, known in zip(_GLOBAL_HOOKS[:2], before.hooks, strict=False):
        hooks = getattr(torch_module, name)
        for key in [k for k in hooks if k not in known and _is_lenslab_hook(hooks.get(k))]:
            hooks.pop(key, None)
    always = torch_module._global_forward_hooks_always_called  # noqa: SLF001
    forward = torch_module._global_forward_hooks  # noqa: SLF001
    for key in [k for k in always if k not in before.hooks[2] and k not in forward]:
        always.pop(key, None)
    for key in [k for k in TEMPORARY_HOOKS if k not in before.temporary]:
        handle = TEMPORARY_HOOKS.pop(key, None)
        if handle is not None:
            handle.remove()
    while _mode_depth() > before.modes and _top_is_lenslab():
        torch.overrides._pop_mode()  # type: ignore[no-untyped-call]  # noqa: SLF001
    if torch.is_grad_enabled() != before.grad:
        torch.set_grad_enabled(before.grad)
    if before.gc and not gc.isenabled():
        gc.enable()


_POP_TEMPORARILY = torch.overrides._pop_mode_temporarily.__wrapped__.__code__  # type: ignore[attr-defined]  # noqa: SLF001


def _finish_interrupted_exits(tb: TracebackType | None) -> None:
    """torch runs each mode's ``__torch_function__`` inside ``_pop_mode_temporarily``, which
    pushes the mode back when its generator resumes. Interrupted inside that context manager's
    ``__exit__``, the generator stays suspended and would push lenslab's mode back whenever it
    is collected — after ``restore``. Resume it now, so the mode is back before it is popped."""
    while tb is not None:
        manager = tb.tb_frame.f_locals.get("self")
        if isinstance(manager, contextlib._GeneratorContextManager):  # noqa: SLF001
            gen: Any = getattr(manager, "gen", None)  # unset when __init__ was interrupted
            if getattr(gen, "gi_code", None) is _POP_TEMPORARILY and gen.gi_frame is not None:
                with contextlib.suppress(Exception):
                    gen.close()
        tb = tb.tb_next


def _is_lenslab_hook(hook: Any) -> bool:
    owner = getattr(hook, "__self__", None)
    return type(owner).__module__.startswith("lenslab.")


def _mode_depth() -> int:
    return int(torch.overrides._len_torch_function_stack())  # type: ignore[attr-defined]  # noqa: SLF001


def _top_is_lenslab() -> bool:
    top: TorchFunctionMode = torch._C._get_function_stack_at(_mode_depth() - 1)  # noqa: SLF001
    return type(top).__module__.startswith("lenslab.")
