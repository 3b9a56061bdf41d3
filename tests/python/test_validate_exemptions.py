"""The perturbation exemptions: each is real (the output truly ignores the parent's values),
each is reported as an exemption (not a pass, not a failure), and nothing else is exempt."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch
from torch import nn

import lenslab
from lenslab.validation import exemptions

Forward = Callable[[torch.Tensor], torch.Tensor]


class Fn(nn.Module):
    def __init__(self, fn: Forward) -> None:
        super().__init__()
        self.fn = fn

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fn(x)


def _overwrite(x: torch.Tensor, how: str) -> torch.Tensor:
    y = x * 2
    if how == "zero_":
        y.zero_()
    elif how == "fill_":
        y.fill_(3.0)
    else:
        y.copy_(torch.ones(3))
    return y + 1


def _masked_fill_all(x: torch.Tensor) -> torch.Tensor:
    return (x * 2).masked_fill(torch.ones(3, dtype=torch.bool), 0.0)


def _where_all_true(x: torch.Tensor) -> torch.Tensor:
    return torch.where(torch.ones(3, dtype=torch.bool), torch.ones(3), x * 2)


# op type -> (forward, the exemption reason expected for it)
CASES: dict[str, tuple[Forward, str]] = {
    "zeroslike": (lambda x: torch.zeros_like(x * 2), exemptions._SHAPE),
    "newzeros": (lambda x: (x * 2).new_zeros(3), exemptions._SHAPE),
    "expandas": (lambda x: torch.ones(1).expand_as(x * 2), exemptions._SHAPE),
    "viewas": (lambda x: torch.arange(3.0).view_as(x * 2), exemptions._SHAPE),
    "typeas": (lambda x: torch.arange(3).type_as(x * 2), exemptions._SHAPE),
    "zero": (lambda x: _overwrite(x, "zero_"), exemptions._OVERWRITE),
    "fill": (lambda x: _overwrite(x, "fill_"), exemptions._OVERWRITE),
    "copy": (lambda x: _overwrite(x, "copy_"), exemptions._OVERWRITE),
    "mul": (lambda x: torch.sin(x) * 0.0, "multiplied by an all-zero operand"),
    "where": (_where_all_true, "where(): the condition never selects"),
    "maskedfill": (_masked_fill_all, "masked_fill(): the mask covers every element"),
    "softmax": (lambda x: torch.softmax(x.reshape(3, 1), dim=1), "softmax over a dimension"),
    "clamp": (lambda x: torch.clamp(x * 2, min=1.0, max=1.0), "clamp(): every value"),
    "argmax": (lambda x: torch.argmax((x * 2).reshape(3, 1), dim=1), exemptions.DISCRETE),
    "getitem": (lambda x: (x * 2)[torch.zeros(3, dtype=torch.bool)], exemptions.EMPTY),
}


@pytest.mark.parametrize("op_type", list(CASES))
def test_exempted_op_ignores_the_parent_and_is_reported_as_exempt(op_type: str) -> None:
    fn, reason = CASES[op_type]
    x = torch.randn(3)
    assert torch.equal(fn(x), fn(x * 5 + 1)) or fn(x).numel() == 0  # the exemption is real
    report = lenslab.validate(Fn(fn), x)
    assert report, str(report)
    perturbation = report.checks["perturbation"]
    assert any(r.startswith(reason) for r in perturbation.exempt_reasons), str(report)
    assert perturbation.failed == 0


def test_training_batch_norm_ignores_running_stats_values() -> None:
    model = nn.BatchNorm1d(3).train()
    report = lenslab.validate(model, torch.randn(4, 3))
    reasons = report.checks["perturbation"].exempt_reasons
    assert (
        report
        and reasons.get("batch norm in training mode only updates its running statistics") == 2
    )


def test_static_exemptions_apply_only_to_their_slots() -> None:
    assert exemptions.static_reason("expand_as", ["1"]) == exemptions._SHAPE
    assert exemptions.static_reason("expand_as", ["0"]) is None  # its values are read
    assert exemptions.static_reason("expand_as", ["0", "1"]) is None  # x.expand_as(x)
    assert exemptions.static_reason("zeros_like", ["0"]) == exemptions._SHAPE
    assert exemptions.static_reason("copy_", ["1"]) is None  # the source is read
    assert exemptions.static_reason("relu", ["0"]) is None


def test_every_static_exemption_is_listed_once_with_a_reason() -> None:
    for name, (slots, reason) in exemptions.STATIC.items():
        assert reason in (exemptions._SHAPE, exemptions._OVERWRITE), name
        assert slots is None or slots, name
    assert set(exemptions.REPLAY_EXEMPT) >= {"empty", "empty_like"}


def test_unexplained_unchanged_output_is_a_failure_not_an_exemption() -> None:
    args: tuple[torch.Tensor, ...] = (torch.randn(3), torch.randn(3))
    assert exemptions.dynamic_reason("add", ["1"], args, {}, args[1], [args[0]]) is None
    assert exemptions.dynamic_reason("relu", ["0"], args, {}, args[0], [args[0]]) is None


def test_integer_parents_are_permuted_not_skipped() -> None:
    model = nn.Embedding(10, 4)
    report = lenslab.validate(model, torch.tensor([[1, 2, 3, 4]]))
    assert report and report.checks["perturbation"].passed == 1
