"""Repeated ops become passes of one layer (TorchLens rules), in linear time."""

from __future__ import annotations

import time

import torch
from torch import nn

from lenslab import lens
from lenslab.transforms import derive
from toy_models import ConvBlockLoop, Recurrent, RepeatedFreeBlock, TwoLayer


def passes(history: object, layer_label: str) -> list[str]:
    return [x.label for x in history if x.layer_label == layer_label]  # type: ignore[attr-defined]


def test_linear_applied_four_times_is_one_layer_with_four_passes() -> None:
    h = lens(Recurrent(), torch.randn(2, 6))
    assert passes(h, "linear_1_1") == [f"linear_1_1:{k}" for k in range(1, 5)]
    # parameter-free ops around it join the loop (rule 2)
    assert passes(h, "add_1_2") == [f"add_1_2:{k}" for k in range(1, 5)]
    assert passes(h, "tanh_1_3") == [f"tanh_1_3:{k}" for k in range(1, 5)]
    assert h["tanh_1_3:2"].children == ["linear_1_1:3"]
    assert h["linear_1_1:1"].num_passes == 4


def test_conv_block_applied_four_times_shows_one_layer_per_op() -> None:
    h = lens(ConvBlockLoop().eval(), torch.randn(1, 3, 6, 6))
    for label in ("conv2d_2_2", "batchnorm_1_3", "relu_1_4"):
        assert len(passes(h, label)) == 4, label
    assert h["block:3"].label == "relu_1_4:3"
    assert h["block.0:2"].label == "conv2d_2_2:2"


def test_parameter_free_repeats_group_only_when_chained() -> None:
    h = lens(RepeatedFreeBlock(), torch.randn(3))
    assert passes(h, "sin_1_1") == ["sin_1_1:1", "sin_1_1:2", "sin_1_1:3"]
    assert passes(h, "mul_1_2") == ["mul_1_2:1", "mul_1_2:2", "mul_1_2:3"]

    class Unchained(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            a = torch.sin(x)
            b = torch.sin(x + 1)  # same op twice, but neither feeds the other
            return a + b

    u = lens(Unchained(), torch.randn(3))
    assert all(layer.num_passes == 1 for layer in u)


def test_feedforward_models_have_single_passes() -> None:
    h = lens(TwoLayer(), torch.randn(2, 4))
    assert all(layer.num_passes == 1 for layer in h)


def test_lstm_module_is_one_op_and_lstm_cell_loop_is_recurrent() -> None:
    lstm = lens(nn.LSTM(3, 4, batch_first=True), torch.randn(2, 5, 3))
    funcs = [x.func_name for x in lstm if x.role == "op"]
    assert funcs == ["zeros", "zeros", "lstm", "lstm", "lstm"]  # h0, c0; output, h_n, c_n

    class CellLoop(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.cell = nn.LSTMCell(3, 4)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            h = c = torch.zeros(x.shape[0], 4)
            for t in range(x.shape[1]):
                h, c = self.cell(x[:, t], (h, c))
            return h

    loop = lens(CellLoop(), torch.randn(2, 5, 3))
    cells = [x for x in loop if x.func_name == "lstm_cell"]
    assert {x.num_passes for x in cells} == {5}
    assert {x.pass_index for x in cells if x.layer_label == cells[0].layer_label} == set(
        range(1, 6)
    )


def test_postprocessing_is_linear_in_op_count() -> None:
    class Long(nn.Module):
        def __init__(self, steps: int) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2)
            self.steps = steps

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for _ in range(self.steps):
                x = torch.sin(torch.relu(self.fc(x)) + 1)  # rule 2 grows from every pass
            for _ in range(self.steps):
                x = torch.cos(x) * 2  # rule 3: a parameter-free chain
            return x

    def seconds(steps: int) -> float:
        trace = lens(Long(steps), torch.randn(2), save=None).capture.trace
        best = float("inf")
        for _ in range(3):  # best of three: other jobs on the machine only add time
            start = time.perf_counter()
            derive(trace)
            best = min(best, time.perf_counter() - start)
        return best

    small, large = seconds(250), seconds(2000)  # ~1.5k and ~12k ops
    assert large / small < 8 * 2.5, (small, large)  # 8x the ops: linear, with slack for noise
    h = lens(Long(1000), torch.randn(2), save=None)
    assert h["linear_1_1:1000"].num_passes == 1000
    assert h["cos_1:1000"].num_passes == 1000
