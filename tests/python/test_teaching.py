"""Teaching support: call stacks of ops, the code behind them (fetched on demand), the call
that failed in a partial capture, and gradient messages that say what to do."""

from __future__ import annotations

import importlib.util
import linecache
import os
import sys
import time
from pathlib import Path
from typing import Any, ClassVar

import pytest
import torch
from torch import nn

from lenslab import lens
from lenslab.export.html import embedded_data, render_html
from lenslab.export.wire import to_wire
from lenslab.widget.data import DataServer

MODEL_SOURCE = """
import torch
from torch import nn


def double_relu(x):
    return torch.relu(x) * 2


class Block(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x):
        return double_relu(self.fc(x))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.block = Block()
        self.head = nn.Linear(4, 3)

    def forward(self, x):
        y = self.block(x)
        return self.head(y)


class Broken(nn.Module):
    def __init__(self):
        super().__init__()
        self.a = nn.Linear(4, 3)
        self.b = nn.Linear(4, 2)

    def forward(self, x):
        return self.b(self.a(x))
"""


@pytest.fixture
def models(tmp_path: Path) -> Any:
    """A model defined in its own file, so tests can change or delete it."""
    path = tmp_path / "lesson_model.py"
    path.write_text(MODEL_SOURCE)
    spec = importlib.util.spec_from_file_location("lesson_model", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.path = path
    return module


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def capture_here(model: nn.Module) -> Any:
    return lens(model, torch.randn(2, 4))  # the caller frame of every stack


def test_stack_runs_from_the_callers_line_to_the_ops_line(models: Any) -> None:
    h = capture_here(models.Net())
    path = models.path
    relu = h["relu_1_2:1"]
    frames = [(f.filename, f.line, f.function) for f in relu.stack]
    here = (__file__, line_of(Path(__file__), "# the caller frame of every stack"), "capture_here")
    assert frames[0][2] == "test_stack_runs_from_the_callers_line_to_the_ops_line"
    assert frames[1] == here, "outermost first: the code that called lens"
    assert frames[2] == (str(path), line_of(path, "y = self.block(x)"), "Net.forward")
    assert frames[-1] == (str(path), line_of(path, "return torch.relu(x) * 2"), "double_relu")
    head = h["linear_2_4:1"].stack
    assert head[-1].line == line_of(path, "return self.head(y)")
    assert relu.source == (str(path), frames[-1][1]), "source is the innermost frame"


def test_stack_names_notebook_cells_in_n(monkeypatch: pytest.MonkeyPatch) -> None:
    """A cell's code lives under a generated file name; the stack reads "In [n]"."""
    from lenslab.trace import stack

    name = "/tmp/ipykernel_1/123456.py"
    code = "import torch\ndef f(x):\n    return torch.tanh(x)\n"

    class Compiler:
        _filename_map: ClassVar[dict[str, int]] = {name: 7}

    class Shell:
        compile = Compiler()

    fake = type(sys)("IPython")
    fake.get_ipython = lambda: Shell()  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "IPython", fake)
    monkeypatch.setitem(linecache.cache, name, (len(code), None, code.splitlines(True), name))
    namespace: dict[str, Any] = {}
    exec(compile(code, name, "exec"), namespace)

    class Cell(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return namespace["f"](x)

    h = lens(Cell(), torch.randn(3))
    top = h["tanh_1_1:1"].stack[-1]
    assert (top.filename, top.line, top.function) == ("In [7]", 3, "f")
    assert stack.cell_name(name) == "In [7]"
    graph = to_wire(h)
    op = next(o for o in graph["ops"] if o["func"] == "tanh")
    assert op["source"] == "In [7]:3"
    server = DataServer(h)
    reply, _ = server.handle(
        {
            "type": "lenslab:request",
            "version": 2,
            "id": 1,
            "method": "source",
            "params": {"frame": op["frame"]},
        }
    )
    assert reply["result"]["status"] == "ok"
    assert [3, "    return torch.tanh(x)"] in reply["result"]["lines"]


def ask_source(server: DataServer, **params: Any) -> dict[str, Any]:
    reply, buffers = server.handle(
        {"type": "lenslab:request", "version": 2, "id": 3, "method": "source", "params": params}
    )
    assert not buffers
    assert "error" not in reply, reply
    result: dict[str, Any] = reply["result"]
    return result


def test_source_is_fetched_on_demand_around_the_line(models: Any) -> None:
    h = lens(models.Net(), torch.randn(2, 4))
    graph = to_wire(h)
    assert graph["source_text"] == [], "the widget's graph carries no code"
    op = next(o for o in graph["ops"] if o["func"] == "relu")
    result = ask_source(DataServer(h), frame=op["frame"], context=2)
    line = line_of(models.path, "return torch.relu(x) * 2")
    assert result["status"] == "ok" and result["line"] == line
    assert result["function"] == "double_relu"
    assert [n for n, _ in result["lines"]] == list(range(line - 2, line + 3))
    assert dict(result["lines"])[line] == "    return torch.relu(x) * 2"
    whole = ask_source(DataServer(h), frame=op["frame"], function=True)
    assert whole["lines"][0][1].startswith("def double_relu")


def test_changed_and_missing_files_say_so_instead_of_showing_wrong_lines(models: Any) -> None:
    h = lens(models.Net(), torch.randn(2, 4))
    frame = next(o for o in to_wire(h)["ops"] if o["func"] == "relu")["frame"]
    later = time.time() + 5
    models.path.write_text("# rewritten\n" + MODEL_SOURCE)
    os.utime(models.path, (later, later))
    changed = ask_source(DataServer(h), frame=frame)
    assert changed["status"] == "changed" and changed["lines"] == []
    embedded = to_wire(h, source_text=True)
    model_file = str(models.path)
    shown = [
        text
        for f, text in zip(embedded["frames"], embedded["source_text"], strict=True)
        if f["file"] == model_file
    ]
    assert shown and not any(shown), "an export never embeds lines of a changed file"
    models.path.unlink()
    assert ask_source(DataServer(h), frame=frame)["status"] == "missing"


def test_bad_frame_requests_are_errors_not_crashes(models: Any) -> None:
    server = DataServer(lens(models.Net(), torch.randn(2, 4)))
    reply, _ = server.handle(
        {
            "type": "lenslab:request",
            "version": 2,
            "id": 4,
            "method": "source",
            "params": {"frame": 10_000},
        }
    )
    assert reply["error"]["code"] == "out_of_range"
    reply, _ = server.handle(
        {
            "type": "lenslab:request",
            "version": 2,
            "id": 5,
            "method": "source",
            "params": {"frame": "x"},
        }
    )
    assert reply["error"]["code"] == "bad_message"


def test_standalone_page_embeds_only_the_referenced_lines_as_json(models: Any) -> None:
    h = lens(models.Net(), torch.randn(2, 4))
    graph = to_wire(h, source_text=True)
    texts = dict(zip((f["line"] for f in graph["frames"]), graph["source_text"], strict=True))
    assert texts[line_of(models.path, "return torch.relu(x) * 2")] == "    return torch.relu(x) * 2"
    assert len(graph["source_text"]) == len(graph["frames"])
    page = render_html(h)
    embedded = embedded_data(page)["graph"]  # the graph travels zlib-compressed (graph_z)
    assert "    return torch.relu(x) * 2" in embedded["source_text"]
    assert not any("class Broken" in line for line in embedded["source_text"]), (
        "lines no op ran are not embedded"
    )
    assert "class Broken" not in page


def test_partial_capture_names_the_call_that_failed(models: Any) -> None:
    with pytest.raises(RuntimeError, match="cannot be multiplied") as info:
        lens(models.Broken(), torch.randn(2, 4))
    partial = info.value.lens_history  # type: ignore[attr-defined]
    failure = partial.failure
    assert failure is not None and failure.func_name == "linear"
    assert "mat1 and mat2 shapes cannot be multiplied" in failure.message
    assert failure.parents == ["linear_1_1:1"] and failure.module == "b"
    assert failure.source == (str(models.path), line_of(models.path, "return self.b(self.a(x))"))
    wire = to_wire(partial)["failure"]
    assert wire is not None and wire["func"] == "linear" and wire["parents"] == [1]
    assert lens(models.Net(), torch.randn(2, 4)).failure is None


def test_input_gradient_says_to_require_grad_before_lens(models: Any) -> None:
    h = lens(models.Net(), torch.randn(2, 4), grads=True)
    h.outputs[0].activation.sum().backward()
    reply, _ = DataServer(h).handle(
        {
            "type": "lenslab:request",
            "version": 2,
            "id": 6,
            "method": "stats",
            "params": {"layer": "input_1:1", "tensor": "gradient"},
        }
    )
    assert (
        "input does not require grad: call `x.requires_grad_()` before `lens`"
        in (reply["error"]["message"])
    )
    x = torch.randn(2, 4).requires_grad_()
    h2 = lens(models.Net(), x, grads=True)
    h2.outputs[0].activation.sum().backward()
    assert h2.inputs[0].grad is not None
