"""The zoo across what lenslab claims: video, audio, LLMs (rotary, GQA, KV cache, generate),
encoder-decoder, multimodal, graph networks, diffusion, mixture of experts, detection training,
timm. Every model is built offline with random weights, captured, checked and validated.

Small configs and small inputs keep this in ``make test``; the big ones are ``heavy``.
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
import torchvision
from torch import nn

import lenslab
from checks import check_capture
from lenslab import ModelHistory, lens

transformers = pytest.importorskip("transformers")


def validated(model: nn.Module, inputs: Any, **options: Any) -> ModelHistory:
    """``check_capture`` (labels, lookups, module outputs, outputs), then replay validation."""
    h = check_capture(model, inputs, keep_args=True, **options)
    report = h.validate()
    assert report, report.failures[:5]
    return h


def types_of(h: ModelHistory) -> set[str]:
    return {layer.type for layer in h}


def test_video_r3d() -> None:
    torch.manual_seed(0)
    model = torchvision.models.video.r3d_18(weights=None, num_classes=5).eval()
    h = validated(model, torch.randn(1, 3, 2, 16, 16))
    assert "conv3d" in types_of(h) and h.outputs[0].shape == (1, 5)


class Spectrogram(nn.Module):
    """Audio: a magnitude STFT, then a small conv classifier."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3)
        self.head = nn.Linear(4, 3)
        self.register_buffer("window", torch.hann_window(64))

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(wave, 64, hop_length=16, window=self.window, return_complex=True).abs()
        x = torch.relu(self.conv(spec.unsqueeze(1)))
        return self.head(x.mean(dim=(2, 3)))


def test_audio_stft() -> None:
    torch.manual_seed(0)
    h = validated(Spectrogram().eval(), torch.randn(2, 512))
    assert "stft" in types_of(h)


def llama_tiny() -> nn.Module:
    config = transformers.LlamaConfig(
        vocab_size=64,
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,  # grouped-query attention
        max_position_embeddings=32,
    )
    config._attn_implementation = "sdpa"
    return transformers.LlamaForCausalLM(config).eval()


def test_llama_rotary_gqa_kv_cache_with_attention_weights() -> None:
    torch.manual_seed(0)
    model = llama_tiny()
    ids = torch.randint(0, 64, (1, 6))
    h = validated(model, {"input_ids": ids, "use_cache": True}, attention_weights=True)
    softmaxes = [layer for layer in h if layer.type == "softmax"]
    assert len(softmaxes) == 2 and softmaxes[0].shape == (1, 4, 6, 6)  # heads x query x key
    assert {"cos", "sin"} <= types_of(h)  # rotary embeddings
    assert h.modules["model.layers.1.self_attn"].num_calls == 1


def test_lens_over_generate_records_each_step_as_a_call() -> None:
    torch.manual_seed(0)
    model = llama_tiny()
    ids = torch.randint(0, 64, (1, 4))
    h = lens(model.generate, ids, kwargs={"max_new_tokens": 3, "do_sample": False})
    assert h.modules["model.model.layers.0"].num_calls == 3  # one forward per new token
    assert h.outputs[0].shape == (1, 7)


def test_t5_encoder_decoder() -> None:
    torch.manual_seed(0)
    config = transformers.T5Config(
        vocab_size=50, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2
    )
    model = transformers.T5Model(config).eval()
    inputs = {
        "input_ids": torch.randint(0, 50, (1, 5)),
        "decoder_input_ids": torch.randint(0, 50, (1, 3)),
    }
    h = validated(model, inputs)
    assert h.modules["encoder"].num_calls == 1 and h.modules["decoder"].num_calls == 1


def test_clip_multimodal() -> None:
    torch.manual_seed(0)
    config = transformers.CLIPConfig(
        text_config={
            "vocab_size": 50,
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "max_position_embeddings": 8,
            "bos_token_id": 0,
            "eos_token_id": 1,
            "pad_token_id": 1,
        },
        vision_config={
            "hidden_size": 16,
            "intermediate_size": 32,
            "num_hidden_layers": 1,
            "num_attention_heads": 2,
            "image_size": 16,
            "patch_size": 8,
        },
        projection_dim=8,
    )
    model = transformers.CLIPModel(config).eval()
    inputs = {"input_ids": torch.randint(0, 50, (2, 6)), "pixel_values": torch.randn(1, 3, 16, 16)}
    h = validated(model, inputs)
    assert h.outputs[0].address == "logits_per_image" and h.outputs[0].shape == (1, 2)


