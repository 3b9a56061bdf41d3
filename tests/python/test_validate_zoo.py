"""Every model of the test zoo validates: replay, perturbation, module hooks, outputs, graph."""

from __future__ import annotations

from typing import Any

import pytest
import torch
from torch import nn

import lenslab
from lenslab.validation import ValidationReport
from toy_models import (
    TOYS,
    VISION,
    DynamicElse,
    NestedIO,
    bert_inputs,
    bert_tiny,
    detection_model,
    gpt2_tiny,
)


def assert_valid(model: nn.Module, inputs: Any, **options: Any) -> ValidationReport:
    report = lenslab.validate(model, inputs, seed=0, **options)
    assert report, str(report)
    for name, check in report.checks.items():
        assert check.ran and check.failed == 0 and check.skipped == 0, (name, str(report))
    return report


@pytest.mark.parametrize("name", list(TOYS))
def test_toy_models_validate(name: str) -> None:
    build, make_input = TOYS[name]
    torch.manual_seed(0)
    assert_valid(build(), make_input())


@pytest.mark.parametrize("name", list(VISION))
def test_vision_models_validate(name: str) -> None:
    build, make_input = VISION[name]
    torch.manual_seed(0)
    report = assert_valid(build().eval(), make_input())
    assert report.checks["replay"].passed > 20
    assert report.checks["perturbation"].passed > 20
    assert report.checks["modules"].passed > 5


def test_training_mode_with_dropout_and_batchnorm_validates() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 8), nn.BatchNorm1d(8), nn.Dropout(0.5), nn.Linear(8, 2))
    before = {k: v.clone() for k, v in model.state_dict().items()}
    report = assert_valid(model.train(), torch.randn(6, 4))
    after = model.state_dict()
    # One forward's worth of running-stat updates, as after a single lens() call.
    assert not torch.equal(after["1.running_mean"], before["1.running_mean"])
    assert int(after["1.num_batches_tracked"]) == 1
    assert report.checks["replay"].passed >= 4


def test_else_branch_and_nested_io_validate() -> None:
    torch.manual_seed(0)
    assert_valid(DynamicElse(), torch.randn(2, 4))
    a, b, w, mask = torch.randn(4), torch.randn(4), torch.randn(4), torch.ones(4)
    assert_valid(NestedIO(), ((a, b), {"w": w}), kwargs={"scale": 2.0, "mask": mask})


@pytest.mark.parametrize("rnn", [nn.LSTM, nn.GRU])
def test_recurrent_modules_validate(rnn: type[nn.Module]) -> None:
    torch.manual_seed(0)
    assert_valid(rnn(3, 5, num_layers=2, batch_first=True), torch.randn(2, 4, 3))


def test_gpt2_tiny_validates() -> None:
    torch.manual_seed(0)
    model = gpt2_tiny()
    assert_valid(model, {"input_ids": torch.randint(0, 100, (1, 8))})


def test_bert_tiny_validates() -> None:
    torch.manual_seed(0)
    assert_valid(bert_tiny(), bert_inputs())


@pytest.mark.slow
def test_detection_model_validates() -> None:
    torch.manual_seed(0)
    assert_valid(detection_model(), ([torch.rand(3, 128, 160)],))
