"""Check 5, graph invariants. Every test is local (an op against its parents, a call against its
enclosing call), so a broken edge or label is reported where it is, not at every descendant."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ..capture import BUFFER, INPUT, OP, OUTPUT
from .report import ValidationReport

if TYPE_CHECKING:
    from ..trace.record import Capture

CHECK = "graph"
_LABEL = re.compile(r"^(?P<type>[^_]+)_(?P<count>\d+)(?:_(?P<step>\d+))?:(?P<pass>\d+)$")
_ROLE_TYPES = {INPUT: "input", OUTPUT: "output", BUFFER: "buffer"}


def check_graph(capture: Capture, report: ValidationReport) -> None:
    trace, derived = capture.trace, capture.derived
    labels = derived.labels
    problems: dict[int, list[str]] = {}
    for index in range(len(trace.ops)):
        found = problems.setdefault(index, [])
        found += _edges(capture, index)
        found += _ancestry(capture, index)
        found += _containment(capture, index)
        found += _label(capture, index)
    for index, reason in _lookup(capture):
        problems.setdefault(index, []).append(reason)
    for index, call_problem in _calls(capture):
        problems.setdefault(index, []).append(call_problem)
    result = report.checks[CHECK]
    for index, reasons in problems.items():
        if not reasons:
            result.passed += 1
            continue
        op = trace.ops[index]
        source = (op.code.co_filename, op.line) if op.code is not None else None
        report.fail(CHECK, labels[index], "; ".join(dict.fromkeys(reasons)), source)


def _edges(capture: Capture, index: int) -> list[str]:
    trace, labels = capture.trace, capture.derived.labels
    op = trace.ops[index]
    found: list[str] = []
    if len(op.parents) != len(op.slots):
        found.append(f"{len(op.parents)} parents but {len(op.slots)} argument slots")
    for parent in op.parents:
        if not 0 <= parent < index:
            found.append(f"parent #{parent} does not run before it (topological order)")
        elif index not in trace.children[parent]:
            found.append(f"parent {labels[parent]} does not list it as a child")
    for child in trace.children[index]:
        if not 0 <= child < len(trace.ops) or child <= index:
            found.append(f"child #{child} does not run after it (topological order)")
        elif index not in trace.ops[child].parents:
            found.append(f"lists {labels[child]} as a child, which does not list it as a parent")
    if op.kind == INPUT and op.parents:
        found.append("an input has parents")
    if op.kind == OUTPUT and (len(op.parents) > 1 or trace.children[index]):
        found.append("an output must have at most one parent and no children")
    return found


def _ancestry(capture: Capture, index: int) -> list[str]:
    op = capture.trace.ops[index]
    flags = capture.derived.has_input_ancestor
    expected = op.kind == INPUT or any(flags[p] for p in op.parents if 0 <= p < len(flags))
    if flags[index] == expected:
        return []
    if flags[index]:
        return ["marked as descending from an input, but no parent does"]
    return ["descends from an input, but is marked internally generated"]


def _containment(capture: Capture, index: int) -> list[str]:
    trace = capture.trace
    call_index = trace.ops[index].module_call
    if call_index < 0:
        return []
    if call_index >= len(trace.calls):
        return [f"module call #{call_index} does not exist"]
    call = trace.calls[call_index]
    if not call.first_op <= index < max(call.end_op, call.first_op + 1):
        return [f"ran outside the op range of its module call {call.address}:{call.call}"]
    info = capture.derived.modules.get(call.address)
    if info is None or index not in info.ops:
        return [f"module {call.address!r} does not list it among its ops"]
    return []


def _calls(capture: Capture) -> list[tuple[int, str]]:
    """Module calls nest: each lies inside its enclosing call and names a known module."""
    trace = capture.trace
    found: list[tuple[int, str]] = []
    for number, call in enumerate(trace.calls):
        anchor = call.outputs[0] if call.outputs else min(call.first_op, len(trace.ops) - 1)
        name = f"module call {call.address}:{call.call}"
        known = call.address in capture.derived.modules or any(
            call.address in m.all_addresses for m in capture.derived.modules.values()
        )
        if not known:
            found.append((anchor, f"{name} names no module of the model"))
        if call.parent >= number:
            found.append((anchor, f"{name} is enclosed by a later call"))
        elif call.parent >= 0:
            outer = trace.calls[call.parent]
            if not outer.first_op <= call.first_op <= call.end_op <= outer.end_op:
                found.append((anchor, f"{name} is not inside its enclosing call"))
    return found


def _label(capture: Capture, index: int) -> list[str]:
    trace, derived = capture.trace, capture.derived
    op, label = trace.ops[index], derived.labels[index]
    match = _LABEL.match(label)
    if match is None:
        return [f"label {label!r} is malformed"]
    found: list[str] = []
    expected_type = op.type if op.kind == OP else _ROLE_TYPES[op.kind]
    if match["type"] != expected_type:
        found.append(f"label {label!r} does not name its type {expected_type!r}")
    if label != f"{derived.layer_labels[index]}:{derived.pass_index[index]}":
        found.append(f"label {label!r} disagrees with its layer label and pass")
    if (match["step"] is None) == (op.kind == OP):
        found.append(f"label {label!r}: only ops carry a step index")
    return found


def _lookup(capture: Capture) -> list[tuple[int, str]]:
    """Labels are unique and every key resolves to the pass it names."""
    found: list[tuple[int, str]] = []
    labels = capture.derived.labels
    first: dict[str, int] = {}
    for index, label in enumerate(labels):
        other = first.setdefault(label, index)
        if other != index:
            found.append((index, f"label {label!r} is also the label of pass #{other}"))
        try:
            resolved = capture.index.resolve(label, len(labels))
        except KeyError:
            found.append((index, f"its label {label!r} does not resolve"))
            continue
        if resolved != index:
            found.append((index, f"its label {label!r} resolves to {labels[resolved]!r}"))
    keys = capture.index.keys()  # a KeyIndex, not a dict: its keys() lists unambiguous keys
    for key in keys:
        try:
            capture.index.resolve(key, len(labels))
        except KeyError as exc:
            found.append((0, f"lookup key {key!r} does not resolve: {exc}"))
    return found
