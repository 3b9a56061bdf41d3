"""Validation can fail, and names exactly what was broken; what it cannot check it says."""

from __future__ import annotations

import dataclasses

import torch
from torch import nn

import lenslab
from lenslab import ModelHistory, lens
from toy_models import RepeatedFreeBlock, TwoLayer


class AddTwo(nn.Module):
    def forward(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        return torch.sin(x) + y


def captured(model: nn.Module, *inputs: torch.Tensor) -> ModelHistory:
    torch.manual_seed(0)
    h = lens(model, inputs, seed=0, keep_args=True)
    assert h.validate(), str(h.validate())
    return h


def broken(report: lenslab.validation.ValidationReport) -> set[tuple[str, str]]:
    return {(f.check, f.label) for f in report.failures}


def two_layer() -> ModelHistory:
    return captured(TwoLayer(), torch.randn(2, 4))


def test_corrupted_activation_is_named_once_not_at_its_descendants() -> None:
    h = captured(RepeatedFreeBlock(), torch.randn(3))
    sin = h["sin_1_1:1"]
    values = h.capture.trace.store.values
    values[sin.index] = values[sin.index] + 1.0
    report = h.validate()
    assert not report
    assert broken(report) == {("replay", sin.label)}
    assert "differs from the saved one" in report.failures[0].reason
    assert report.failures[0].source is not None  # the user line that called sin


def test_corrupted_module_output_is_named_by_replay_and_by_the_module_hook() -> None:
    h = two_layer()
    fc1 = h["fc1"]
    values = h.capture.trace.store.values
    values[fc1.index] = values[fc1.index] * 1.5
    assert broken(h.validate()) == {("replay", fc1.label), ("modules", fc1.label)}


def test_corrupted_output_is_named_by_the_outputs_check() -> None:
    h = two_layer()
    out = h.outputs[0]
    values = h.capture.trace.store.values
    values[out.index] = values[out.index] - 2.0
    assert broken(h.validate()) == {("outputs", out.label), ("replay", out.label)}


def test_dropped_parent_edge_names_both_ends() -> None:
    h = two_layer()
    fc1, relu = h["fc1"], h["act"]
    op = h.capture.trace.ops[relu.index]
    op.parents = ()  # records hold tuples: drop the edge by replacing them
    op.slots = ()
    report = h.validate()
    assert {label for _, label in broken(report)} == {fc1.label, relu.label}
    reasons = " ".join(f.reason for f in report.failures)
    assert f"lists {relu.label} as a child" in reasons
    assert f"argument 0 is the output of {fc1.label}" in reasons


def test_edge_dropped_on_both_sides_is_caught_by_replay_and_ancestry() -> None:
    h = two_layer()
    fc1, relu = h["fc1"], h["act"]
    op = h.capture.trace.ops[relu.index]
    op.parents = ()  # records hold tuples: drop the edge by replacing them
    op.slots = ()
    children = list(h.capture.trace.children)
    children[fc1.index] = ()
    object.__setattr__(h.capture.trace, "children", tuple(children))
    report = h.validate()
    assert broken(report) == {("replay", relu.label), ("graph", relu.label)}


def test_swapped_labels_are_both_named() -> None:
    h = two_layer()
    a, b = h["fc1"].index, h["act"].index
    labels = h.capture.derived.labels
    labels[a], labels[b] = labels[b], labels[a]
    report = h.validate()
    assert broken(report) == {("graph", labels[a]), ("graph", labels[b])}
    assert f"resolves to {labels[b]!r}" in " ".join(f.reason for f in report.failures)


def test_an_op_that_ignores_a_recorded_parent_fails_perturbation() -> None:
    h = captured(AddTwo(), torch.randn(3), torch.randn(3))
    add = next(layer for layer in h if layer.type == "add")
    values = h.capture.trace.store.values
    y = values[h.inputs[1].index].clone()
    _, args, kwargs = h.capture.trace.kept_args[add.index]
    h.capture.trace.kept_args[add.index] = (lambda a, b: a + y, args, kwargs)  # reads b's value never
    report = h.validate()
    assert broken(report) == {("perturbation", add.label)}
    assert "argument 1" in report.failures[0].reason
    assert h.inputs[1].label in report.failures[0].reason


def test_metadata_only_capture_skips_value_checks_and_says_how() -> None:
    report = lens(TwoLayer(), torch.randn(2, 4), save=None).validate()
    assert not report
    assert not report.failures
    assert set(report.skipped) == {"outputs", "replay", "perturbation", "modules"}
    assert report.checks["graph"].ok
    text = str(report)
    assert "SKIPPED" in text and "save=None" in text and "lenslab.validate(model, inputs" in text


def test_ordinary_capture_keeps_no_arguments_and_skips_replay() -> None:
    h = lens(TwoLayer(), torch.randn(2, 4))
    assert not h.capture.trace.kept_args
    report = h.validate()
    assert not report and not report.failures
    assert "keep_args=True" in str(report)
    assert "replay" in report.skipped and "outputs" in report.skipped


def test_selective_save_reports_unchecked_items_not_success() -> None:
    h = lens(TwoLayer(), torch.randn(2, 4), save=["fc2"], keep_args=True)
    report = h.validate()
    assert not report and not report.failures
    assert report.checks["replay"].skipped > 0
    assert "not checked" in str(report) and "INCOMPLETE" in str(report)


def test_report_prints_counts_and_first_failures_with_sources() -> None:
    h = captured(RepeatedFreeBlock(), torch.randn(3))
    values = h.capture.trace.store.values
    for layer in h:
        if layer.type == "sin":
            values[layer.index] = values[layer.index] + 1.0
    text = str(h.validate())
    assert text.startswith("lenslab validation of RepeatedFreeBlock")
    assert "replay        FAILED     5 passed, 3 failed" in text
    assert "first 3 of 3 failures" in text and "toy_models.py:" in text
    assert "sin_1_1:1" in text


def test_validation_leaves_rng_and_buffers_as_they_were() -> None:
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.3)).train()
    h = lens(model, torch.randn(5, 4), keep_args=True)
    state = torch.get_rng_state()
    buffers = {k: v.clone() for k, v in model.state_dict().items()}
    assert h.validate()
    assert torch.equal(torch.get_rng_state(), state)
    for key, value in model.state_dict().items():
        assert torch.equal(value, buffers[key]), key


def test_report_dataclasses_are_plain() -> None:
    report = lenslab.validate(TwoLayer(), torch.randn(2, 4))
    assert report and report.failures == [] and repr(report).startswith("<ValidationReport")
    assert dataclasses.is_dataclass(report.checks["graph"])
