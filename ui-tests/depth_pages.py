"""Writes the standalone pages for ui-tests/depth.spec.mjs, with what they must show (computed
here, in Python) as JSON: a recurrent cell (rolled view, pass slider) and a ViT with its
attention written out (attention_weights=True).

usage: depth_pages.py OUT_DIR
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from torchvision.models import VisionTransformer

import lenslab

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))
from parity_models import Elman  # the recurrent cell of the parity zoo


def _seconds(s: float) -> str:
    """The inspector's time text (formatSeconds in src/graph/describe.ts)."""
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.2f} ms"
    return f"{s * 1e6:.1f} \u00b5s"


def main(out: Path) -> None:
    torch.manual_seed(0)
    rnn = lenslab.lens(Elman(), torch.randn(6, 1, 4))
    rnn.to_html(out / "elman.html")
    cell = next(layer for layer in rnn if layer.module == "cell")
    vit = VisionTransformer(32, 8, num_layers=1, num_heads=4, hidden_dim=32, mlp_dim=64).eval()
    attention = lenslab.lens(vit, torch.randn(1, 3, 32, 32), attention_weights=True)
    attention.to_html(out / "vit.html")
    softmax = next(layer for layer in attention if layer.type == "softmax")
    expected = {
        "cell_layer": cell.layer_label,
        "passes": cell.num_passes,
        "pass_means": [
            float(layer.activation.mean()) for layer in rnn if layer.layer_label == cell.layer_label
        ],
        "pass_times": [
            _seconds(layer.time_s) for layer in rnn if layer.layer_label == cell.layer_label
        ],
        "softmax": softmax.label,
        "softmax_shape": list(softmax.shape),
    }
    (out / "expected.json").write_text(json.dumps(expected))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
