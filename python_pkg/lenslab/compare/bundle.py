"""``c.save(path)`` and ``lenslab.load_comparison(path)``: a comparison as one ``.lens`` file.

A compare bundle is an ordinary bundle (``export/bundle.py``) whose manifest says
``"kind": "compare"`` and whose graph holds both runs, each as a plain bundle holds one
(``a`` and ``b``: wire, trace, derived, tensor names, digests), with their tensors named
``a/activation/<op>`` and ``b/activation/<op>``, plus ``rtol``/``atol`` and ``view``: the
graph the viewer draws (``union.py``) and the compare trait (``state.py``). The JupyterLab
``.lens`` viewer opens it as a compare view with no kernel; loading it compares the two loaded
runs again (the same tensors give the same result).
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import LensError
from ..export.bundle import bundle_part, bundle_path, write_bundle
from ..export.checks import BundleError, Where
from ..export.loader import capture_of, checked, open_graph
from .state import compare_state
from .union import union_graph

if TYPE_CHECKING:
    from .comparison import Comparison

KIND = "compare"


def save_comparison(
    c: Comparison, path: str | os.PathLike[str], *, strip_paths: bool = False
) -> Path:
    target = bundle_path(path)
    part_a, tensors_a = bundle_part(c.a, "a/")
    part_b, tensors_b = bundle_part(c.b, "b/")
    view = {"wire": union_graph(c, source_text=True).wire, "compare": compare_state(c, 0.0)}
    graph = {
        "kind": KIND,
        "a": part_a,
        "b": part_b,
        "rtol": c.rtol,
        "atol": c.atol,
        "view": view,
    }
    strip = [c.a, c.b] if strip_paths else []
    return write_bundle(target, graph, {**tensors_a, **tensors_b}, strip, kind=KIND)


def load_comparison(path: str | os.PathLike[str]) -> Comparison:
    """Opens a comparison saved with ``Comparison.save(path)``; tensors are read on first use."""
    return checked(path, _load)


def _load(path: str | os.PathLike[str]) -> Comparison:
    from .comparison import compare

    graph, source = open_graph(path)
    if graph.get("kind") != KIND:
        raise LensError(
            f"{path} holds one run, not a comparison: open it with lenslab.load(path), or "
            "compare two bundles with lenslab.compare(lenslab.load(a), lenslab.load(b))"
        )
    where = Where("graph")
    a = capture_of(where.obj(where.field(graph, "a")), source)
    b = capture_of(where.obj(where.field(graph, "b")), source)
    rtol, atol = (where.at(k).number(where.field(graph, k)) for k in ("rtol", "atol"))
    if not (math.isfinite(rtol) and math.isfinite(atol)):
        raise BundleError(f"graph: rtol {rtol} and atol {atol} must be finite numbers")
    return compare(a, b, rtol=rtol, atol=atol)
