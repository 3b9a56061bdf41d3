"""Writes what ui-tests/bundle.spec.mjs opens: capture.lens, capture.html and kept.ipynb (a
notebook executed once, saved with its lenslab output), for a small conv model one of whose
module names carries markup (argv[2]) that every view must show as text."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
from torch import nn

import lenslab

SOURCE = """\
import torch
from torch import nn
from lenslab import lens

class Net(nn.Module):
    def __init__(self, odd: str) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3)
        self.add_module(odd, nn.ReLU())
        self.odd = odd
        self.head = nn.Linear(8, 4)

    def forward(self, x):
        x = getattr(self, self.odd)(self.conv(x))
        return self.head(x.mean(dim=(2, 3)))
"""


def main(out: Path, odd: str) -> None:
    scope: dict[str, object] = {}
    exec(SOURCE, scope)  # the same model class the notebook defines
    torch.manual_seed(0)
    model = scope["Net"](odd)  # type: ignore[operator]
    assert isinstance(model, nn.Module)
    h = lenslab.lens(model, torch.randn(1, 3, 16, 16))
    h.save(out / "capture.lens")
    h.to_html(out / "capture.html")
    write_notebook(out / "kept.ipynb", odd)


def write_notebook(path: Path, odd: str) -> None:
    import nbformat
    from nbclient import NotebookClient

    cells = [
        nbformat.v4.new_code_cell(SOURCE),
        nbformat.v4.new_code_cell(
            f"torch.manual_seed(0)\nh = lens(Net({odd!r}), torch.randn(1, 3, 16, 16))\nh"
        ),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    NotebookClient(nb, timeout=120, kernel_name="python3", store_widget_state=True).execute()
    nbformat.write(nb, str(path))


if __name__ == "__main__":
    main(Path(sys.argv[1]), sys.argv[2])
