"""Check 1, outputs: the recorded outputs equal those of a plain forward pass."""

from __future__ import annotations

from ..trace.trace import Trace
from .calls import mismatch
from .reference import Reference
from .report import ValidationReport

CHECK = "outputs"


def check_outputs(
    trace: Trace, labels: list[str], report: ValidationReport, reference: Reference
) -> None:
    result = report.checks[CHECK]
    recorded = trace.outputs
    if len(recorded) != len(reference.outputs):
        report.fail(
            CHECK,
            "outputs",
            f"{len(recorded)} outputs recorded, the plain forward returned "
            f"{len(reference.outputs)} tensors",
            None,
        )
        return
    for index, expected in zip(recorded, reference.outputs, strict=True):
        saved = trace.store.values[index]
        if saved is None:
            result.skipped += 1
            continue
        why = mismatch(expected, saved.detach())
        if why is None:
            result.passed += 1
        else:
            report.fail(CHECK, labels[index], f"differs from the plain forward pass: {why}", None)
