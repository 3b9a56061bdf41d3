"""Writes what ui-tests/hosts.spec.mjs opens (issue 17), into the folder given as argv[1]:

- hosts.ipynb: a small model's notebook executed once by nbclient with widget state stored
  (as ``jupyter nbconvert --execute`` does); JupyterLab and Notebook 7 open it;
- hosts.html: that notebook through ``jupyter nbconvert --to html`` (lab template: the widget
  manager and anywidget come from the CDN, which the spec serves locally or blocks);
- hosts_marimo.py: the same model as a marimo app (``marimo run``);
- hosts_marimo.html: ``marimo export html`` of it (no kernel behind the page).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import nbclient
import nbformat
from nbconvert import HTMLExporter

# The model cell lives in bench/notebook_weight.py (shared with the notebook-weight test).
_spec = importlib.util.spec_from_file_location(
    "notebook_weight", Path(__file__).resolve().parents[1] / "bench" / "notebook_weight.py"
)
assert _spec is not None and _spec.loader is not None
notebook_weight = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebook_weight)

MODEL: str = notebook_weight.SMALL_MODEL_CELL

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
