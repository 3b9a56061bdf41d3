"""A model zoo built offline (random weights): every capture passes the same checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import torch
import torchvision
from torch import nn

from checks import check_capture
from toy_models import (
    Attention,
    BatchNormTrain,
    ConvBlockLoop,
    DynamicIf,
    Factories,
    InPlaceChain,
    MultiOutput,
    NestedIO,
    Noise,
    Recurrent,
    RepeatedFreeBlock,
    Shared,
    TwoLayer,
)  # fmt: skip

tv = torchvision.models


def image(size: int = 224) -> torch.Tensor:
    return torch.randn(1, 3, size, size)


VISION: dict[str, tuple[Callable[[], nn.Module], Callable[[], Any]]] = {
    "resnet18": (lambda: tv.resnet18(weights=None), image),
    "vgg11": (lambda: tv.vgg11(weights=None), lambda: image(64)),
    "googlenet": (
        lambda: tv.googlenet(weights=None, aux_logits=False, init_weights=False),
        lambda: image(96),
    ),
    "mobilenet_v2": (lambda: tv.mobilenet_v2(weights=None), lambda: image(96)),
    "vit_b_16": (lambda: tv.vit_b_16(weights=None, image_size=64), lambda: image(64)),
    "swin_t": (lambda: tv.swin_t(weights=None), lambda: image(64)),
}


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
    model = tv.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=5
    ).eval()
    h = check_capture(model, ([torch.rand(3, 128, 160)],))
    assert any(layer.func_name == "nms" or "roi" in layer.type for layer in h)


def test_gpt2_tiny() -> None:
    transformers = pytest.importorskip("transformers")
    config = transformers.GPT2Config(n_layer=2, n_embd=32, n_head=2, n_positions=32, vocab_size=100)
    torch.manual_seed(0)
    model = transformers.GPT2LMHeadModel(config).eval()
    ids = torch.randint(0, 100, (1, 8))
    h = check_capture(model, {"input_ids": ids})
    assert h.outputs[0].shape == (1, 8, 100)
    assert h.modules["transformer.h.1.attn"].num_calls == 1


def test_bert_tiny() -> None:
    transformers = pytest.importorskip("transformers")
    config = transformers.BertConfig(
        num_hidden_layers=2, hidden_size=32, num_attention_heads=2, intermediate_size=64,
        vocab_size=100, max_position_embeddings=32,
    )  # fmt: skip
    torch.manual_seed(0)
    model = transformers.BertModel(config).eval()
    ids = torch.randint(0, 100, (1, 8))
    h = check_capture(
        model, {"input_ids": ids, "attention_mask": torch.ones(1, 8, dtype=torch.long)}
    )
    assert h.outputs[0].address == "last_hidden_state"


@pytest.mark.parametrize("rnn", [nn.LSTM, nn.GRU])
def test_recurrent_modules(rnn: type[nn.Module]) -> None:
    check_capture(rnn(3, 5, num_layers=2, batch_first=True), torch.randn(2, 4, 3))


TOYS: dict[str, tuple[Callable[[], nn.Module], Callable[[], Any]]] = {
    "two_layer": (TwoLayer, lambda: torch.randn(2, 4)),
    "recurrent": (Recurrent, lambda: torch.randn(2, 6)),
    "conv_block_loop": (lambda: ConvBlockLoop().eval(), lambda: torch.randn(1, 3, 6, 6)),
    "dynamic_if": (DynamicIf, lambda: torch.randn(2, 4)),
    "noise": (Noise, lambda: torch.randn(4)),
    "in_place_chain": (InPlaceChain, lambda: torch.randn(2, 3)),
    "shared": (Shared, lambda: torch.randn(4)),
    "multi_output": (MultiOutput, lambda: torch.randn(2, 4)),
    "factories": (Factories, lambda: torch.randn(4)),
    "attention": (lambda: Attention().eval(), lambda: torch.randn(1, 3, 8)),
    "repeated_free_block": (RepeatedFreeBlock, lambda: torch.randn(3)),
    "batchnorm_eval": (lambda: BatchNormTrain().eval(), lambda: torch.randn(8, 4)),
}


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
