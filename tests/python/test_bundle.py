"""Bundles: save -> load gives back every key, attribute and tensor; bad files say what is wrong."""

from __future__ import annotations

import json
import pickle
import struct
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import torch
import torchvision
from torch import nn

import lenslab
from bundle_files import refresh_hash, rewrite
from lenslab import LensError, ModelHistory, lens
from lenslab.export.bundle import MANIFEST_KEY
from lenslab.widget.data import DataServer
from toy_models import TOYS

ATTRIBUTES = (
    "label", "layer_label", "short_label", "type", "func_name", "role", "pass_index", "num_passes",
    "shape", "dtype", "device", "parents", "parent_args", "children", "has_input_ancestor",
    "module", "module_stack", "output_of_modules", "is_input", "is_output", "is_buffer",
    "address", "params", "param_shapes", "params_trainable", "buffers", "num_params", "mutates",
    "time_s", "flops", "source", "args_summary", "is_terminal_bool", "bool_value",
)  # fmt: skip


def assert_same_history(h: ModelHistory, g: ModelHistory) -> None:
    assert len(g) == len(h) and repr(g) == repr(h)
    assert g.lookup_keys() == h.lookup_keys()
    for key in h.lookup_keys():
        assert g[key].index == h[key].index, key
    for a, b in zip(h, g, strict=True):
        for name in ATTRIBUTES:
            assert getattr(b, name) == getattr(a, name), (a.label, name)
        for x, y in ((a.activation, b.activation), (a.grad, b.grad)):
            if isinstance(x, torch.Tensor):
                torch.testing.assert_close(y, x.detach(), rtol=0, atol=0, equal_nan=True)
            else:
                assert y is None
    assert g.summary() == h.summary()
    assert g.modules.keys() == h.modules.keys()
    assert g.branch_edges == h.branch_edges
    assert g.to_pandas().equals(h.to_pandas())


def round_trip(h: ModelHistory, tmp_path: Path) -> ModelHistory:
    path = h.save(tmp_path / "capture")
    assert path.name == "capture.lens" and path.is_file()
    return lenslab.load(path)


@pytest.mark.parametrize("name", list(TOYS))
def test_toy_zoo_round_trip(name: str, tmp_path: Path) -> None:
    build, make_input = TOYS[name]
    torch.manual_seed(0)
    h = lens(build(), make_input())
    assert_same_history(h, round_trip(h, tmp_path))


def test_torchvision_round_trip_and_validation(tmp_path: Path) -> None:
    torch.manual_seed(0)
    model = torchvision.models.mobilenet_v2(weights=None).eval()
    h = lens(model, torch.randn(1, 3, 64, 64), keep_args=True)
    g = round_trip(h, tmp_path)
    assert_same_history(h, g)
    report = g.validate()
    assert not report.failures, report.failures  # the graph checks run; replay needs the model


def test_grads_postfunc_and_save_none_round_trip(tmp_path: Path) -> None:
    model = TOYS["two_layer"][0]()
    h = lens(model, torch.randn(2, 4), grads=True)
    h.outputs[0].activation.sum().backward()
    assert h["fc1"].grad is not None
    assert_same_history(h, round_trip(h, tmp_path / "grads"))
    h2 = lens(model, torch.randn(2, 4), postfunc=lambda t: t.mean(dim=0))
    g2 = round_trip(h2, tmp_path / "postfunc")
    assert_same_history(h2, g2)
    assert "postfunc" in str(g2.validate().checks["replay"].skipped_reason)
    h3 = lens(model, torch.randn(2, 4), save=None)
    assert_same_history(h3, round_trip(h3, tmp_path / "none"))


