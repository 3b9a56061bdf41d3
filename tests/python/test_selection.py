"""``save=[...]`` decided during the pass, ``stop_after``, and one rule for ambiguous keys."""

from __future__ import annotations

import weakref

import pytest
import torch
from torch import nn

from lenslab import LensError, lens
from toy_models import Noise, Recurrent, TwoLayer


class Leaky(nn.Module):
    """Keeps weak references to its intermediates: what is alive at the end of forward
    (without autograd, which would keep them for backward) is what the capture holds."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(nn.Linear(64, 64) for _ in range(6))
        self.refs: list[weakref.ref[torch.Tensor]] = []
        self.alive_at_end: list[bool] = []

    @torch.no_grad()
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.refs = []
        for block in self.blocks:
            x = torch.tanh(block(x))
            self.refs.append(weakref.ref(x))
        y = x.sum()
        self.alive_at_end = [r() is not None for r in self.refs[:-1]]
        return y


def test_unselected_intermediates_are_freed_during_the_pass() -> None:
    model = Leaky()
    lens(model, torch.randn(4, 64), save="all")
    assert all(model.alive_at_end)  # the capture holds every value: the check can fail
    h = lens(model, torch.randn(4, 64), save=["blocks.2"])
    assert not any(model.alive_at_end)  # only module outputs are kept, and tanh is outside
    h = lens(model, torch.randn(4, 64), save=[lambda layer: layer.type == "tanh"])
    assert all(model.alive_at_end)
    h = lens(model, torch.randn(4, 64), save=["tanh_3_6"])
    assert model.alive_at_end == [False, False, True, False, False]
    held = [layer.label for layer in h if layer.activation is not None]
    assert held == ["tanh_3_6:1"]


def test_selected_values_equal_save_all() -> None:
    x = torch.randn(4, 64)
    model = Leaky()
    full = lens(model, x)
    for save in (
        ["blocks.3"],
        ["tanh"],
        ["tanh_2_4"],
        [lambda layer: layer.label == "linear_1_1:1"],
    ):
        h = lens(model, x, save=save)
        kept = [layer for layer in h if layer.activation is not None]
        assert kept
        for layer in kept:
            torch.testing.assert_close(layer.activation, full[layer.label].activation)


def test_callables_see_op_metadata_during_the_pass() -> None:
    seen: list[str] = []

    def pick(layer: object) -> bool:
        seen.append(layer.type)  # type: ignore[attr-defined]
        return layer.module == "fc2"  # type: ignore[attr-defined]

    h = lens(TwoLayer(), torch.randn(2, 4), save=[pick])
    assert [la.label for la in h if la.activation is not None] == ["linear_2_3:1"]
    assert seen == ["input", "linear", "relu", "linear", "output"]  # one pass, one call per op


def test_keys_that_match_nothing_name_close_matches() -> None:
    with pytest.raises(LensError, match=r"'fc3'.*Close matches: .*fc[12]"):
        lens(TwoLayer(), torch.randn(2, 4), save=["fc3"])
    with pytest.raises(LensError, match=r"'linear_9_9'"):
        lens(TwoLayer(), torch.randn(2, 4), save=["linear_9_9"])
    with pytest.raises(LensError, match="typo"):
        lens(TwoLayer(), torch.randn(2, 4), save=["fc1", "typo"])
    with pytest.raises(LensError, match="no layer pass"):
        lens(TwoLayer(), torch.randn(2, 4), save=[lambda layer: False])
    with pytest.raises(LensError, match=r"module 'fc1:2' ran 1 time"):
        lens(TwoLayer(), torch.randn(2, 4), save=["fc1:2"])
    with pytest.raises(LensError, match="empty list"):
        lens(TwoLayer(), torch.randn(2, 4), save=[])


def test_graph_keys_take_a_metadata_pass_that_sees_the_same_randomness() -> None:
    torch.manual_seed(0)
    full = lens(Noise(), torch.ones(4))
    torch.manual_seed(0)
    h = lens(Noise(), torch.ones(4), save=["randn_1_2"])
    torch.testing.assert_close(h["randn_1_2"].activation, full["randn_1_2"].activation)
    torch.manual_seed(0)
    h = lens(Noise(), torch.ones(4), save=[lambda layer: layer.label.startswith("randn")])
    torch.testing.assert_close(h["randn_1_2"].activation, full["randn_1_2"].activation)


def test_multi_pass_layer_by_label_keeps_every_pass() -> None:
    x = torch.randn(2, 6)
    model = Recurrent()
    full = lens(model, x)
    h = lens(model, x, save=["tanh_1_3:2", "cell:4"])
    kept = [layer.label for layer in h if layer.activation is not None]
    assert kept == ["tanh_1_3:2", "linear_1_1:4"]
    torch.testing.assert_close(h["cell:4"].activation, full["linear_1_1:4"].activation)


def test_stop_after_ends_the_forward() -> None:
    model = Leaky()
    x = torch.randn(4, 64)
    h = lens(model, x, stop_after="blocks.1")
    assert not h.complete and h.outputs == []
    assert h[-1].label == "linear_2_3:1" and len(model.refs) == 1
    h = lens(model, x, stop_after="tanh_2_4", save=["blocks.0"])
    assert h[-1].label == "tanh_2_4:1"
    assert [la.label for la in h if la.activation is not None] == ["linear_1_1:1"]
    assert "partial" in repr(h)
    assert lens(model, x).complete  # nothing left behind


class Pair(nn.Module):
    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return x.cos(), x.sin()


class WithPair(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rotary = Pair()
        self.relu = nn.ReLU()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        cos, sin = self.rotary(x)
        return self.relu(cos) + torch.relu(sin) + torch.relu(x)


def test_a_key_naming_several_tensors_says_so_and_save_keeps_them_all() -> None:
    h = lens(WithPair(), torch.randn(3))
    with pytest.raises(KeyError, match=r"'rotary'.*several.*cos_1_1:1, sin_1_2:1"):
        h["rotary"]
    h = lens(WithPair(), torch.randn(3), save=["rotary"])
    assert [la.label for la in h if la.activation is not None] == ["cos_1_1:1", "sin_1_2:1"]


def test_module_address_wins_over_substring_and_warns() -> None:
    with pytest.warns(UserWarning, match=r"'relu' is a module address.*2 ops"):
        h = lens(WithPair(), torch.randn(3), save=["relu"])
    assert [la.label for la in h if la.activation is not None] == ["relu_1_3:1"]
    assert h["relu"].label == "relu_1_3:1"  # lookups agree with save
    h = lens(WithPair(), torch.randn(3), save=[lambda layer: layer.type == "relu"])
    assert len([la for la in h if la.activation is not None]) == 3
