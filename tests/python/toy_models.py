"""Small models, one per corner of capture (shared by the tests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import torch
from torch import nn
from torch.nn import functional as F


class TwoLayer(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc1 = nn.Linear(4, 8)
        self.act = nn.ReLU()
        self.fc2 = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc2(self.act(self.fc1(x)))


class Recurrent(nn.Module):
    """One Linear applied 4 times, with a parameter-free op after each use."""

    def __init__(self) -> None:
        super().__init__()
        self.cell = nn.Linear(6, 6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for _ in range(4):
            h = torch.tanh(self.cell(h) + x)
        return h


class ConvBlockLoop(nn.Module):
    """One conv block applied 4 times."""

    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Conv2d(3, 8, 3, padding=1)
        self.block = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU())
        self.head = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.stem(x)
        for _ in range(4):
            x = self.block(x)
        return self.head(x.mean(dim=(2, 3)))


class DynamicIf(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc(x)
        if y.sum() > -1e9:
            y = y * 2
            y = torch.relu(y)
        else:
            y = y - 1
        return y + 1


class DynamicElse(DynamicIf):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc(x)
        if y.sum() < -1e9:
            y = y * 2
        else:
            y = torch.sigmoid(y)
            y = y * 3
        return y + 1


class Noise(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(x) + torch.randn(4) * 0.1


class InPlaceChain(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = x * 1.0
        z = y.view(-1)
        y.add_(1)
        y.mul_(2)
        y[0] = 5.0
        F.relu(y, inplace=True)
        return y + z.sum()


class Shared(nn.Module):
    """The same Linear under two addresses and called twice."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = self.a

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.b(torch.relu(self.a(x)))


class NestedIO(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(
        self,
        pair: tuple[torch.Tensor, torch.Tensor],
        extra: dict[str, Any],
        *,
        scale: float = 1.0,
        mask: torch.Tensor | None = None,
    ) -> dict[str, Any]:
        a, b = pair
        out = self.fc(a) + b * extra["w"]
        if mask is not None:
            out = out * mask
        return {"out": out * scale, "parts": [a.sum(), (b * 2, extra["w"] + 1)]}


class MultiOutput(nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        a, b = x.split(2, dim=1)
        values, indices = x.max(dim=1)
        top = torch.topk(x, 2).values
        return a + b, values, indices, top


class Factories(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x + torch.zeros(4) + torch.arange(4.0) + torch.ones_like(x)


class Attention(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.mha = nn.MultiheadAttention(8, 2, batch_first=True)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.mha(x, x, x, need_weights=False)[0]


class Raises(nn.Module):
    def __init__(self, exc: BaseException) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.exc = exc

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.fc(x).relu()
        raise self.exc


class RepeatedFreeBlock(nn.Module):
    """A parameter-free block A B applied 3 times in a chain, then an unrelated tail."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(3):
            x = torch.sin(x) * 2
        return torch.cos(x)


class BatchNormTrain(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.bn = nn.BatchNorm1d(4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.bn(self.bn(x))


# ---- the zoo: builders and inputs shared by the capture, validation and bundle tests ----------

Zoo = dict[str, tuple[Callable[[], nn.Module], Callable[[], Any]]]

TOYS: Zoo = {
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


def image(size: int = 224) -> torch.Tensor:
    return torch.randn(1, 3, size, size)


def _torchvision(name: str, **options: Any) -> Callable[[], nn.Module]:
    """A builder of torchvision's ``name`` with random weights (torchvision imported on use)."""

    def build() -> nn.Module:
        import torchvision

        model: nn.Module = getattr(torchvision.models, name)(weights=None, **options)
        return model

    return build


# Built in train mode; the tests call .eval().
VISION: Zoo = {
    "resnet18": (_torchvision("resnet18"), image),
    "vgg11": (_torchvision("vgg11"), lambda: image(64)),
    "googlenet": (
        _torchvision("googlenet", aux_logits=False, init_weights=False),
        lambda: image(96),
    ),
    "mobilenet_v2": (_torchvision("mobilenet_v2"), lambda: image(96)),
    "vit_b_16": (_torchvision("vit_b_16", image_size=64), lambda: image(64)),
    "swin_t": (_torchvision("swin_t"), lambda: image(64)),
}


def detection_model() -> nn.Module:
    """A small Faster R-CNN in eval mode; its input is ``([torch.rand(3, 128, 160)],)``."""
    import torchvision

    model: nn.Module = torchvision.models.detection.fasterrcnn_mobilenet_v3_large_320_fpn(
        weights=None, weights_backbone=None, num_classes=5
    )
    return model.eval()


def gpt2_tiny() -> nn.Module:
    """GPT-2 with two 32-wide layers and a 100-token vocabulary, in eval mode."""
    import transformers

    config = transformers.GPT2Config(n_layer=2, n_embd=32, n_head=2, n_positions=32, vocab_size=100)
    model: nn.Module = transformers.GPT2LMHeadModel(config)
    return model.eval()


def bert_tiny() -> nn.Module:
    """BERT with two 32-wide layers and a 100-token vocabulary, in eval mode."""
    import transformers

    config = transformers.BertConfig(
        num_hidden_layers=2, hidden_size=32, num_attention_heads=2, intermediate_size=64,
        vocab_size=100, max_position_embeddings=32,
    )  # fmt: skip
    model: nn.Module = transformers.BertModel(config)
    return model.eval()


def bert_inputs() -> dict[str, torch.Tensor]:
    """Eight random token ids and their attention mask, for ``bert_tiny``."""
    ids = torch.randint(0, 100, (1, 8))
    return {"input_ids": ids, "attention_mask": torch.ones(1, 8, dtype=torch.long)}
