"""Validation: prove every saved activation of a ``Capture`` right (``h.validate()``,
``lenslab.validate``).

Five checks, one per module: ``outputs`` (a plain forward pass agrees), ``replay`` (each op
re-run from its saved parents reproduces its output), ``perturbation`` (other parent values
change the output), ``modules`` (forward hooks agree with each module call's outputs) and
``graph`` (structural invariants). What could not run is reported as skipped, never as passed.
"""

from __future__ import annotations

from ..capture import OP
from ..trace.record import Capture, CaptureSource, as_capture
from .context import RngState, context_of
from .graph import check_graph
from .modules import check_modules
from .outputs import check_outputs
from .reference import run_reference
from .replay import check_replay
from .report import CheckResult, Failure, ValidationReport

__all__ = ["CheckResult", "Failure", "ValidationReport", "validate_capture"]

HOW = (
    "capture for validation with lenslab.validate(model, inputs, **lens_options), "
    "or lens(model, inputs, keep_args=True) and then h.validate()"
)


def validate_capture(source: CaptureSource) -> ValidationReport:
    """Run every check that the way ``source`` was captured allows; skip the rest, saying why."""
    capture = as_capture(source)
    trace = capture.trace
    labels = capture.derived.labels
    report = ValidationReport(f"{trace.model_type} ({len(capture)} layer passes)")
    context = context_of(capture)
    reasons = _why_not(capture, context is not None)
    for check, reason in reasons.items():
        report.skip_check(check, reason)
    if not trace.complete:
        report.notes.append("partial history (the model raised): only what ran is checked")
    user_rng = RngState()
    try:
        if context is not None and not {"outputs", "modules"} & reasons.keys():
            reference = run_reference(context)
            check_outputs(trace, labels, report, reference)
            check_modules(trace, labels, report, reference)
        if "replay" not in reasons:
            check_replay(trace, labels, report, context)
    finally:
        user_rng.restore()  # validation must not change what the user's next random call draws
    check_graph(capture, report)
    if any(c.skipped for c in report.checks.values()):
        report.notes.append("some activations were not saved: capture with save='all'")
    if reasons:
        report.notes.append(HOW)
    return report


def _why_not(capture: Capture, has_context: bool) -> dict[str, str]:
    """Checks that cannot run on this capture, with the reason."""
    trace = capture.trace
    store = trace.store
    reasons: dict[str, str] = {}
    value_checks = ("outputs", "replay", "perturbation", "modules")
    if not store.save_all and all(value is None for value in store.values):
        reasons.update(dict.fromkeys(value_checks, "captured with save=None: no activations"))
    elif store.postfunc is not None or store.device is not None:
        why = "activations were transformed by postfunc or moved by device"
        reasons.update(dict.fromkeys(value_checks, why))
    if not has_context:
        reasons.setdefault("outputs", "the model and its inputs were not kept")
        reasons.setdefault("modules", "the model and its inputs were not kept")
    if not trace.complete:
        reasons.setdefault("outputs", "partial history: the forward pass raised")
        reasons.setdefault("modules", "partial history: the forward pass raised")
    ops = any(op.kind == OP for op in trace.ops)
    if ops and not trace.kept_args:
        why = "the op arguments replay needs were not kept"
        reasons.setdefault("replay", why)
        reasons.setdefault("perturbation", why)
    if "replay" in reasons:
        reasons.setdefault("perturbation", "it runs on replayed ops, and replay could not run")
    return reasons
