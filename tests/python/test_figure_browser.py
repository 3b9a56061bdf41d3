"""The SVG made in Python (to_svg) places every node where the widget's own SVG export does in
Chromium, for the same model and view options."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import torch
from torch import nn

from lenslab import lens

ROOT = Path(__file__).resolve().parents[2]


class Branchy(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8))
        self.b = nn.Linear(8, 8)
        self.out = nn.Linear(8, 3)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.out(torch.tanh(self.a(x)) * self.b(x) + x)


def _positions(svg: str) -> dict[str, str]:
    return dict(re.findall(r'data-node-id="([^"]*)" transform="([^"]*)"', svg))


@pytest.mark.parametrize(
    "view",
    [{"depth": 3}, {"direction": "LR", "collapsed": ["a"]}, {"focus": "a", "overlay": "time"}],
    ids=["expanded", "lr-collapsed", "focus"],
)
def test_python_svg_matches_the_browser_export(view: dict[str, object], tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node is not None and Path("/usr/bin/chromium").exists(), "needs node and Chromium"
    torch.manual_seed(0)
    h = lens(Branchy(), torch.randn(2, 8))
    page = h.to_html(tmp_path / "page.html", **view)
    run = subprocess.run(
        [node, str(ROOT / "ui-tests" / "export-positions.mjs"), str(page)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    browser = json.loads(run.stdout.strip().splitlines()[-1])
    python = _positions(h.to_svg(**view))
    assert len(python) >= 3
    assert python == browser
