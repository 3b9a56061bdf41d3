"""``lens(..., intervene=)``: replacements during the pass, seen by later ops and marked."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn.modules import module as torch_module

from lenslab import LensError, lens, load
from lenslab.export.wire import to_wire
from toy_models import Recurrent, TwoLayer


class Net(nn.Module):
    """Conv, BatchNorm (running stats), dropout (random) and an un-moduled add."""

    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.bn = nn.BatchNorm2d(4)
        self.drop = nn.Dropout(0.3)
        self.head = nn.Linear(4 * 8 * 8, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.bn(self.conv(x)))
        y = self.drop(y) + 1.0
        return self.head(y.flatten(1))


def _net() -> Net:
    torch.manual_seed(0)
    return Net()


def _double_channel(a: torch.Tensor, layer: object) -> torch.Tensor:
    out = a.clone()
    out[:, 1] *= 2.0
    return out


def test_equals_a_hand_written_forward_hook_in_training_mode() -> None:
    x = torch.randn(2, 3, 8, 8)
    model = _net().train()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    handle = model.conv.register_forward_hook(lambda m, i, o: _double_channel(o, None))
    torch.manual_seed(7)
    expected = model(x)
    handle.remove()
    hooked_stats = model.bn.running_mean.clone()
    model.load_state_dict(state)

    torch.manual_seed(7)
    h = lens(model, x, intervene={"conv": _double_channel})
    torch.testing.assert_close(h.outputs[0].activation, expected.detach(), rtol=0, atol=0)
    # The metadata pass that resolves labels left no trace: stats updated once, as by the hook.
    torch.testing.assert_close(model.bn.running_mean, hooked_stats, rtol=0, atol=0)
    assert [layer.label for layer in h if layer.intervened] == [h["conv"].label]


def test_later_ops_see_the_replacement_and_it_is_saved() -> None:
    model = TwoLayer().eval()
    x = torch.randn(3, 4)
    h = lens(model, x, intervene={"act": "zero"})
    assert torch.count_nonzero(h["act"].activation) == 0
    torch.testing.assert_close(h.outputs[0].activation, model.fc2.bias.detach().expand(3, 2))
    assert h["act"].intervened and not h["fc1"].intervened


def test_a_tensor_replacement_by_op_label_and_every_pass_of_a_recurrent_layer() -> None:
    model = Recurrent().eval()
    x = torch.randn(2, 6)
    plain = lens(model, x)
    tanh = plain["tanh_1_3:2"].layer_label  # the layer ran 4 times
    value = torch.full((2, 6), 0.5)
    h = lens(model, x, intervene={tanh: value})
    marked = [layer.label for layer in h if layer.intervened]
    assert marked == [f"{tanh}:{k}" for k in range(1, 5)]
    torch.testing.assert_close(h.outputs[0].activation, value)
    assert value.eq(0.5).all()  # the user's tensor itself is never handed to the model


def test_marked_in_wire_graph_and_kept_by_bundles(tmp_path: object) -> None:
    h = lens(TwoLayer(), torch.randn(1, 4), intervene={"fc1": "zero"})
    wire = to_wire(h)
    assert wire["intervened"] == [h["fc1"].index]
    assert "intervened" not in to_wire(lens(TwoLayer(), torch.randn(1, 4)))
    loaded = load(h.save(f"{tmp_path}/run"))
    assert [layer.intervened for layer in loaded] == [layer.intervened for layer in h]


def test_validation_treats_the_replacement_as_deliberate() -> None:
    model = _net().train()
    h = lens(model, torch.randn(2, 3, 8, 8), intervene={"drop": "zero"}, keep_args=True)
    report = h.validate()
    assert report, report
    assert report.checks["replay"].exempt >= 1


def test_shape_mismatch_names_op_and_shapes_and_leaves_torch_clean() -> None:
    x = torch.randn(1, 4)
    with pytest.raises(LensError) as err:
        lens(TwoLayer(), x, intervene={"fc1": lambda a, layer: a[:, :3]})
    message = str(err.value)
    assert "linear_1_1" in message and "(1, 3)" in message and "(1, 8)" in message
    assert not torch.overrides._is_torch_function_mode_enabled()
    assert not torch_module._global_forward_hooks and not torch_module._global_forward_pre_hooks
    assert lens(TwoLayer(), x).outputs  # the next capture works


def test_an_intervention_that_raises_propagates_with_the_partial_history() -> None:
    def broken(a: torch.Tensor, layer: object) -> torch.Tensor:
        raise ValueError("my intervention broke")

    with pytest.raises(ValueError, match="my intervention broke") as err:
        lens(TwoLayer(), torch.randn(1, 4), intervene={"act": broken})
    partial = err.value.lens_history  # type: ignore[attr-defined]
    assert not partial.complete and partial[-1].type == "relu"


def test_the_function_gets_the_layer_and_bad_keys_say_what_to_do() -> None:
    seen: list[str] = []

    def note(a: torch.Tensor, layer: object) -> torch.Tensor:
        seen.append(layer.label)  # type: ignore[attr-defined]
        return a

    lens(TwoLayer(), torch.randn(1, 4), intervene={"fc2": note})
    assert seen == ["linear_2_3:1"]
    with pytest.raises(LensError, match="close matches: fc1"):
        lens(TwoLayer(), torch.randn(1, 4), intervene={"fc11": "zero"})
    with pytest.raises(LensError, match="input"):
        lens(TwoLayer(), torch.randn(1, 4), intervene={"input_1": "zero"})
    with pytest.raises(LensError, match='"zero"'):
        lens(TwoLayer(), torch.randn(1, 4), intervene={"fc1": "ones"})


def test_attention_weights_can_be_replaced_and_validated() -> None:
    from lenslab import compare
    from toy_models import Attention

    torch.manual_seed(0)
    model, x = Attention().eval(), torch.randn(1, 3, 8)
    plain = lens(model, x, attention_weights=True)
    softmax = next(layer.label for layer in plain if layer.type == "softmax")

    def uniform(a: torch.Tensor, layer: object) -> torch.Tensor:
        return torch.full_like(a, 1.0 / a.shape[-1])

    h = lens(model, x, attention_weights=True, intervene={softmax: uniform}, keep_args=True)
    assert torch.allclose(h[softmax].activation, torch.full_like(h[softmax].activation, 1 / 3))
    assert compare(plain, h).first_divergence == softmax
    assert h.validate()  # the math is not checked against the fused call once it was replaced
