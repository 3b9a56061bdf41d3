"""What keeps a capture cheap, checked as behaviour: nothing left for the garbage collector,
facts built on first use that equal the eager ones, parsed source reused until it changes."""

from __future__ import annotations

import gc
import importlib.util
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import torch
from torch import nn

from lenslab import lens
from lenslab.transforms.hierarchy import call_stacks, module_infos
from lenslab.transforms.profile import profile_fields


def _model() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(4, 4), nn.ReLU(), nn.Sequential(nn.Linear(4, 3), nn.Tanh()))


def _garbage_of(capture: Any) -> list[Any]:
    """Objects that only the cyclic collector could free after ``capture()``."""
    capture()  # warm caches (function info, source files) first
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        kept = capture()
        gc.collect()
        found = list(gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert kept is not None
    return found


def test_a_capture_leaves_no_reference_cycles() -> None:
    # The builder and its per-op tables go when the capture ends (refcounting), not at some
    # later collection: before, a frame holding itself kept them in a cycle.
    model, x = _model(), torch.randn(2, 4)
    for options in ({}, {"save": None}, {"save": ["2"]}, {"stop_after": "2"}):
        garbage = _garbage_of(lambda options=options: lens(model, x, **options))
        assert garbage == [], (options, sorted({type(o).__name__ for o in garbage}))


def test_modules_built_on_first_use_equal_the_eager_ones() -> None:
    h = lens(_model(), torch.randn(2, 4))
    trace = h.capture.trace
    eager = module_infos(trace, call_stacks(trace), profile_fields(trace, h.capture.derived.flops))
    lazy = h.capture.derived.modules
    assert {a: asdict(m) for a, m in lazy.items()} == {a: asdict(m) for a, m in eager.items()}
    assert list(h.modules) == ["", "0", "1", "2", "2.0", "2.1"]
    assert h.modules["2"].ops == eager["2"].ops and h.modules["2"].num_calls == 1


def test_layer_passes_are_made_once_each() -> None:
    h = lens(_model(), torch.randn(2, 4))
    assert h[1] is h[1] is h.capture.layers[1] is list(h)[1]
    assert [layer.index for layer in h.capture.layers[-2:]] == [len(h) - 2, len(h) - 1]
    assert h.capture.layers[-1].is_output


def _load(path: Path) -> Any:
    spec = importlib.util.spec_from_file_location("edited_model", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.Model()


def test_an_edited_source_file_is_parsed_again(tmp_path: Path) -> None:
    path = tmp_path / "edited_model.py"
    body = "        {}\n            x = x * 3\n        return x\n"
    head = "import torch\nclass Model(torch.nn.Module):\n    def forward(self, x):\n"
    path.write_text(head + body.format("if x.sum() > -1e9:"))
    first = lens(_load(path), torch.ones(3))
    assert first["gt_1"].bool_context == "if"
    # Same file, same line, now a loop (a different size, so linecache sees the change).
    path.write_text(head + body.format("while x.sum() > 1e9 and x.sum() < -1e9:"))
    os.utime(path, (1, 1))
    second = lens(_load(path), torch.ones(3))
    assert second["gt_1"].bool_context == "while"
    sys.modules.pop("edited_model", None)
