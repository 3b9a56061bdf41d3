"""Writes what ui-tests/hosts.spec.mjs opens (issue 17), into the folder given as argv[1]:

- hosts.ipynb: a small model's notebook executed once by nbclient with widget state stored
  (as ``jupyter nbconvert --execute`` does); JupyterLab and Notebook 7 open it;
- hosts.html: that notebook through ``jupyter nbconvert --to html`` (lab template: the widget
  manager and anywidget come from the CDN, which the spec serves locally or blocks);
- hosts_marimo.py: the same model as a marimo app (``marimo run``);
- hosts_marimo.html: ``marimo export html`` of it (no kernel behind the page).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbclient
import nbformat
from nbconvert import HTMLExporter

MODEL = """\
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

MARIMO = """\
import marimo

app = marimo.App()


@app.cell
def _():
{body}
    h
    return (h,)


if __name__ == "__main__":
    app.run()
"""


def write_notebook(out: Path) -> None:
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(MODEL + "h")])
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    nbclient.NotebookClient(
        nb, timeout=180, kernel_name="python3", store_widget_state=True
    ).execute()
    nbformat.write(nb, out / "hosts.ipynb")
    body, _ = HTMLExporter(template_name="lab").from_notebook_node(nb)
    (out / "hosts.html").write_text(body, encoding="utf-8")


def write_marimo(out: Path) -> None:
    body = "\n".join(f"    {line}" if line else "" for line in MODEL.splitlines())
    app = out / "hosts_marimo.py"
    app.write_text(MARIMO.format(body=body), encoding="utf-8")
    marimo = Path(sys.executable).with_name("marimo")
    subprocess.run(
        [str(marimo), "export", "html", str(app), "-o", str(out / "hosts_marimo.html")],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip


if __name__ == "__main__":
    target = Path(sys.argv[1])
    target.mkdir(parents=True, exist_ok=True)
    write_notebook(target)
    write_marimo(target)