def test_tensors_load_lazily_and_data_requests_work(tmp_path: Path) -> None:
    h = lens(TOYS["conv_block_loop"][0]().eval(), torch.randn(1, 3, 6, 6))
    g = round_trip(h, tmp_path)
    store = g.capture.trace.store
    unread = sum(1 for i in range(len(g)) if list.__getitem__(store.values, i) is not None)
    assert unread > 0 and all(
        not isinstance(list.__getitem__(store.values, i), torch.Tensor) for i in range(len(g))
    )
    reply, _buffers = DataServer(g).handle(
        {"type": "lenslab:request", "version": 2, "id": 1, "method": "stats", "params": {"layer": 1}}
    )
    assert "result" in reply and reply["result"]["numel"] == h[1].activation.numel()
    assert isinstance(list.__getitem__(store.values, 1), torch.Tensor)


def test_save_replaces_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    h = lens(TOYS["two_layer"][0](), torch.randn(2, 4))
    path = h.save(tmp_path / "a.lens")
    good = path.read_bytes()
    from lenslab.export import tensorfile

    def crash(*_: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(tensorfile, "tensor_bytes", crash)
    with pytest.raises(OSError):
        h.save(path)
    assert path.read_bytes() == good
    assert [p.name for p in tmp_path.iterdir()] == ["a.lens"]  # no temporary left behind


# ---- bad bundles ----------------------------------------------------------------------------


@pytest.fixture
def saved(tmp_path: Path) -> Path:
    return lens(TOYS["two_layer"][0](), torch.randn(2, 4)).save(tmp_path / "good.lens")


def test_truncated_bundle(saved: Path) -> None:
    data = saved.read_bytes()
    for cut in (4, 100, len(data) - 3):
        saved.write_bytes(data[:cut])
        with pytest.raises(LensError, match="truncated"):
            lenslab.load(saved)


def test_tampered_tensor_fails_on_read(saved: Path) -> None:
    data = bytearray(saved.read_bytes())
    data[-2] ^= 0xFF
    saved.write_bytes(bytes(data))
    g = lenslab.load(saved)  # the header is intact: tensors are checked when read
    with pytest.raises(LensError, match="sha256"):
        [layer.activation for layer in g]


def test_tampered_graph_fails_its_hash(saved: Path) -> None:
    rewrite(saved, lambda m, g: g["trace"].update(model_type="<script>alert(1)</script>"))
    with pytest.raises(LensError, match="sha256"):
        lenslab.load(saved)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda g: g["trace"]["ops"][1].__setitem__(0, "op"), r"ops\[1\]\[0\]\] should be|ops\[1\].* integer"),
        (lambda g: g["trace"]["ops"][2].__setitem__(3, [7]), "parents"),
        (lambda g: g["trace"].pop("calls"), "no field 'calls'"),
        (lambda g: g["trace"]["ops"][1].__setitem__(8, "os.system"), "dtype"),
        (lambda g: g["tensors"].__setitem__("1", {"activation": "../../etc/passwd"}), "names of tensors"),
        (lambda g: g["derived"].__setitem__("labels", ["x"]), "one entry per op"),
    ],
)  # fmt: skip
def test_wrong_types_are_named(saved: Path, edit: Callable[[Any], None], message: str) -> None:
    def change(manifest: dict[str, Any], graph: dict[str, Any]) -> None:
        edit(graph)
        refresh_hash(manifest, graph)

    rewrite(saved, change)
    with pytest.raises(LensError, match=message):
        lenslab.load(saved)


def test_bad_json_and_versions(saved: Path) -> None:
    good = saved.read_bytes()
    rewrite(saved, lambda m, g: m.update(bundle_version=99, lenslab_version="9.0"))
    with pytest.raises(LensError, match="newer lenslab"):
        lenslab.load(saved)
    saved.write_bytes(good)
    (size,) = struct.unpack("<Q", good[:8])
    header = json.loads(good[8 : 8 + size])
    header["__metadata__"][MANIFEST_KEY] = '{"format": "lenslab", '  # cut short
    text = json.dumps(header).encode()
    text += b" " * (-len(text) % 8)
    saved.write_bytes(struct.pack("<Q", len(text)) + text + good[8 + size :])
    with pytest.raises(LensError, match="not valid JSON"):
        lenslab.load(saved)


