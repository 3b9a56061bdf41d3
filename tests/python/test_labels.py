"""Labels follow TorchLens, and every kind of key finds the same pass."""

from __future__ import annotations

import re

import pytest
import torch
from torch import nn

from lenslab import lens
from toy_models import Recurrent, Shared, TwoLayer

LABEL = re.compile(r"^[a-z0-9]+_\d+(_\d+)?:\d+$")


class Alexish(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(3, 4, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(4, 4, 3), nn.ReLU()
        )
        self.classifier = nn.Linear(4, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.features(x)
        return self.classifier(torch.flatten(nn.functional.adaptive_avg_pool2d(x, 1), 1))


def test_label_scheme_counts_types_and_steps() -> None:
    h = lens(Alexish(), torch.randn(1, 3, 12, 12))
    assert [layer.label for layer in h] == [
        "input_1:1", "conv2d_1_1:1", "relu_1_2:1", "maxpool2d_1_3:1", "conv2d_2_4:1",
        "relu_2_5:1", "adaptiveavgpool2d_1_6:1", "flatten_1_7:1", "linear_1_8:1", "output_1:1",
    ]  # fmt: skip
    conv = h["conv2d_2_4"]
    assert (conv.layer_label, conv.short_label, conv.type) == ("conv2d_2_4", "conv2d_2", "conv2d")
    assert all(LABEL.match(layer.label) for layer in h)


def test_input_and_output_labels() -> None:
    h = lens(TwoLayer(), torch.randn(2, 4))
    assert h.inputs[0].label == "input_1:1" and h.inputs[0].layer_label == "input_1"
    assert h.outputs[0].label == "output_1:1" and h.outputs[0].is_output
    assert h["input_1"].is_input and h["output_1"].parents == ["linear_2_3:1"]


def test_every_key_kind_finds_the_same_pass() -> None:
    h = lens(Alexish(), torch.randn(1, 3, 12, 12))
    conv = h["conv2d_2_4:1"]
    for key in ("conv2d_2_4", "conv2d_2", "conv2d_2:1", "features.3", "features.3:1", 4, -6):
        assert h[key].label == conv.label, key
    assert h["features"].label == "relu_2_5:1"  # a container's output is its last op's
    assert h[0].is_input and h[-1].is_output
    assert len(h) == len(h.layers) == len(list(h))


def test_multi_pass_layers_need_the_pass_in_the_key() -> None:
    h = lens(Recurrent(), torch.randn(2, 6))
    assert h["linear_1_1:3"].pass_index == 3
    assert h["linear_1:2"].label == "linear_1_1:2"
    assert h["cell:4"].label == "linear_1_1:4"
    with pytest.raises(KeyError, match=r"linear_1_1:1"):
        h["linear_1_1"]
    with pytest.raises(KeyError, match=r"cell:1"):
        h["cell"]


def test_unknown_keys_name_close_matches() -> None:
    h = lens(TwoLayer(), torch.randn(2, 4))
    with pytest.raises(KeyError, match=r"close matches: .*linear_1"):
        h["linaer_1"]
    with pytest.raises(KeyError):
        h[99]
    with pytest.raises(IndexError):
        h[-99]
    assert "fc1" in h and "nonsense" not in h


def test_colliding_keys_are_never_overwritten() -> None:
    class Clash(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.relu_1 = nn.Linear(2, 2)  # a module whose address is a short label

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.relu(self.relu_1(x))

    h = lens(Clash(), torch.randn(2))
    for key in ("relu_1", "relu_1:1"):  # short label of the relu, and the module's key
        with pytest.raises(KeyError, match=r"several.*relu_1_2:1, linear_1_1:1"):
            h[key]
    assert h["relu_1_2"].func_name == "relu"


def test_shared_module_has_one_entry_and_numbered_calls() -> None:
    h = lens(Shared(), torch.randn(4))
    info = h.modules["a"]
    assert info.num_calls == 2 and info.all_addresses == ["a", "b"]
    assert "b" not in h.modules
    assert h["a:2"].label == "linear_1_1:2" and h["a:1"].label == "linear_1_1:1"


def test_keys_resolve_back_to_their_pass() -> None:
    h = lens(Alexish(), torch.randn(1, 3, 12, 12))
    for key in h.lookup_keys():
        layer = h[key]
        assert key in (
            layer.label, layer.layer_label, layer.short_label, f"{layer.short_label}:1",
            *layer.output_of_modules, *(m.rsplit(":", 1)[0] for m in layer.output_of_modules),
        )  # fmt: skip
