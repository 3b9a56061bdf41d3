"""The models `make parity` compares lenslab's labels on with TorchLens' (random weights, small
inputs, nothing downloaded). Each builder returns ``(model, inputs)`` in ``lens``' form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn

Built = tuple[nn.Module, Any]


def _tv(name: str, size: int = 64, **kwargs: Any) -> Callable[[], Built]:
    def build() -> Built:
        import torchvision

        model = getattr(torchvision.models, name)(weights=None, **kwargs)
        return model, torch.randn(1, 3, size, size)

    return build


def _video() -> Built:
    import torchvision

    return torchvision.models.video.r3d_18(weights=None), torch.randn(1, 3, 2, 32, 32)


def _vit() -> Built:
    from torchvision.models import VisionTransformer

    model = VisionTransformer(32, 8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32)
    return model, torch.randn(1, 3, 32, 32)


def _densenet() -> Built:
    import torchvision

    model = torchvision.models.DenseNet(
        growth_rate=8, block_config=(2, 2), num_init_features=8, bn_size=2, num_classes=10
    )
    return model, torch.randn(1, 3, 32, 32)


def _transformer() -> Built:
    model = nn.Transformer(16, 2, num_encoder_layers=1, num_decoder_layers=1, dim_feedforward=32)
    return model, (torch.randn(5, 1, 16), torch.randn(3, 1, 16))


class Elman(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.cell = nn.RNNCell(4, 8)
        self.head = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.zeros(x.shape[1], 8)
        for t in range(x.shape[0]):
            h = self.cell(x[t], h)
        return self.head(h)


class _Residual(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 3, 3, padding=1)
        self.skip = nn.Identity()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.conv(x)
        out += self.skip(x)
        a, b = torch.split(out, [1, 2], dim=1)
        return torch.cat([b, a], 1).relu()


def _hf(name: str) -> Callable[[], Built]:
    def build() -> Built:
        import transformers as t

        ids = torch.randint(0, 64, (1, 6))
        if name == "gpt2":
            cfg: Any = t.GPT2Config(
                vocab_size=64, n_embd=16, n_layer=2, n_head=2, n_positions=16, bos_token_id=0,
                eos_token_id=0,
            )
            return t.GPT2LMHeadModel(cfg), {"input_ids": ids, "use_cache": False}
        if name == "bert":
            cfg = t.BertConfig(vocab_size=64, hidden_size=16, num_hidden_layers=2,
                               num_attention_heads=2, intermediate_size=32)
            return t.BertModel(cfg), {"input_ids": ids}
        if name == "llama":
            cfg = t.LlamaConfig(vocab_size=64, hidden_size=16, intermediate_size=32,
                                num_hidden_layers=2, num_attention_heads=4, num_key_value_heads=2)
            return t.LlamaForCausalLM(cfg), {"input_ids": ids, "use_cache": False}
        cfg = t.T5Config(vocab_size=64, d_model=16, d_kv=8, d_ff=32, num_layers=1, num_heads=2)
        return t.T5Model(cfg), {"input_ids": ids, "decoder_input_ids": ids[:, :3]}

    return build


MODELS: dict[str, Callable[[], Built]] = {
    "alexnet": _tv("alexnet", 64),
    "vgg11": _tv("vgg11", 32),
    "resnet18": _tv("resnet18"),
    "resnet50": _tv("resnet50"),
    "densenet": _densenet,
    "squeezenet": _tv("squeezenet1_0"),
    "mobilenet_v2": _tv("mobilenet_v2"),
    "mobilenet_v3_small": _tv("mobilenet_v3_small"),
    "efficientnet_b0": _tv("efficientnet_b0"),
    "shufflenet": _tv("shufflenet_v2_x0_5"),
    "mnasnet": _tv("mnasnet0_5"),
    "regnet": _tv("regnet_y_400mf"),
    "googlenet": _tv("googlenet", 64, aux_logits=False, init_weights=False),
    "convnext": _tv("convnext_tiny", 32),
    "swin_t": _tv("swin_t", 64),
    "vit": _vit,
    "r3d_18": _video,
    "transformer": _transformer,
    "lstm": lambda: (nn.LSTM(4, 8, num_layers=2), torch.randn(5, 1, 4)),
    "gru": lambda: (nn.GRU(4, 8), torch.randn(5, 1, 4)),
    "elman": lambda: (Elman(), torch.randn(6, 1, 4)),
    "residual": lambda: (_Residual(), torch.randn(1, 3, 8, 8)),
    "mha": lambda: (nn.MultiheadAttention(8, 2), (torch.randn(4, 1, 8),) * 3),
    "gpt2": _hf("gpt2"),
    "bert": _hf("bert"),
    "llama": _hf("llama"),
    "t5": _hf("t5"),
}


def build(name: str) -> Built:
    torch.manual_seed(0)
    model, inputs = MODELS[name]()
    return model.eval(), inputs
