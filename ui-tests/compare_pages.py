"""Writes the compare widget's standalone pages for ui-tests/compare.spec.mjs, with what the
page must show (computed here, in Python) next to them as JSON.

usage: compare_pages.py OUT_DIR
"""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import torch
from torch import nn

import lenslab
from lenslab.compare.html import render_compare_html


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.block = nn.Sequential(nn.Conv2d(8, 8, 3, padding=1), nn.ReLU(), nn.Conv2d(8, 8, 1))
        self.head = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.conv(x))
        if y.mean() > 0.2:  # a branch the two inputs take differently
            y = y * 2
        y = self.block(y) + y
        return self.head(y.mean((2, 3)))


def main(out: Path) -> None:
    torch.manual_seed(0)
    model = Net().eval()
    x = torch.randn(1, 3, 12, 12)
    a = lenslab.lens(model, x)
    b = lenslab.lens(model, x, intervene={"block.1": "zero"})
    c = lenslab.compare(a, b)
    c.to_html(out / "ablated.html")
    b.to_html(out / "intervened.html")
    # What a saved notebook keeps for a displayed comparison: differences, no tensors.
    (out / "kept.html").write_text(render_compare_html(c, budget_mb=0.0), encoding="utf-8")
    bright = lenslab.lens(model, x.abs() * 3)  # takes the other branch
    branches = lenslab.compare(a, bright)
    branches.to_html(out / "branch.html")
    branches.save(out / "branch.lens")  # the .lens viewer opens it as the compare view
    # Train vs eval: training reads and bumps BatchNorm's batch counter; dropout masks.
    small = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Dropout(0.5), nn.Linear(4, 2))
    v = torch.randn(8, 4)
    modes = lenslab.compare(lenslab.lens(small.eval(), v), lenslab.lens(small.train(), v))
    modes.to_html(out / "modes.html")
    only_b = next(r for r in branches.rows if r.status == "only_b")
    expected = {
        "ablated": _expected(c),
        "branch": {
            **_expected(branches),
            "only_b_max": float(branches.b.layers[only_b.b].activation.max()),
        },
        "intervened": [layer.label for layer in b if layer.intervened],
        "modes": _expected(modes),
    }
    (out / "expected.json").write_text(json.dumps(expected, indent=1))


def _expected(c: lenslab.Comparison) -> dict[str, object]:
    rows = c.to_pandas()
    changed = rows[rows.status == "changed"]
    return {
        "first_divergence": c.first_divergence,
        "changed": list(changed.label),
        "same": list(rows[rows.status == "same"].label),
        "only_a": list(rows[rows.status == "only_a"].label),
        "only_b": list(rows[rows.status == "only_b"].label),
        "rel_l2": {r.label: r.rel_l2 for r in rows.itertuples() if not math.isnan(r.rel_l2)},
    }


if __name__ == "__main__":
    main(Path(sys.argv[1]))
