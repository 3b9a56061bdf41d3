"""The benchmark's models: a small zoo of real architectures and synthetic op-count ladders.

Everything is built with random weights from a fixed seed; nothing downloads. Each builder
returns ``(model, inputs)`` with ``inputs`` in the form ``lens`` accepts (a tensor, a tuple of
positional arguments or a dict of keyword arguments).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import torch
from torch import nn

Built = tuple[nn.Module, Any]

# One intra-op thread in every process of the benchmark: on a shared 2-core machine, two
# torch threads racing other jobs make plain-forward times swing by 10x (a descheduled thread
# stalls every op), which no number of repetitions averages away. BENCH_THREADS overrides.
THREADS = int(os.environ.get("BENCH_THREADS", "1"))
torch.set_num_threads(THREADS)


def resnet18() -> Built:
    import torchvision

    return torchvision.models.resnet18(weights=None), torch.randn(1, 3, 224, 224)


def swin_t() -> Built:
    import torchvision

    return torchvision.models.swin_t(weights=None), torch.randn(1, 3, 224, 224)


def swin_v2_b() -> Built:
    import torchvision

    return torchvision.models.swin_v2_b(weights=None), torch.randn(1, 3, 256, 256)


def gpt2() -> Built:
    """GPT-2 small (124M parameters, 12 layers) from its config: random weights, 32 tokens."""
    from transformers import GPT2Config, GPT2LMHeadModel

    model = GPT2LMHeadModel(GPT2Config())
    model.config.use_cache = False
    ids = torch.randint(0, model.config.vocab_size, (1, 32))
    return model, {"input_ids": ids}


class SmallLSTM(nn.Module):
    """Two-layer LSTM over 16 steps, unrolled by hand so every gate op is a tensor op."""

    def __init__(self, size: int = 64, layers: int = 2) -> None:
        super().__init__()
        self.cells = nn.ModuleList(nn.LSTMCell(size, size) for _ in range(layers))
        self.head = nn.Linear(size, 10)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for cell in self.cells:
            h = c = torch.zeros(x.shape[1], x.shape[2])
            steps = []
            for t in range(x.shape[0]):
                h, c = cell(x[t], (h, c))
                steps.append(h)
            x = torch.stack(steps)
        return self.head(x[-1])


def lstm() -> Built:
    return SmallLSTM(), torch.randn(16, 4, 64)


def mlp16() -> Built:
    """16 Linear+ReLU layers of width 512 (the TorchLens opt-in-diagnostics figure's model)."""
    layers: list[nn.Module] = []
    for _ in range(16):
        layers += [nn.Linear(512, 512), nn.ReLU()]
    return nn.Sequential(*layers), torch.randn(32, 512)


ZOO: dict[str, Callable[[], Built]] = {
    "resnet18": resnet18,
    "swin_t": swin_t,
    "gpt2": gpt2,
    "lstm": lstm,
    "mlp16": mlp16,
}


def build(name: str) -> Built:
    """The named model in eval mode, built from seed 0 (the same weights in every process)."""
    torch.manual_seed(0)
    builders = {**ZOO, "swin_v2_b": swin_v2_b}
    model, inputs = builders[name]()
    return model.eval(), inputs


def call(model: nn.Module, inputs: Any) -> Any:
    """A plain forward pass with inputs in ``lens``' form."""
    if isinstance(inputs, dict):
        return model(**inputs)
    if isinstance(inputs, tuple):
        return model(*inputs)
    return model(inputs)


class DeepChain(nn.Module):
    """``ops`` distinct layers: Linear, Tanh, Linear, ... each its own module and parameters."""

    def __init__(self, ops: int, width: int = 4) -> None:
        super().__init__()
        self.layers = nn.Sequential(
            *(nn.Linear(width, width) if i % 2 == 0 else nn.Tanh() for i in range(ops))
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.layers(x)


class RecurrentLoop(nn.Module):
    """One Linear then tanh, applied ``ops // 2`` times: a single layer with many passes."""

    def __init__(self, ops: int, width: int = 4) -> None:
        super().__init__()
        self.steps = ops // 2
        self.cell = nn.Linear(width, width)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(self.steps):
            x = torch.tanh(self.cell(x))
        return x


SYNTHETIC: dict[str, Callable[[int], nn.Module]] = {
    "deep chain": DeepChain,
    "recurrent loop": RecurrentLoop,
}
