"""Repeated blocks fold (``transforms/folds.py``): goldens on real models."""

from __future__ import annotations

import itertools

import pytest
import torch
import transformers
from torch import nn

from lenslab import LensError, lens
from lenslab.export.compact import compact
from lenslab.export.view_options import view_options
from lenslab.export.wire import to_wire
from lenslab.transforms.folds import find_folds, structure_ids
from toy_models import ConvBlockLoop, Recurrent


def addresses(model: nn.Module, *inputs: torch.Tensor) -> list[tuple[str, list[str]]]:
    trace = lens(model, *inputs)._trace
    return [(f.kind, [trace.calls[c].address for c in f.calls]) for f in find_folds(trace)]


def test_gpt2_config_folds_its_twelve_blocks() -> None:
    config = transformers.GPT2Config(n_layer=12, n_embd=32, n_head=2, n_positions=32, vocab_size=100)
    model = transformers.GPT2LMHeadModel(config).eval()
    folds = addresses(model, torch.randint(0, 100, (1, 8)))
    blocks = [f"transformer.h.{i}" for i in range(12)]
    assert ("copies", blocks) in folds
    # Nothing else in GPT-2 repeats side by side: the embeddings, ln_f and the head stay apart.
    assert all(set(a) <= set(blocks) for _, a in folds), folds


class Block(nn.Module):
    def __init__(self, d_in: int, d_out: int) -> None:
        super().__init__()
        self.norm = nn.LayerNorm(d_in)
        self.fc = nn.Linear(d_in, d_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc(self.norm(x)))


class Stack(nn.Module):
    def __init__(self, widths: list[int]) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(Block(a, b) for a, b in itertools.pairwise(widths))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return x


def test_blocks_with_different_shapes_do_not_fold() -> None:
    # A pyramid: every block has its own input and output width.
    assert addresses(Stack([4, 8, 16, 32, 64]), torch.randn(2, 4)) == []
    # 4 → 8, then three 8 → 8 blocks: only the three same-shaped ones fold.
    folds = addresses(Stack([4, 8, 8, 8, 8]), torch.randn(2, 4))
    assert folds == [("copies", ["blocks.1", "blocks.2", "blocks.3"])]


def test_a_different_op_inside_breaks_the_run() -> None:
    class Odd(Block):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.tanh(self.fc(self.norm(x)))  # tanh where the others use relu

    model = Stack([8, 8, 8, 8, 8])
    model.blocks[2] = Odd(8, 8)
    folds = addresses(model, torch.randn(2, 8))
    assert folds == [("copies", ["blocks.0", "blocks.1"])]


def test_a_shared_module_called_n_times_folds_as_passes() -> None:
    folds = addresses(ConvBlockLoop(), torch.randn(1, 3, 8, 8))
    assert folds == [("passes", ["block"] * 4)]


def test_calls_with_ops_between_them_do_not_fold() -> None:
    # Recurrent: cell, then tanh and add at top level, four times; the loop is the rolled view's.
    assert addresses(Recurrent(), torch.randn(2, 6)) == []


def test_structure_ids_tell_calls_apart_exactly() -> None:
    trace = lens(Stack([4, 8, 8, 8]), torch.randn(2, 4))._trace
    ids = structure_ids(trace)
    by_address = {c.address: ids[i] for i, c in enumerate(trace.calls)}
    assert by_address["blocks.1"] == by_address["blocks.2"] != by_address["blocks.0"]
    assert by_address["blocks.1.fc"] == by_address["blocks.2.fc"] != by_address["blocks.0.fc"]


def test_folds_travel_in_the_wire_graph_and_its_compact_form() -> None:
    history = lens(ConvBlockLoop(), torch.randn(1, 3, 8, 8))
    wire = to_wire(history)
    calls = wire["module_calls"]
    assert [[calls[c]["address"] for c in f["calls"]] for f in wire.get("folds", [])] == [["block"] * 4]
    assert compact(wire).get("folds") == wire.get("folds")
    assert "folds" not in to_wire(lens(Recurrent(), torch.randn(2, 6)))  # none: the field is left out


def test_show_takes_a_fold_flag() -> None:
    history = lens(ConvBlockLoop(), torch.randn(1, 3, 8, 8))
    assert view_options(history, {"fold": False}, static=False) == {"fold": False}
    assert view_options(history, {"fold": None}, static=False) == {}  # unset: fold where it helps
    with pytest.raises(LensError, match="fold must be True or False"):
        view_options(history, {"fold": "yes"}, static=False)
