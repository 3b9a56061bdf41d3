"""A saved notebook stays light (issue 17): one displayed history adds at most 60 KB plus 300 B
per visible op, keeps its graph once as an SVG snapshot that needs no kernel (an <img> in
text/html, which untrusted notebooks render too), and stores a small
loader instead of the widget's code. Executed the way nbconvert does (widget state stored)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest

from lenslab.export.figure import HEADLESS_JS
from lenslab.widget._lens_widget import ESM_PATH, LOADER_PATH

# bench/notebook_weight.py, shared with `make bench`; loaded by path so bench/ stays off sys.path.
_spec = importlib.util.spec_from_file_location(
    "notebook_weight", Path(__file__).resolve().parents[2] / "bench" / "notebook_weight.py"
)
assert _spec is not None and _spec.loader is not None
notebook_weight = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(notebook_weight)

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")

SOURCE = notebook_weight.SMALL_MODEL_CELL + "h"


@pytest.fixture(scope="module")
def executed() -> dict[str, Any]:
    if not (ESM_PATH.is_file() and LOADER_PATH.is_file() and HEADLESS_JS.is_file()):
        pytest.skip("front end not built: run `make build`")
    nb = nbformat.from_dict(notebook_weight.one_cell_notebook(SOURCE))
    client = nbclient.NotebookClient(
        nb, timeout=120, kernel_name="python3", store_widget_state=True
    )
    client.execute()
    return dict(json.loads(nbformat.writes(nb)))


def test_one_widget_meets_the_weight_budget(executed: dict[str, Any]) -> None:
    [entry] = notebook_weight.weights(executed)
    print(f"\nsaved weight: {entry}")
    assert entry["kept_svg"], "no kept SVG snapshot before the widget"
    assert entry["visible_ops"] >= 5
    assert entry["bytes"] <= notebook_weight.budget(entry)


def test_the_graph_is_kept_once_and_the_code_not_at_all(executed: dict[str, Any]) -> None:
    text = json.dumps(executed)
    outputs = executed["cells"][0]["outputs"]
    mimes = [sorted(o.get("data", {})) for o in outputs if o.get("data")]
    assert ["text/html", "text/plain"] in mimes  # an <img> of the SVG: shown untrusted too
    assert "application/vnd.lenslab.graph+json" not in text and "<iframe" not in text
    [state] = [
        m["state"]
        for m in executed["metadata"]["widgets"][notebook_weight.STATE_MIME]["state"].values()
        if m["model_name"] == "AnyModel"
    ]
    assert len(state["_esm"]) <= 4096  # the loader, not widget.js
    assert "graph" not in state or state["graph"] in ({}, None)


def test_without_ipython_display_the_widget_keeps_the_snapshot_itself() -> None:
    """marimo and other hosts without IPython's display: no sibling output, so the snapshot
    travels in the widget's state (the loader shows it when no kernel answers)."""
    import torch
    from ipywidgets.widgets.widget import _instances
    from torch import nn

    from lenslab import lens

    if not HEADLESS_JS.is_file():
        pytest.skip("front end not built: run `make build`")
    h = lens(nn.Sequential(nn.Linear(3, 4), nn.ReLU()), torch.randn(2, 3))
    bundle = h._repr_mimebundle_()
    data = bundle[0] if isinstance(bundle, tuple) else bundle  # (data, metadata) from anywidget
    model_id = data[notebook_weight.WIDGET_MIME]["model_id"]
    snapshot = _instances[model_id].snapshot
    assert snapshot.startswith('<svg class="lenslab-kept"') and "linear_1_1" in snapshot
    assert h.show().snapshot == ""  # shown directly: no snapshot at all