def test_not_a_bundle_and_directories(tmp_path: Path) -> None:
    (tmp_path / "dir.lens").mkdir()
    with pytest.raises(LensError, match="directory"):
        lenslab.load(tmp_path / "dir.lens")
    with pytest.raises(LensError, match="does not exist"):
        lenslab.load(tmp_path / "missing.lens")
    (tmp_path / "x.lens").write_bytes(b"\x00" * 64)
    with pytest.raises(LensError):
        lenslab.load(tmp_path / "x.lens")


def test_a_planted_pickle_is_never_loaded(saved: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    class Boom:
        def __reduce__(self) -> tuple[Any, ...]:
            return (exec, ("raise SystemExit('pickle ran')",))

    planted = pickle.dumps(Boom())

    def forbidden(*_: Any, **__: Any) -> Any:
        raise AssertionError("lenslab.load unpickled something")

    for name in ("load", "loads", "Unpickler"):
        monkeypatch.setattr(pickle, name, forbidden)
    monkeypatch.setattr(torch, "load", forbidden)
    (saved.parent / "tensors.pkl").write_bytes(planted)  # next to the bundle: never opened
    g = lenslab.load(saved)
    assert all(isinstance(layer.activation, torch.Tensor) for layer in g)
    data = saved.read_bytes()  # pickle bytes over the tensor data: refused by its sha256
    saved.write_bytes(data[: len(data) - len(planted)] + planted)
    with pytest.raises(LensError, match="sha256"):
        [layer.activation for layer in lenslab.load(saved)]


def test_repr_arguments_stay_text(tmp_path: Path) -> None:
    class Odd(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.nn.functional.pad(x, (1, 1), value=float("inf")).clamp(max=1e9)

    h = lens(Odd(), torch.randn(3))
    g = round_trip(h, tmp_path)
    assert [a.args_summary for a in g] == [a.args_summary for a in h]


# ---- standalone HTML and the kept notebook view ----------------------------------------------

ODD = "x</script><img src=x onerror=alert(1)>"


class OddName(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.add_module(ODD, nn.ReLU())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return getattr(self, ODD)(x) * 2


def test_to_html_embeds_names_as_data_only(tmp_path: Path) -> None:
    from lenslab.export.html import STATIC, embedded_data

    if not (STATIC / "standalone.js").is_file():
        pytest.skip("front end not built")
    h = lens(OddName(), torch.randn(2, 3))
    page = h.to_html(tmp_path / "page", budget_mb=1).read_text()
    assert "<img" not in page and ODD not in page
    data = embedded_data(page)  # the graph travels zlib-compressed: the name is not in the text
    start = page.index("\nmul_1_2:1\t") + len("\nmul_1_2:1\t")
    tensor = json.loads(page[start : page.index("\n", start)])
    assert any(m["address"] == ODD for m in data["graph"]["modules"])
    assert tensor["stats"]["numel"] == 6
    assert "preview" in tensor
    tight = h.to_html(tmp_path / "tight.html", budget_mb=0).read_text()
    assert '"preview"' not in tight


def test_kept_view_bundle_is_one_svg_snapshot_and_text() -> None:
    from lenslab.export.figure import HEADLESS_JS
    from lenslab.export.notebook import HTML_MIME, KEPT_CLASS, kept_view_bundle, snapshot_svg

    if not HEADLESS_JS.is_file():
        pytest.skip("front end not built")
    bundle = kept_view_bundle(lens(OddName(), torch.randn(2, 3)))
    assert set(bundle) == {HTML_MIME, "text/plain"}  # the graph is saved once, as the drawing
    # One <img> of the SVG (what JupyterLab's sanitizer keeps in an untrusted notebook).
    html = bundle[HTML_MIME]
    assert html.startswith(f'<img class="{KEPT_CLASS}" ') and html.count("<") == 1
    assert 'src="data:image/svg+xml;base64,' in html
    svg = snapshot_svg(bundle)
    # Starts with the marked tag, so hosts that base64-encode it can still tell it is ours.
    assert svg.startswith(f'<svg class="{KEPT_CLASS}" xmlns="http://www.w3.org/2000/svg"')
    assert "<script" not in svg
