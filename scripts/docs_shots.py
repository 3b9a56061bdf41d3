"""Screenshots for docs/tour.md, taken from a real capture's standalone HTML page.

    .venv/bin/python scripts/docs_shots.py    # writes docs/images/tour-*.png

The model is a small CNN with a residual block (random weights), captured with ``lens``,
written with ``h.to_html`` and driven in Chromium by ``scripts/docs-shots.mjs``.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

import torch
from torch import nn

from lenslab import lens

ROOT = Path(__file__).resolve().parent.parent


class Block(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.bn = nn.BatchNorm2d(channels)
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(x + self.conv2(torch.relu(self.bn(self.conv1(x)))))


class SmallCNN(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(3, 16, 3, padding=1), nn.ReLU())
        self.block = Block(16)
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.block(self.stem(x)))


def main() -> None:
    torch.manual_seed(0)
    x = torch.linspace(-1, 1, 64).view(1, 1, 1, 64) * torch.linspace(-1, 1, 64).view(1, 1, 64, 1)
    h = lens(SmallCNN().eval(), torch.cat([x, x.flip(-1), x.flip(-2)], dim=1))
    print(repr(h))
    with tempfile.TemporaryDirectory() as tmp:
        page = h.to_html(Path(tmp) / "small_cnn.html")
        out = ROOT / "docs" / "images"
        out.mkdir(parents=True, exist_ok=True)
        script = ROOT / "scripts" / "docs-shots.mjs"
        subprocess.run(["node", str(script), str(page), str(out)], check=True, cwd=ROOT)


if __name__ == "__main__":
    sys.exit(main())
