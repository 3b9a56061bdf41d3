"""Runs of loose ops with the same structure fold (``transforms/op_folds.py``): goldens on toy
models and a GPT-2 config."""

from __future__ import annotations

import itertools

import torch
import transformers
from torch import nn

from lenslab import lens
from lenslab.export.compact import compact
from lenslab.export.wire import to_wire
from lenslab.transforms.folds import find_folds
from lenslab.transforms.op_folds import find_op_folds


def blocks(model: nn.Module, *inputs: torch.Tensor) -> list[tuple[str, list[list[str]]]]:
    """Per op fold: its level's address ("" at top level) and each block's op types."""
    trace = lens(model, *inputs)._trace
    out = []
    for f in find_op_folds(trace):
        bounds = [*f.starts, f.end]
        types = [[trace.ops[i].type for i in range(a, b)] for a, b in itertools.pairwise(bounds)]
        out.append((trace.calls[f.module_call].address if f.module_call >= 0 else "", types))
    return out


class Looped(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(6):
            x = torch.tanh(x * 0.5 + 1.0) - 0.1
        return x


def test_a_repeated_op_pattern_folds_into_n_blocks() -> None:
    assert blocks(Looped(), torch.randn(2, 4)) == [("", [["mul", "add", "tanh", "sub"]] * 6)]


class Unrolled(nn.Module):
    """The same three ops written out four times (no loop), inside a module, then a softmax."""

    def __init__(self) -> None:
        super().__init__()
        self.scale = nn.Parameter(torch.ones(4))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = torch.relu(x * self.scale) + x
        x = torch.relu(x * self.scale) + x
        x = torch.relu(x * self.scale) + x
        x = torch.relu(x * self.scale) + x
        return torch.softmax(x, dim=-1)


class Wrapper(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.body = Unrolled()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


def test_an_unrolled_sequence_folds_at_its_module_level() -> None:
    [(address, found)] = blocks(Wrapper(), torch.randn(2, 4))
    assert address == "body" and len(found) == 4 and len(set(map(tuple, found))) == 1
    assert "softmax" not in found[-1]


class Growing(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(5):
            x = torch.cat([x, x], dim=1) * 0.5 + 1.0  # every round doubles the width
        return x


class Rewired(nn.Module):
    """Same op types and shapes every round, but the second round adds its input to the product
    instead of the product to itself: wired differently, so no fold across it."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for i in range(7):
            y = x * 0.5
            x = (y + y if i != 1 else y + x).tanh()
        return x


def test_different_shapes_or_wiring_do_not_fold() -> None:
    assert blocks(Growing(), torch.randn(2, 4)) == []
    # Rounds 0 | 1 | 2-6: only the last five (15 ops) fold; round 1 breaks the run.
    [(_, found)] = blocks(Rewired(), torch.randn(2, 4))
    assert found == [["mul", "add", "tanh"]] * 5


class Short(nn.Module):
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(3):
            x = (x * 2).relu()  # 6 ops: below the 8-op minimum, not worth a fold
        return x


def test_short_runs_and_runs_broken_by_module_calls_stay_loose() -> None:
    assert blocks(Short(), torch.randn(2, 4)) == []
    rnn = nn.RNNCell(4, 4)

    class Calls(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = rnn

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for _ in range(6):
                x = torch.tanh(self.cell(x) * 2 + 1)  # a module call between the repeats
            return x

    assert blocks(Calls(), torch.randn(2, 4)) == []


def test_gpt2_still_folds_its_twelve_blocks_and_no_loose_ops() -> None:
    config = transformers.GPT2Config(
        n_layer=12, n_embd=32, n_head=2, n_positions=32, vocab_size=100
    )
    model = transformers.GPT2LMHeadModel(config).eval()
    trace = lens(model, torch.randint(0, 100, (1, 8)), kwargs={"use_cache": False})._trace
    copies = [f for f in find_folds(trace) if f.kind == "copies"]
    assert [len(f.calls) for f in copies] == [12]
    assert find_op_folds(trace) == []


def test_op_folds_travel_in_the_wire_graph_and_its_compact_form() -> None:
    history = lens(Looped(), torch.randn(2, 4))
    wire = to_wire(history)
    assert wire.get("op_folds") == [{"module_call": -1, "starts": [1, 5, 9, 13, 17, 21], "end": 25}]
    assert compact(wire).get("op_folds") == wire.get("op_folds")
    assert "op_folds" not in to_wire(lens(Short(), torch.randn(2, 4)))
