"""Check 2, replay: every saved op, re-run from its saved parents and saved non-tensor
arguments, reproduces its saved output. Perturbation (check 3) runs on each op right after its
replay, while the op's RNG state is at hand.

Calls are replayed in execution order from the RNG state the capture started with, so random
ops (dropout, randn) draw the same numbers. When an op fails, its children are replayed from
its recomputed value instead: a broken activation is reported once, not once per descendant.
"""

from __future__ import annotations

import contextlib
from typing import Any

import torch

from ..capture import OUTPUT
from ..trace.trace import Trace
from .calls import OpCall, mismatch, op_calls, run_call, substitute
from .context import RunContext, set_torch_rng, torch_rng
from .exemptions import REPLAY_EXEMPT
from .perturb import Perturber
from .report import ValidationReport

Tensor = torch.Tensor
CHECK = "replay"
INTERVENED = "replaced by intervene= (deliberately not what the op computes)"


class Replayer:
    def __init__(
        self,
        trace: Trace,
        labels: list[str],
        report: ValidationReport,
        context: RunContext | None,
    ) -> None:
        self.trace = trace
        self.labels = labels
        self.report = report
        self.result = report.checks[CHECK]
        self.perturber = Perturber(trace, report.checks["perturbation"])
        self.values = trace.store.values
        self.failed: dict[int, Any] = {}  # op -> recomputed value (None if it raised)
        self.param_ids = context.param_ids if context is not None else set()
        self.saved_ids: dict[int, int] = {}
        for index, value in enumerate(self.values):
            if isinstance(value, Tensor) and trace.ops[index].kind != OUTPUT:
                self.saved_ids.setdefault(id(value), index)

    def fail(self, check: str, index: int, reason: str) -> None:
        op = self.trace.ops[index]
        source = (op.code.co_filename, op.line) if op.code is not None else None
        self.report.fail(check, self.labels[index], reason, source)

    def run(self) -> None:
        for call in op_calls(self.trace):
            self.replay(call)
        self.check_outputs()

    def parent_values(self, op: Any, recomputed: bool) -> dict[str, Any]:
        """Saved parent activations by slot; with ``recomputed``, failed parents' new values."""
        values: dict[str, Any] = {}
        for parent, slot in zip(op.parents, op.slots, strict=True):
            value = self.failed.get(parent) if recomputed else None
            value = self.values[parent] if value is None else value
            values[slot] = value.detach() if isinstance(value, Tensor) else value
        return values

    def replay(self, call: OpCall) -> None:
        op = self.trace.ops[call.first]
        exempt = REPLAY_EXEMPT.get(call.name)
        if any(m in self.trace.intervened for m in call.members):
            exempt = INTERVENED
            self.advance_rng(call, op)
        if exempt is not None:
            for _ in call.members:
                self.result.exempted(exempt)
            return
        parents = self.parent_values(op, recomputed=False)
        if any(v is None for v in parents.values()):
            self.result.skipped += len(call.members)  # a parent's activation was not saved
            return
        unrecorded = self.unrecorded_parent(call, set(op.slots))
        if unrecorded is not None:
            self.fail(CHECK, call.first, unrecorded)
        rng_before = torch_rng()
        try:
            outputs = self.run_with(call, parents)
            whys = self.mismatches(call, outputs)
            if any(whys) and any(p in self.failed for p in op.parents):
                # A parent failed: judge this op by what the parent should have been.
                set_torch_rng(rng_before)
                parents = self.parent_values(op, recomputed=True)
                outputs = self.run_with(call, parents)
                whys = self.mismatches(call, outputs)
        except Exception as exc:
            for member in call.members:
                self.failed[member] = None
            self.fail(CHECK, call.first, f"replay raised {type(exc).__name__}: {exc}")
            return
        if self.record(call, outputs, whys) and op.parents:
            rng_after = torch_rng()
            for parent, reason in self.perturber.check(call, parents, outputs, rng_before):
                self.fail("perturbation", call.first, f"{reason} (parent {self.labels[parent]})")
            set_torch_rng(rng_after)

    def advance_rng(self, call: OpCall, op: Any) -> None:
        """Run a skipped op anyway, so later random ops draw what they drew in the pass."""
        parents = self.parent_values(op, recomputed=False)
        if all(v is not None for v in parents.values()):
            with contextlib.suppress(Exception):
                self.run_with(call, parents)

    def run_with(self, call: OpCall, parents: dict[str, Any]) -> list[Any]:
        args, kwargs = substitute(call.args, call.kwargs, parents)
        return run_call(self.trace, call, args, kwargs)

    def mismatches(self, call: OpCall, outputs: list[Any]) -> list[str | None]:
        """Per member: why it differs from its saved value; None if equal or not saved."""
        values = self.values
        return [
            None if values[m] is None else mismatch(values[m], got)
            for m, got in zip(call.members, outputs, strict=True)
        ]

    def record(self, call: OpCall, outputs: list[Any], whys: list[str | None]) -> bool:
        ok = True
        for member, got, why in zip(call.members, outputs, whys, strict=True):
            if self.values[member] is None:
                self.result.skipped += 1
            elif why is None:
                self.result.passed += 1
            else:
                self.failed[member] = got
                hint = self.stale_parent_hint(call, member)
                self.fail(CHECK, member, f"replayed output differs from the saved one: {why}{hint}")
                ok = False
        return ok

    def stale_parent_hint(self, call: OpCall, member: int) -> str:
        """If the op's live arguments reproduce it, a parent changed in place after it was saved."""
        try:
            outputs = run_call(self.trace, call, call.args, call.kwargs)
        except Exception:
            return ""
        k = call.members.index(member)
        if mismatch(self.values[member], outputs[k]) is not None:
            return ""
        return (
            " (its live arguments reproduce it: a parent was changed in place, e.g. through a "
            "view, after its saved value was taken, and no recorded edge shows that write)"
        )

    def unrecorded_parent(self, call: OpCall, slots: set[str]) -> str | None:
        """A tensor argument that is a saved op output but has no parent edge (a dropped edge)."""
        for slot, value in _tensor_slots(call):
            if slot in slots or id(value) in self.param_ids:
                continue
            index = self.saved_ids.get(id(value), -1)
            if 0 <= index < call.first and self.values[index] is value:
                return (
                    f"argument {slot} is the output of {self.labels[index]}, "
                    "but no parent edge records it"
                )
        return None

    def check_outputs(self) -> None:
        """Output nodes hold their parent's tensor unchanged."""
        for index in self.trace.outputs:
            op = self.trace.ops[index]
            expected = self.values[index]
            if not op.parents:
                self.result.exempted("output not produced by a recorded op")
                continue
            parent = op.parents[0]
            got = self.values[parent]
            if expected is None or got is None:
                self.result.skipped += 1
                continue
            why = mismatch(expected, got.detach())
            if why is not None and self.failed.get(parent) is not None:
                why = mismatch(expected, self.failed[parent])
            if why is None:
                self.result.passed += 1
            else:
                self.fail(CHECK, index, f"output differs from the op that produced it: {why}")


def _tensor_slots(call: OpCall) -> list[tuple[str, Tensor]]:
    """Tensor arguments by slot, found the way capture scans them."""
    found: list[tuple[str, Tensor]] = []
    for i, arg in enumerate(call.args):
        if isinstance(arg, Tensor):
            found.append((str(i), arg))
        elif type(arg) in (list, tuple) and arg and isinstance(arg[0], Tensor):
            found += [(f"{i}.{j}", t) for j, t in enumerate(arg) if isinstance(t, Tensor)]
    found += [(k, v) for k, v in call.kwargs.items() if isinstance(v, Tensor)]
    return found


def check_replay(
    trace: Trace, labels: list[str], report: ValidationReport, context: RunContext | None
) -> None:
    """Replay every kept call (and perturb its parents)."""
    if context is not None:
        context.rng.restore()
    Replayer(trace, labels, report, context).run()
