"""Check 4, module ground truth: each module call's recorded outputs equal what a forward hook
on that module saw in a plain forward pass."""

from __future__ import annotations

from typing import Any

import torch

from ..trace.trace import Trace
from .calls import mismatch
from .reference import Reference
from .report import ValidationReport

CHECK = "modules"


def check_modules(
    trace: Trace, labels: list[str], report: ValidationReport, reference: Reference
) -> None:
    result = report.checks[CHECK]
    values = trace.store.values
    recorded = {(call.address, call.call): call for call in trace.calls}
    for key, seen in reference.module_outputs.items():
        call = recorded.pop(key, None)
        name = f"{key[0]}:{key[1]}"
        if call is None:
            report.fail(CHECK, name, "a forward hook saw this module call; lens did not", None)
            continue
        if not call.outputs:  # it returned no tensor (or only tensors no recorded op produced)
            result.exempted("module returned no tensor a recorded op produced")
            continue
        saved = [values[i] for i in call.outputs]
        if any(v is None for v in saved):
            result.skipped += 1
            continue
        why = _compare(saved, seen)
        source = (call.code.co_filename, call.line) if call.code is not None else None
        if why is None:
            result.passed += 1
        else:
            report.fail(CHECK, labels[call.outputs[0]], f"module call {name}: {why}", source)
    for key in recorded:
        report.fail(CHECK, f"{key[0]}:{key[1]}", "recorded, but no forward hook saw it", None)


def _compare(saved: list[Any], seen: list[torch.Tensor]) -> str | None:
    if len(saved) == len(seen):
        for k, (value, expected) in enumerate(zip(saved, seen, strict=True)):
            why = mismatch(expected, value.detach())
            if why is not None:
                return f"output {k} differs from what the forward hook saw: {why}"
        return None
    # Some returned tensors were not produced by recorded ops: each recorded one must be seen.
    for k, value in enumerate(saved):
        if all(mismatch(expected, value.detach()) is not None for expected in seen):
            return f"recorded output {k} matches none of the {len(seen)} tensors the hook saw"
    return None
