"""View options from Python and figures without a browser (to_svg / to_png)."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
import torch
import torchvision
from torch import nn

from lenslab import LensError, lens
from lenslab.export.compact import compact
from lenslab.export.figure import node_boxes, render_svg
from lenslab.export.view_options import view_options
from lenslab.export.wire import to_wire


class Small(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.stem = nn.Sequential(nn.Linear(6, 8), nn.ReLU(), nn.Linear(8, 8))
        self.head = nn.Linear(8, 2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(self.stem(x) + x.sum())


@pytest.fixture(scope="module")
def small() -> object:
    torch.manual_seed(0)
    return lens(Small(), torch.randn(3, 6), grads=True, memory=True)


def _ids(svg: str) -> set[str]:
    return set(re.findall(r'data-node-id="([^"]*)"', svg))


def _boxes(h: object, **options: object) -> dict[str, list[float]]:
    return node_boxes(dict(compact(to_wire(h))), view_options(h, options, static=True))  # type: ignore[arg-type]


def test_to_svg_draws_every_visible_node_and_writes_the_file(small: object, tmp_path: Path) -> None:
    path = tmp_path / "small.svg"
    svg = small.to_svg(path, depth=3)  # type: ignore[attr-defined]
    assert path.read_text() == svg and svg.startswith("<?xml")
    assert _ids(svg) == set(_boxes(small, depth=3))
    assert "linear_1_1:1" in _ids(svg) and "output_1:1" in _ids(svg)
    collapsed = small.to_svg(depth=3, collapsed=["stem"])  # type: ignore[attr-defined]
    assert "module:stem" in _ids(collapsed) and "linear_1_1:1" not in _ids(collapsed)


def test_user_text_is_escaped(small: object) -> None:
    # A module type is user code; the renderer writes it only as text.
    svg = small.to_svg(depth=1)  # type: ignore[attr-defined]
    assert "<script" not in svg and "(Sequential)" in svg


def test_direction_lr_lays_out_left_to_right(small: object) -> None:
    tb = _boxes(small, depth=3)
    lr = _boxes(small, depth=3, direction="LR")
    assert tb["input_1:1"][1] < tb["output_1:1"][1]  # top to bottom
    assert lr["input_1:1"][0] < lr["output_1:1"][0]  # left to right
    assert abs(lr["input_1:1"][1] - lr["output_1:1"][1]) < abs(
        lr["input_1:1"][0] - lr["output_1:1"][0]
    )


def test_focus_draws_one_module_with_its_boundary(small: object) -> None:
    boxes = _boxes(small, focus="stem")
    inside = {"linear_1_1:1", "relu_1_2:1", "linear_2_3:1"}
    assert inside <= set(boxes)
    assert "input_1:1" in boxes  # feeds the module
    assert "output_1:1" not in boxes and "linear_3_6:1" not in boxes  # two steps away


def test_overlays_and_legend(small: object) -> None:
    svg = small.to_svg(depth=3, overlay="time")  # type: ignore[attr-defined]
    assert "op time" in svg and 'style="fill:rgb(' in svg
    scores = small.to_svg(depth=3, overlay={"stem.0": 2.0, "head": 5.0})  # type: ignore[attr-defined]
    assert ">scores<" in scores
    kept = small.to_svg(depth=3, overlay="kept for backward")  # type: ignore[attr-defined]
    assert ">kept for backward<" in kept


def test_gradient_overlays_need_a_backward(small: object) -> None:
    with pytest.raises(LensError, match="backward"):
        small.to_svg(overlay="gradient flow")  # type: ignore[attr-defined]
    small.outputs[0].activation.sum().backward()  # type: ignore[attr-defined]
    assert ">gradient / activation norm<" in small.to_svg(overlay="gradient flow")  # type: ignore[attr-defined]
    assert ">gradient norm<" in small.to_svg(overlay="grad")  # type: ignore[attr-defined]


def test_bad_view_options_say_what_to_do(small: object) -> None:
    with pytest.raises(LensError, match="close matches: stem"):
        small.to_svg(collapsed=["stme"])  # type: ignore[attr-defined]
    with pytest.raises(LensError, match="close matches: head"):
        small.show(focus="haed")  # type: ignore[attr-defined]
    with pytest.raises(LensError, match="'linear_9_9'"):
        small.to_svg(overlay={"linear_9_9": 1.0, "head": 2.0})  # type: ignore[attr-defined]
    with pytest.raises(LensError, match="close matches: direction"):
        small.to_svg(directon="LR")  # type: ignore[attr-defined]
    with pytest.raises(LensError, match="TB"):
        small.to_svg(direction="up")  # type: ignore[attr-defined]
    with pytest.raises(LensError, match="close matches: output size"):
        small.to_svg(overlay="output sise")  # type: ignore[attr-defined]
    plain = lens(Small(), torch.randn(3, 6))
    with pytest.raises(LensError, match="memory=True"):
        plain.to_svg(overlay="kept for backward")


def test_show_sends_the_checked_options(small: object) -> None:
    widget = small.show(collapsed="stem", direction="lr", overlay="output size")  # type: ignore[attr-defined]
    assert widget.view_options == {"collapsed": ["stem"], "direction": "LR", "overlay": "size"}


def test_to_png_renders_text(small: object, tmp_path: Path) -> None:
    from PIL import Image

    path = small.to_png(tmp_path / "small.png", scale=2, depth=3)  # type: ignore[attr-defined]
    image = Image.open(path)
    svg = small.to_svg(depth=3)  # type: ignore[attr-defined]
    width = float(re.search(r'width="([\d.]+)"', svg).group(1))  # type: ignore[union-attr]
    assert image.size[0] == pytest.approx(2 * width, abs=2)
    # Text is drawn: the same figure without its text differs.
    from lenslab.export.figure import svg_to_png

    blank = re.sub(r"<text\b.*?</text>", "", svg, flags=re.S)
    with_text = Image.open(io.BytesIO(svg_to_png(svg, 1))).convert("L")
    without = Image.open(io.BytesIO(svg_to_png(blank, 1))).convert("L")
    dark = sum(with_text.histogram()[:100])
    assert dark > sum(without.histogram()[:100]) + 200


def test_render_svg_takes_any_wire_graph(small: object) -> None:
    wire = to_wire(small)  # the full form, not compact
    svg = render_svg(dict(wire), {"depth": 1})
    assert "module:stem" in _ids(svg)


def test_resnet18_default_view() -> None:
    model = torchvision.models.resnet18(weights=None).eval()
    h = lens(model, torch.randn(1, 3, 64, 64), save=None)
    svg = h.to_svg()
    assert "module:layer1.0" in _ids(svg)


def test_readme_script_writes_a_png(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
    script = next(b for b in blocks if "to_png(" in b)
    monkeypatch.chdir(tmp_path)
    exec(compile(script, "README.md", "exec"), {})
    from PIL import Image

    png = next(tmp_path.glob("*.png"))
    assert Image.open(png).size[0] > 500
