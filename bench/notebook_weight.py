"""What one displayed ``h`` adds to a saved notebook (issue 17): the kept SVG snapshot, the widget
output and the widget's saved state, measured on notebooks executed by
``jupyter nbconvert --execute --to notebook`` (which stores widget state, as Lab does when
"save widget state" is on). Target: ≤ 60 KB per widget plus ≤ 300 B per visible op.

``weights(notebook)`` is also what tests/python/test_notebook_weight.py asserts on.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BASE_BYTES = 60_000
BYTES_PER_VISIBLE_OP = 300
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"
STATE_MIME = "application/vnd.jupyter.widget-state+json"
NODE = re.compile(r'<g class="lenslab-node\b')
# The kept output: text/html holding one <img class="lenslab-kept"> of the SVG (export/notebook.py).
KEPT_IMG = re.compile(r'<img class="lenslab-kept"[^>]* src="data:image/svg\+xml;base64,([^"]*)"')

SMALL_MODEL_CELL = """\
import torch
from torch import nn
from lenslab import lens

class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(4, 4, 3, padding=1)
        self.norm = nn.BatchNorm2d(4)

    def forward(self, x):
        return torch.relu(self.norm(self.conv(x))) + x

model = nn.Sequential(nn.Conv2d(3, 4, 3, padding=1), Block(), Block(), nn.Flatten(),
                      nn.Linear(4 * 8 * 8, 10)).eval()
h = lens(model, torch.randn(1, 3, 8, 8))
"""
"""A small model's cell, shared by the notebook-weight test and the hosts browser pages."""

BIG_MODEL_CELL = """\
import torch
from transformers import GPT2Config, GPT2LMHeadModel
from lenslab import lens

config = GPT2Config(n_layer=12, n_embd=64, n_head=4, vocab_size=500, n_positions=64,
                    bos_token_id=0, eos_token_id=0, use_cache=False)
model = GPT2LMHeadModel(config).eval()
h = lens(model, torch.randint(0, 500, (1, 16)))
print(len(h), "ops")
h"""


def _size(value: Any) -> int:
    """Bytes as nbformat writes it (indent=1, UTF-8)."""
    return len(json.dumps(value, indent=1, ensure_ascii=False).encode())


def _text(value: Any) -> str:
    return "".join(value) if isinstance(value, list) else str(value)


def kept_svg(data: dict[str, Any]) -> str:
    """The kept SVG snapshot in an output's data ("" if the output is not lenslab's kept view)."""
    found = KEPT_IMG.search(_text(data.get("text/html", "")))
    return base64.b64decode(found.group(1)).decode() if found else ""


def weights(notebook: dict[str, Any]) -> list[dict[str, int]]:
    """One entry per displayed lenslab widget: bytes it adds, and the ops visible in its snapshot."""
    state = notebook.get("metadata", {}).get("widgets", {}).get(STATE_MIME, {}).get("state", {})
    out: list[dict[str, int]] = []
    for cell in notebook["cells"]:
        kept: dict[str, Any] | None = None
        svg = ""
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if kept_svg(data):
                kept, svg = output, kept_svg(data)
                continue
            view = data.get(WIDGET_MIME)
            model = state.get(view.get("model_id", "")) if view else None
            if not model or "lenslab" not in str(model["state"].get("_esm", ""))[:4000]:
                continue
            layout = state.get(str(model["state"].get("layout", "")).removeprefix("IPY_MODEL_"))
            size = _size(output) + _size(model) + (_size(layout) if layout else 0)
            visible = 0
            if kept is not None:
                size += _size(kept)
                visible = len(NODE.findall(svg))
            out.append({"bytes": size, "visible_ops": visible, "kept_svg": kept is not None})
            kept = None
    return out


def budget(entry: dict[str, int]) -> int:
    return BASE_BYTES + BYTES_PER_VISIBLE_OP * entry["visible_ops"]


def execute(path: Path) -> dict[str, Any]:
    """``jupyter nbconvert --execute --to notebook`` on ``path``; the executed notebook."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.ipynb"
        subprocess.run(
            [sys.executable, "-m", "nbconvert", "--execute", "--to", "notebook",
             "--output", str(out), str(path)],
            check=True, capture_output=True, cwd=tmp,
        )  # fmt: skip
        return dict(json.loads(out.read_text(encoding="utf-8")))


def one_cell_notebook(source: str) -> dict[str, Any]:
    cell = {"id": "lenslab-1", "cell_type": "code", "metadata": {}, "source": source, "outputs": [],
            "execution_count": None}  # fmt: skip
    kernel = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return {"cells": [cell], "metadata": {"kernelspec": kernel}, "nbformat": 4,
            "nbformat_minor": 5}  # fmt: skip


def run() -> dict[str, Any]:
    results: dict[str, Any] = {}
    results["quickstart"] = weights(execute(ROOT / "notebooks" / "quickstart.ipynb"))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.ipynb"
        path.write_text(json.dumps(one_cell_notebook(BIG_MODEL_CELL)), encoding="utf-8")
        results["gpt2, 12 tiny layers (~515 ops)"] = weights(execute(path))
    return results


def rows(results: dict[str, Any] | None) -> list[tuple[str, str, str, str, str]]:
    out: list[tuple[str, str, str, str, str]] = []
    for name, entries in (results or {}).items():
        for entry in entries:
            limit = budget(entry)
            verdict = "met" if entry["bytes"] <= limit else "MISSED"
            value = f"{entry['bytes'] / 1000:.1f} KB ({entry['visible_ops']} visible ops)"
            target = f"≤ {limit / 1000:.1f} KB (60 KB + 300 B/visible op)"
            out.append(("notebook", f"saved weight per widget: {name}", value, target, verdict))
    return out


if __name__ == "__main__":
    result = run()
    print(json.dumps(result, indent=1))
    for row in rows(result):
        print(" | ".join(row))
