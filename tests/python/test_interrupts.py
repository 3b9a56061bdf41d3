"""An interrupt at any line of a capture leaves no damage: no lenslab hook, mode or lock behind,
grad mode and the garbage collector as they were, any partial history consistent, and the next
``lens()`` works. The sweep raises ``KeyboardInterrupt`` at each line event of a small capture
(``sys.settrace``; a trace function that raises is removed, so each run is interrupted once).

Frames of pure computation after the pass (``transforms/``, the standard library's parsers)
change no global state and hold most of the line events (source parsing for branches): they
are not traced, which keeps the sweep exhaustive over the rest within its time budget."""

from __future__ import annotations

import gc
import sys
from types import FrameType
from typing import Any

import torch
from torch import nn
from torch.nn.modules import module as torch_module

from lenslab import lens
from lenslab.capture import guard

MAX_RUNS = 2000  # the sweep's bound: a fixed count of interrupted runs, not a time budget,
# so the events covered do not depend on how busy the machine is


class Small(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.register_buffer("shift", torch.ones(4))
        self.fc.register_forward_hook(lambda m, a, o: o + 1)  # a user hook: lenslab adds one

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.fc(x)) + self.shift
        y[0] += 1  # an in-place op on a saved tensor: copy-on-write
        return y.sum(dim=1)


def capture(model: nn.Module, x: torch.Tensor) -> Any:
    return lens(model, x, postfunc=lambda t: t * 1)


def pure(filename: str) -> bool:
    return "/lenslab/transforms/" in filename or filename.endswith(
        ("/ast.py", "/inspect.py", "/tokenize.py", "/linecache.py")
    )


class Interrupter:
    """Counts line events; raises ``KeyboardInterrupt`` at event ``at`` (-1: never)."""

    def __init__(self, at: int) -> None:
        self.at = at
        self.seen = 0

    def __call__(self, frame: FrameType, event: str, arg: Any) -> Any:
        if event == "call" and pure(frame.f_code.co_filename):
            return None
        if event == "line":
            if self.seen == self.at:
                raise KeyboardInterrupt(f"{frame.f_code.co_filename}:{frame.f_lineno}")
            self.seen += 1
        return self


def damage(model: Small) -> list[str]:
    found: list[str] = []
    if guard._OWNER:
        found.append("the capture lock is still held")
    for name in ("_global_forward_pre_hooks", "_global_forward_hooks"):
        if getattr(torch_module, name):
            found.append(f"a global hook is left in {name}")
    if torch_module._global_forward_hooks_always_called:
        found.append("an always-called hook id is left")
    if guard.TEMPORARY_HOOKS or len(model.fc._forward_hooks) != 1:
        found.append("a module hook of lenslab's is left")
    if torch._C._len_torch_function_stack():
        found.append("a mode is left on torch's function stack")
    if not torch.is_grad_enabled():
        found.append("grad mode is off")
    if not gc.isenabled():
        found.append("the garbage collector is off")
    return found


def check_partial(exc: BaseException) -> list[str]:
    history = getattr(exc, "lens_history", None)
    if history is None:
        return []
    trace = history.capture.trace
    if len(trace.store.values) != len(trace.ops):
        return [f"partial history has {len(trace.store.values)} values for {len(trace.ops)} ops"]
    repr(history)
    history.summary()
    return []


def interrupted(model: Small, x: torch.Tensor, at: int) -> list[str]:
    """Captures with an interrupt at line event ``at``; what is wrong with the partial history."""
    sys.settrace(Interrupter(at))
    try:
        capture(model, x)
    except KeyboardInterrupt as exc:
        return [f"at {exc}", *check_partial(exc)]
    finally:
        sys.settrace(None)
    return []


def clean_up() -> None:
    """Undo damage found, so that the sweep goes on from a clean state."""
    torch_module._global_forward_pre_hooks.clear()
    torch_module._global_forward_hooks.clear()
    torch_module._global_forward_hooks_always_called.clear()
    for handle in list(guard.TEMPORARY_HOOKS.values()):
        handle.remove()
    guard.TEMPORARY_HOOKS.clear()
    while torch._C._len_torch_function_stack():
        torch._C._pop_torch_function_stack()
    torch.set_grad_enabled(True)
    gc.enable()
    guard._OWNER.clear()


def test_an_interrupt_at_any_line_leaves_no_damage() -> None:
    torch.manual_seed(0)
    model = Small()
    x = torch.randn(3, 4)
    counter = Interrupter(-1)
    sys.settrace(counter)
    try:
        capture(model, x)
    finally:
        sys.settrace(None)
    events = counter.seen
    assert events > 200  # the capture really ran under the tracer
    step = -(-events // MAX_RUNS)  # every event while there are at most MAX_RUNS of them
    problems: dict[int, list[str]] = {}
    for at in range(0, events, step):
        where, *found = interrupted(model, x, at) or ["(no interrupt)"]
        found += damage(model)
        if found:
            found.insert(0, where)
            problems[at] = found
            clean_up()
    assert not problems, {k: v for k, v in list(problems.items())[:10]}
    assert step <= 3, f"the capture grew to {events} line events: raise MAX_RUNS"
    h = capture(model, x)  # and the next capture works
    assert len(h) > 5 and not damage(model)
