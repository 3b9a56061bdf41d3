"""``LayerPass.grad_fn`` without reading every autograd node (capture/gradfn.py): reading a
node's ``grad_fn`` makes torch free it recursively, and a deep chain of read nodes crashed the
process when released (segfault at 100k ops with grad enabled). Names come from call
signatures seen before; only new signatures read a node, within a budget."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from typing import Any

import pytest
import torch
import torchvision
import transformers
from torch import nn

from lenslab import lens
from lenslab.capture import gradfn
from toy_models import DynamicIf, InPlaceChain


class Indexing(nn.Module):
    """The same function (``__getitem__``, ``__setitem__``, ``add``) whose autograd node depends
    on its arguments: an int, a slice, a tensor index, an in-place write into a view."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(6, 6)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.lin(x)
        a, b, c = y[0], y[:, 1:], y[torch.tensor([0, 1])]
        z = y.clone()
        z[:, 0] = a.sum()
        z[1] += 1
        return a.sum() + b.sum() + c.sum() + z.sum() + (y + 1).sum() + (y + y).sum()


class HandsBack(nn.Module):
    """Calls that return the tensor they were given (dropout in eval, ``contiguous()`` of a
    contiguous tensor, ``to`` its own dtype), after ops with different nodes: the node of what
    they return is the earlier op's, not one per call signature."""

    def __init__(self) -> None:
        super().__init__()
        self.lin = nn.Linear(6, 6)
        self.drop = nn.Dropout(0.5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.lin(x)
        a = self.drop(y.t())
        b = self.drop(y.view(3, 12))
        c = self.drop(y * 2).contiguous().to(torch.float32)
        d = self.drop(torch.relu(y)).contiguous()
        return a.sum() + b.sum() + c.sum() + d.sum()


def _gpt2() -> tuple[nn.Module, Any]:
    config = transformers.GPT2Config(n_layer=2, n_embd=32, n_head=2, vocab_size=50, n_positions=16)
    return transformers.GPT2LMHeadModel(config), torch.randint(0, 50, (1, 8))


MODELS = {
    "resnet18": lambda: (torchvision.models.resnet18(weights=None), torch.randn(2, 3, 32, 32)),
    "gpt2": _gpt2,
    "indexing": lambda: (Indexing(), torch.randn(4, 6)),
    "dynamic if": lambda: (DynamicIf(), torch.randn(2, 4)),
    "hands back": lambda: (HandsBack().eval(), torch.randn(6, 6)),
    "vit block": lambda: (
        torchvision.models.vision_transformer.EncoderBlock(2, 8, 16, 0.0, 0.0).eval(),
        torch.randn(1, 5, 8),
    ),
    "in place": lambda: (InPlaceChain(), torch.randn(3, 4, requires_grad=True)),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_names_by_signature_equal_reading_every_node(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    torch.manual_seed(0)
    model, x = MODELS[name]()
    by_signature = {layer.label: layer.grad_fn for layer in lens(model, x)}
    monkeypatch.setattr(gradfn, "CACHE", False)  # every node read, as torch names it
    read = {layer.label: layer.grad_fn for layer in lens(model, x)}
    assert by_signature == read
    assert sum(v is not None for v in read.values()) >= 4


def test_a_capture_reads_at_most_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gradfn, "BUDGET", 3)
    h = lens(Indexing(), torch.randn(4, 6))
    named = [layer for layer in h if layer.grad_fn is not None]
    # Repeated signatures are named past the budget; new ones after it are not recorded.
    assert len({layer.grad_fn for layer in named}) <= 3
    assert any(layer.grad_fn is None and layer.type not in ("input",) for layer in h)
    assert h["lin"].grad_fn == "AddmmBackward0"


def test_a_deep_chain_with_grad_is_captured_and_released() -> None:
    """60,000 ops in one chain with grad enabled: the process ends normally (it segfaulted
    when the captured output was released, before names came from signatures)."""
    script = textwrap.dedent(
        """
        import torch
        from torch import nn
        from lenslab import lens

        class Chain(nn.Module):
            def __init__(self):
                super().__init__()
                self.w = nn.Parameter(torch.ones(2))

            def forward(self, x):
                for _ in range(30_000):
                    x = torch.tanh(x * self.w)
                return x

        h = lens(Chain(), torch.randn(2), save=None)
        out = h.output if hasattr(h, "output") else None
        print(len(h), h[-1].grad_fn)
        del h, out
        print("released")
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "released" in done.stdout