def test_graph_networks_gcn_and_gat() -> None:
    geometric = pytest.importorskip("torch_geometric.nn")

    class Net(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.gcn = geometric.GCNConv(4, 8)
            self.gat = geometric.GATConv(8, 3, heads=2)

        def forward(self, x: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
            return self.gat(torch.relu(self.gcn(x, edges)), edges)

    torch.manual_seed(0)
    edges = torch.tensor([[0, 1, 2, 3, 4, 0], [1, 2, 3, 4, 0, 2]])
    h = validated(Net().eval(), (torch.randn(5, 4), edges))
    assert h.outputs[0].shape == (5, 6)
    assert any(layer.module == "gat" and layer.type == "softmax" for layer in h) or any(
        "scatter" in layer.type or "index" in layer.type for layer in h
    )


def test_diffusion_unet_with_timestep() -> None:
    diffusers = pytest.importorskip("diffusers")
    torch.manual_seed(0)
    model = diffusers.UNet2DModel(
        sample_size=8,
        in_channels=3,
        out_channels=3,
        layers_per_block=1,
        block_out_channels=(8, 16),
        down_block_types=("DownBlock2D", "AttnDownBlock2D"),
        up_block_types=("AttnUpBlock2D", "UpBlock2D"),
        norm_num_groups=4,
        attention_head_dim=4,
    ).eval()
    h = validated(model, (torch.randn(1, 3, 8, 8), torch.tensor([10])), attention_weights=True)
    assert "softmax" in types_of(h) and h.outputs[0].shape == (1, 3, 8, 8)
    assert h.modules["time_embedding"].num_calls == 1


class TopK(nn.Module):
    """A mixture-of-experts layer: a router picks the top 2 of 4 experts per token."""

    def __init__(self) -> None:
        super().__init__()
        self.router = nn.Linear(8, 4)
        self.experts = nn.ModuleList(nn.Linear(8, 8) for _ in range(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weights, chosen = torch.softmax(self.router(x), dim=-1).topk(2, dim=-1)
        out = torch.zeros_like(x)
        for e, expert in enumerate(self.experts):
            token, slot = torch.where(chosen == e)
            if token.numel():
                out = out.index_add(0, token, expert(x[token]) * weights[token, slot, None])
        return out


def test_mixture_of_experts_top_k() -> None:
    torch.manual_seed(0)
    h = validated(TopK().eval(), torch.randn(6, 8))
    assert "topk" in types_of(h) and "indexadd" in types_of(h)


@pytest.mark.parametrize(
    "name", ["convnext_atto", pytest.param("efficientnet_b0", marks=pytest.mark.heavy)]
)
def test_timm(name: str) -> None:
    timm = pytest.importorskip("timm")
    torch.manual_seed(0)
    model = timm.create_model(name, pretrained=False, num_classes=4).eval()
    h = validated(model, torch.randn(1, 3, 32, 32))
    assert h.outputs[0].shape == (1, 4)


@pytest.mark.heavy
def test_detection_model_training_with_targets() -> None:
    torch.manual_seed(0)
    model = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=3
    ).train()
    images = [torch.rand(3, 160, 160)]
    targets = [{"boxes": torch.tensor([[10.0, 20.0, 80.0, 90.0]]), "labels": torch.tensor([1])}]
    report = lenslab.validate(model, (images, targets), seed=0)  # replay with RNG restored
    assert report, report.failures[:5]
    h = lens(model, (images, targets), seed=0)
    losses = ["loss_classifier", "loss_box_reg", "loss_objectness", "loss_rpn_box_reg"]
    assert [o.address for o in h.outputs] == losses
    assert any(layer.type == "nms" for layer in h)


@pytest.mark.heavy
def test_wav2vec2_audio_transformer() -> None:
    torch.manual_seed(0)
    config = transformers.Wav2Vec2Config(
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        conv_dim=(8, 8),
        conv_stride=(5, 2),
        conv_kernel=(10, 3),
        num_conv_pos_embeddings=4,
        num_conv_pos_embedding_groups=2,
        vocab_size=10,
    )
    model = transformers.Wav2Vec2Model(config).eval()
    validated(model, torch.randn(1, 400))
