"""A model zoo built offline (random weights): every capture passes the same checks."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from checks import check_capture
from toy_models import (
    TOYS,
    VISION,
    NestedIO,
    bert_inputs,
    bert_tiny,
    detection_model,
    gpt2_tiny,
)


@pytest.mark.parametrize("name", list(VISION))
def test_vision_zoo(name: str) -> None:
    build, make_input = VISION[name]
    torch.manual_seed(0)
    model = build().eval()
    h = check_capture(model, make_input())
    assert h.outputs[0].shape == (1, 1000)
    assert len(h.modules) > 5


@pytest.mark.slow
def test_detection_model_in_eval_mode() -> None:
    torch.manual_seed(0)
    h = check_capture(detection_model(), ([torch.rand(3, 128, 160)],))
    assert any(layer.func_name == "nms" or "roi" in layer.type for layer in h)


def test_gpt2_tiny() -> None:
    torch.manual_seed(0)
    model = gpt2_tiny()
    h = check_capture(model, {"input_ids": torch.randint(0, 100, (1, 8))})
    assert h.outputs[0].shape == (1, 8, 100)
    assert h.modules["transformer.h.1.attn"].num_calls == 1


def test_bert_tiny() -> None:
    torch.manual_seed(0)
    model = bert_tiny()
    h = check_capture(model, bert_inputs())
    assert h.outputs[0].address == "last_hidden_state"


@pytest.mark.parametrize("rnn", [nn.LSTM, nn.GRU])
def test_recurrent_modules(rnn: type[nn.Module]) -> None:
    check_capture(rnn(3, 5, num_layers=2, batch_first=True), torch.randn(2, 4, 3))


@pytest.mark.parametrize("name", list(TOYS))
def test_toy_zoo(name: str) -> None:
    build, make_input = TOYS[name]
    torch.manual_seed(0)
    check_capture(build(), make_input())


def test_nested_container_inputs_outputs_and_kwargs() -> None:
    torch.manual_seed(0)
    a, b, w, mask = torch.randn(4), torch.randn(4), torch.randn(4), torch.ones(4)
    h = check_capture(NestedIO(), ((a, b), {"w": w}), kwargs={"scale": 2.0, "mask": mask})
    assert [x.address for x in h.inputs] == ["0.0", "0.1", "1.w", "mask"]
    assert [x.address for x in h.outputs] == ["out", "parts.0", "parts.1.0", "parts.1.1"]
    dict_inputs = check_capture(NestedIO(), {"pair": (a, b), "extra": {"w": w}})
    assert [x.address for x in dict_inputs.inputs] == ["pair.0", "pair.1", "extra.w"]
