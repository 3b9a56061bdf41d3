"""``h.frames`` / ``layer.frame``: the composite-function calls (the widget's ƒ frames), named."""

from __future__ import annotations

import inspect
from pathlib import Path

import torch
from torchvision.models.vision_transformer import EncoderBlock

import lenslab
from lenslab import lens


def vit_block() -> tuple[torch.nn.Module, torch.Tensor]:
    torch.manual_seed(0)
    block = EncoderBlock(num_heads=2, hidden_dim=8, mlp_dim=16, dropout=0.0, attention_dropout=0.0)
    return block.eval(), torch.randn(1, 5, 8)


def attention_call_line() -> int:
    """The line of torchvision's EncoderBlock.forward that calls self.self_attention."""
    lines, first = inspect.getsourcelines(EncoderBlock.forward)
    return first + next(i for i, text in enumerate(lines) if "self.self_attention(" in text)


def test_frames_name_the_function_its_call_site_module_and_layers() -> None:
    model, x = vit_block()
    h = lens(model, x, attention_weights=True)
    mha, sdpa = h.frames
    assert (mha.function, sdpa.function) == (
        "multi_head_attention_forward",
        "scaled_dot_product_attention",
    )
    assert (mha.index, mha.parent, sdpa.parent) == (0, None, 0)
    assert mha.module == sdpa.module == "self_attention"
    assert mha.filename is not None and Path(mha.filename).name == "vision_transformer.py"
    assert mha.line == attention_call_line()
    assert [h[label].type for label in sdpa.layers] == ["transpose", "matmul", "mul", "softmax", "matmul"]
    assert set(sdpa.layers) < set(mha.layers)
    assert h[mha.layers[0]].index < h[sdpa.layers[0]].index
    assert mha.outputs and all(label in mha.layers for label in mha.outputs)
    assert "FunctionFrame multi_head_attention_forward()" in repr(mha)


def test_layer_frame_is_the_innermost_call_around_it() -> None:
    model, x = vit_block()
    h = lens(model, x, attention_weights=True)
    mha, sdpa = h.frames
    softmax = next(layer for layer in h if layer.type == "softmax")
    assert softmax.frame == sdpa
    projection = h[mha.layers[0]]  # the packed q/k/v projection
    assert projection.type == "linear" and projection.frame == mha
    assert h.inputs[0].frame is None and h.outputs[0].frame is None


def test_no_frames_without_composite_functions() -> None:
    h = lens(torch.nn.Linear(3, 2), torch.randn(1, 3))
    assert h.frames == [] and all(layer.frame is None for layer in h)


def test_frames_of_a_loaded_bundle_match(tmp_path: Path) -> None:
    model, x = vit_block()
    h = lens(model, x, attention_weights=True)
    h.save(tmp_path / "vit.lens")
    loaded = lenslab.load(tmp_path / "vit.lens")
    assert [(f.function, f.parent, f.module, f.layers, f.outputs) for f in loaded.frames] == [
        (f.function, f.parent, f.module, f.layers, f.outputs) for f in h.frames
    ]
