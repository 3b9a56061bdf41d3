"""Print, as JSON, what the kernel records for a notebook's model: the browser test's oracle.

Runs the notebook's code cells in order (outputs discarded) until a ``ModelHistory`` named
``h`` exists, then prints every layer pass with its node id and module stack::

    {"ops": [{"id": "conv2d_1_1:1", "role": "op", "module_stack": ["stem:1", "stem.0:1"]}],
     "modules": {"stem": 1, ...}}

Labels do not depend on the random weights or input, so they match the kernel's capture.
Usage: python ui-tests/expected_graph.py notebooks/quickstart.ipynb
"""

from __future__ import annotations

import contextlib
import io
import json
import sys
from collections.abc import Mapping
from typing import Any

import nbformat


def capture_from_notebook(path: str, name: str = "h") -> Any:
    notebook = nbformat.read(path, as_version=4)
    namespace: dict[str, Any] = {"__name__": "__main__", "display": lambda *a, **k: None}
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        with contextlib.redirect_stdout(io.StringIO()):
            exec(compile(cell.source, f"<{path} cell>", "exec"), namespace)
        if name in namespace:
            return namespace[name]
    raise SystemExit(f"{path}: no cell defines {name!r}")


def num_calls(module_info: Any) -> int:
    if isinstance(module_info, Mapping):
        return int(module_info["num_calls"])
    return int(module_info.num_calls)


def main(path: str) -> None:
    from lenslab.export.wire import to_wire

    history = capture_from_notebook(path)
    roles = {op["label"]: op["role"] for op in to_wire(history)["ops"]}
    ops = [
        {
            "id": layer.label,
            "role": roles.get(layer.label, "op"),
            "module_stack": list(layer.module_stack),
        }
        for layer in history.layers
    ]
    modules = {address: num_calls(info) for address, info in history.modules.items()}
    json.dump({"ops": ops, "modules": modules}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
