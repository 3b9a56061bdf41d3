"""Every notebook in notebooks/ runs top to bottom without errors (nbclient, a real kernel)."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

_NOTEBOOK_DIR = Path(__file__).resolve().parents[2] / "notebooks"
# Examples, then the teaching lessons (notebooks/lessons/).
NOTEBOOKS = sorted(_NOTEBOOK_DIR.glob("*.ipynb")) + sorted(_NOTEBOOK_DIR.glob("lessons/*.ipynb"))
WIDGET_MIME = "application/vnd.jupyter.widget-view+json"


@pytest.fixture
def venv_kernel(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> str:
    """The `python3` kernel spec of this environment (.venv), not one from the user's home."""
    monkeypatch.setenv("JUPYTER_DATA_DIR", str(tmp_path / "jupyter-data"))
    monkeypatch.delenv("JUPYTER_PATH", raising=False)
    return "python3"


def execute(path: Path, kernel_name: str) -> nbformat.NotebookNode:
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name=kernel_name,
        resources={"metadata": {"path": str(path.parent)}},
    )
    client.execute()  # raises CellExecutionError, with the traceback, on the first error
    return notebook


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ holds no notebook"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_without_errors(path: Path, venv_kernel: str) -> None:
    notebook = execute(path, venv_kernel)
    outputs = [output for cell in notebook.cells for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    if path.name == "quickstart.ipynb":
        mimetypes = {mime for output in outputs for mime in output.get("data", {})}
        assert WIDGET_MIME in mimetypes, f"`h` displayed no widget, only {sorted(mimetypes)}"
