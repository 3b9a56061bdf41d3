"""Capture depth: ops inside composite torch functions, attention weights, truthful loops,
snapshotted arguments, and work the capture cannot see said out loud."""

from __future__ import annotations

import threading
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.overrides import TorchFunctionMode
from torchvision.models.vision_transformer import EncoderBlock

import lenslab
from lenslab import LensError, lens
from lenslab.capture.blind import LensWarning


def vit_block() -> tuple[nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    block = EncoderBlock(num_heads=2, hidden_dim=8, mlp_dim=16, dropout=0.0, attention_dropout=0.0)
    return block.eval(), torch.randn(1, 5, 8)


def types_of(h: lenslab.ModelHistory) -> list[str]:
    return [layer.type for layer in h if not (layer.is_input or layer.is_output)]


# Golden: torchvision's EncoderBlock with attention written out (attention_weights=True).
VIT_BLOCK_TYPES = [
    "layernorm",
    *["transpose", "linear", "unflatten", "unsqueeze", "transpose", "squeeze", "contiguous"],
    *["getitem"] * 3,
    *["view", "transpose"] * 3,
    *["view"] * 3,
    *["transpose", "matmul", "mul", "softmax", "matmul"],
    *["permute", "reshape", "linear", "view", "transpose"],
    *["dropout", "add", "layernorm", "linear", "gelu", "dropout", "linear", "dropout", "add"],
]


def test_vit_block_records_the_attention_inside_multi_head_attention() -> None:
    model, x = vit_block()
    h = lens(model, x, attention_weights=True)
    assert types_of(h) == VIT_BLOCK_TYPES
    calls = h.capture.trace.function_calls
    assert [c.name for c in calls] == [
        "multi_head_attention_forward",
        "scaled_dot_product_attention",
    ]
    assert calls[1].parent == 0 and calls[0].first_op < calls[1].first_op < calls[1].end_op
    assert h["linear_1"].params == ["self_attention.in_proj_weight", "self_attention.in_proj_bias"]
    softmax = h["softmax_1"]
    assert softmax.shape == (1, 2, 5, 5)  # batch x heads x query x key
    assert torch.allclose(softmax.activation.sum(-1), torch.ones(1, 2, 5))
    assert torch.allclose(h.outputs[0].activation, model(x), atol=1e-6)


def test_without_attention_weights_the_fused_attention_is_one_op() -> None:
    model, x = vit_block()
    types = types_of(lens(model, x))
    assert types.count("scaleddotproductattention") == 1 and "softmax" not in types
    assert types.count("linear") == 4  # in/out projections and the MLP, all visible


def test_attention_weights_validate() -> None:
    model, x = vit_block()
    report = lenslab.validate(model, x, attention_weights=True)
    assert report, report.failures


def test_need_weights_attention_returns_its_weights_as_an_op_of_the_call() -> None:
    mha = nn.MultiheadAttention(8, 2, batch_first=True).eval()
    x = torch.randn(1, 4, 8)

    class Both(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.mha = mha

        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
            out, weights = self.mha(x, x, x)
            return out, weights

    h = lens(Both(), x)
    call = h.capture.trace.function_calls[0]
    out, weights = (h.capture.trace.ops[i] for i in call.outputs)
    # (query, batch, embed): nn.MultiheadAttention transposes for batch_first after the call
    assert tuple(out.shape) == (4, 1, 8) and tuple(weights.shape) == (1, 4, 4)
    assert "softmax" in types_of(h)


def test_residual_adds_on_two_lines_are_two_layers_not_a_loop() -> None:
    model, x = vit_block()
    h = lens(model, x)
    adds = [layer for layer in h if layer.type == "add"]
    assert [a.layer_label for a in adds] == ["add_1_28", "add_2_35"]
    assert all(layer.num_passes == 1 for layer in h)


def test_a_loop_over_one_line_is_still_a_loop() -> None:
    class Loop(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            for _ in range(3):
                x = torch.tanh(x) * 2
            return x

    h = lens(Loop(), torch.randn(3))
    assert [layer.num_passes for layer in h if layer.type in ("tanh", "mul")] == [3] * 6


def test_densenet_validates_although_it_appends_to_a_list_cat_read() -> None:
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.DenseNet(
        growth_rate=4, block_config=(2, 2), num_init_features=8, bn_size=2, num_classes=3
    ).eval()
    report = lenslab.validate(model, torch.randn(1, 3, 32, 32))
    assert report, report.failures


def test_kept_arguments_are_a_snapshot_of_the_containers() -> None:
    class Grows(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            parts = [x]
            y = torch.cat(parts, 0)
            parts.append(y)
            return torch.cat(parts, 0).sum() + y

    report = lenslab.validate(Grows(), torch.randn(2))
    assert report, report.failures


def test_identity_modules_are_an_identity_op() -> None:
    model = nn.Sequential(nn.Linear(3, 3), nn.Identity(), nn.ReLU())
    h = lens(model, torch.randn(1, 3))
    assert types_of(h) == ["linear", "identity", "relu"]
    assert h["1"].type == "identity" and h["1"].parents == [h["linear_1"].label]
    assert h["relu_1"].parents == [h["1"].label]


def test_data_parallel_is_refused_with_what_to_do() -> None:
    model = nn.DataParallel(nn.Linear(2, 2))
    with pytest.raises(LensError, match=r"lens\(model.module"):
        lens(model, torch.randn(1, 2))


def test_a_generator_forward_is_refused() -> None:
    class Gen(nn.Module):
        def forward(self, x: torch.Tensor) -> Iterator[torch.Tensor]:
            for _ in range(2):
                yield x * 2

    with pytest.raises(LensError, match="generator"):
        lens(Gen(), torch.randn(2))

    class Lazy(nn.Module):
        def forward(self, x: torch.Tensor) -> Iterator[torch.Tensor]:
            return map(torch.relu, [x, x])

    with pytest.raises(LensError, match="iterator"):
        lens(Lazy(), torch.randn(2))


def test_ops_on_another_thread_whose_result_is_used_are_reported() -> None:
    class Threaded(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.fc = nn.Linear(2, 2)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            out: list[torch.Tensor] = []
            worker = threading.Thread(target=lambda: out.append(self.fc(x)))
            worker.start()
            worker.join()
            return torch.relu(out[0])

    with pytest.warns(LensWarning, match="did not see"):
        lens(Threaded(), torch.randn(1, 2))


def test_torchscript_children_are_reported() -> None:
    model = nn.Sequential(torch.jit.script(nn.Linear(2, 2)), nn.ReLU())
    with pytest.warns(LensWarning, match="TorchScript"):
        lens(model, torch.randn(1, 2))


def test_a_mode_the_model_leaves_behind_does_not_keep_the_capture_alive() -> None:
    class Leaky(TorchFunctionMode):
        def __torch_function__(
            self, func: Any, types: Any, args: Any = (), kwargs: Any = None
        ) -> Any:
            return func(*args, **(kwargs or {}))

    class LeavesMode(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            Leaky().__enter__()
            return x + 1

    depth = torch.overrides._len_torch_function_stack()  # type: ignore[attr-defined]
    with pytest.warns(LensWarning, match="Leaky"):
        lens(LeavesMode(), torch.randn(2))
    assert torch.overrides._len_torch_function_stack() == depth  # type: ignore[attr-defined]
    assert torch.overrides._get_current_function_mode() is None  # type: ignore[attr-defined]


def test_no_warning_on_an_ordinary_model() -> None:
    model, x = vit_block()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        lens(model, x)


def test_sdpa_math_matches_the_fused_call_with_masks_and_gqa() -> None:
    from lenslab.capture.composite import sdpa_math

    q, k, v = torch.randn(2, 4, 5, 8), torch.randn(2, 2, 6, 8), torch.randn(2, 2, 6, 8)
    mask = torch.rand(5, 6) > 0.3
    mask[:, 0] = True
    for kw in ({"enable_gqa": True}, {"enable_gqa": True, "attn_mask": mask}):
        expected = F.scaled_dot_product_attention(q, k, v, **kw)  # type: ignore[arg-type]
        assert torch.allclose(sdpa_math(q, k, v, **kw), expected, atol=1e-5)  # type: ignore[arg-type]
    q2 = torch.randn(1, 2, 6, 8)
    expected = F.scaled_dot_product_attention(q2, k[:1], v[:1], is_causal=True)
    assert torch.allclose(sdpa_math(q2, k[:1], v[:1], is_causal=True), expected, atol=1e-5)


def test_torchlens_spellings_for_operators_and_split_with_sizes() -> None:
    class Spell(nn.Module):
        def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
            a = x / 2
            b = x.div(3)
            x += 1
            x.add_(1)
            parts = torch.split(x, [1, 2])
            even = x.split(1)
            grid = F.grid_sample(x.view(1, 1, 1, 3), torch.zeros(1, 1, 1, 2), align_corners=False)
            return a, b, parts[0], even[0], grid

    types = types_of(lens(Spell(), torch.randn(3)))
    assert types == [
        "truediv", "div", "iadd", "add",
        *["splitwithsizes"] * 2, *["split"] * 3, "view", "zeros", "gridsampler",
    ]  # fmt: skip


def test_function_calls_survive_a_bundle_round_trip(tmp_path: Any) -> None:
    model, x = vit_block()
    h = lens(model, x, attention_weights=True)
    h.save(tmp_path / "vit.lens")
    loaded = lenslab.load(tmp_path / "vit.lens")

    def calls(hist: lenslab.ModelHistory) -> list[tuple[Any, ...]]:
        return [
            (c.name, c.module_call, c.parent, c.first_op, c.end_op, c.outputs)
            for c in hist.capture.trace.function_calls
        ]

    assert calls(loaded) == calls(h) and len(calls(h)) == 2
