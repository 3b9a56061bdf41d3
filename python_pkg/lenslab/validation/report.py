"""The validation report: per check, what passed, failed, was exempted or could not run.

A report is truthy only when no check failed and none was skipped: a check that could not run
is never counted as a success. Exemptions (listed in ``exemptions.py``) are legitimate and do
not make a report false.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CHECKS = ("outputs", "replay", "perturbation", "modules", "graph")
SHOWN_FAILURES = 10


@dataclass(frozen=True)
class Failure:
    """One failed item: the check, the layer pass label, why, and where the op was called."""

    check: str
    label: str
    reason: str
    source: tuple[str, int] | None = None

    def __str__(self) -> str:
        where = f" ({self.source[0]}:{self.source[1]})" if self.source else ""
        return f"[{self.check}] {self.label}{where}: {self.reason}"


@dataclass
class CheckResult:
    """Counts for one check. ``skipped_reason`` is set when the check could not run at all."""

    name: str
    passed: int = 0
    failed: int = 0
    exempt: int = 0
    skipped: int = 0  # items that could not be checked (missing data), not exemptions
    skipped_reason: str = ""
    exempt_reasons: dict[str, int] = field(default_factory=dict)

    @property
    def ran(self) -> bool:
        return not self.skipped_reason

    @property
    def ok(self) -> bool:
        return self.ran and self.failed == 0 and self.skipped == 0

    def exempted(self, reason: str) -> None:
        self.exempt += 1
        self.exempt_reasons[reason] = self.exempt_reasons.get(reason, 0) + 1

    def line(self) -> str:
        if not self.ran:
            return f"{self.name:13s} SKIPPED: {self.skipped_reason}"
        parts = [f"{self.passed} passed", f"{self.failed} failed"]
        if self.exempt:
            parts.append(f"{self.exempt} exempt")
        if self.skipped:
            parts.append(f"{self.skipped} not checked")
        status = "ok" if self.ok else "FAILED" if self.failed else "INCOMPLETE"
        return f"{self.name:13s} {status:10s} {', '.join(parts)}"


class ValidationReport:
    """What ``h.validate()`` returns: ``bool(report)``, ``report.failures``, ``print(report)``."""

    def __init__(self, title: str) -> None:
        self.title = title
        self.checks: dict[str, CheckResult] = {name: CheckResult(name) for name in CHECKS}
        self.failures: list[Failure] = []
        self.notes: list[str] = []

    def fail(self, check: str, label: str, reason: str, source: tuple[str, int] | None) -> None:
        self.checks[check].failed += 1
        self.failures.append(Failure(check, label, reason, source))

    def skip_check(self, check: str, reason: str) -> None:
        self.checks[check].skipped_reason = reason

    @property
    def skipped(self) -> dict[str, str]:
        """Checks that could not run, with the reason."""
        return {c.name: c.skipped_reason for c in self.checks.values() if not c.ran}

    @property
    def passed(self) -> bool:
        return all(check.ok for check in self.checks.values())

    def __bool__(self) -> bool:
        return self.passed

    def failed_labels(self, check: str | None = None) -> set[str]:
        return {f.label for f in self.failures if check is None or f.check == check}

    def __str__(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED" if self.failures else "INCOMPLETE"
        lines = [f"lenslab validation of {self.title}: {verdict}"]
        lines += [f"  {check.line()}" for check in self.checks.values()]
        exempt = self.checks["perturbation"].exempt_reasons
        if exempt:
            lines.append("  perturbation exemptions:")
            lines += [f"    {n:5d}  {reason}" for reason, n in sorted(exempt.items())]
        if self.failures:
            shown = self.failures[:SHOWN_FAILURES]
            lines.append(f"  first {len(shown)} of {len(self.failures)} failures:")
            lines += [f"    {failure}" for failure in shown]
        if not self.passed and not self.failures:
            lines.append(
                "  Skipped or unchecked items count as not passed: the report is false until "
                "every check ran."
            )
        lines += [f"  note: {note}" for note in self.notes]
        return "\n".join(lines)

    def __repr__(self) -> str:
        counts = ", ".join(
            f"{c.name}={'ok' if c.ok else 'skipped' if not c.ran else 'failed'}"
            for c in self.checks.values()
        )
        return f"<ValidationReport {self.title}: {counts}>"
