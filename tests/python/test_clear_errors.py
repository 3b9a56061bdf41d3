"""Mistakes and hostile input get a clear error of the right kind: the capture lock from another
thread, odd keys, bad devices, a nested ``lens(seed=...)``, garbled widget requests, and any
crafted bundle (fuzzed with hypothesis) — only ever the bundle error."""

from __future__ import annotations

import contextlib
import json
import threading
from pathlib import Path
from typing import Any

import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import lenslab
from bundle_files import refresh_hash, rewrite
from lenslab import LensError, lens
from lenslab.export.checks import BundleError
from lenslab.widget.data import DataServer
from lenslab.widget.data.messages import PROTOCOL_VERSION
from toy_models import TOYS


class Waits(nn.Module):
    """Holds its forward open until told to finish."""

    def __init__(self) -> None:
        super().__init__()
        self.inside = threading.Event()
        self.finish = threading.Event()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.inside.set()
        self.finish.wait(10)
        return x + 1


def test_a_second_thread_is_told_another_capture_runs() -> None:
    model = Waits()
    worker = threading.Thread(target=lens, args=(model, torch.zeros(2)))
    worker.start()
    try:
        assert model.inside.wait(10)
        with pytest.raises(LensError, match="second thread") as info:
            lens(nn.ReLU(), torch.zeros(2))
        assert "nested" not in str(info.value)
    finally:
        model.finish.set()
        worker.join(10)
    assert lens(nn.ReLU(), torch.zeros(2))  # free again


@pytest.mark.parametrize(
    "key", ["linear_1_1:²", "linear_1_1:" + "9" * 5000, "fc1:٣", "x" * 100_000]
)
def test_odd_keys_raise_key_error_briefly(key: str) -> None:
    h = lens(TOYS["two_layer"][0](), torch.randn(2, 4))
    with pytest.raises(KeyError) as info:
        h[key]
    assert len(str(info.value)) < 300
    assert key not in h


@pytest.mark.parametrize(
    ("device", "message"),
    [("bogus", "not a device torch knows"), ("meta", "save=None"), ("cuda:7" if torch.cuda.is_available() else "cuda", "cuda")],
)  # fmt: skip
def test_bad_devices_are_lens_errors(device: str, message: str) -> None:
    with pytest.raises(LensError, match=message):
        lens(TOYS["two_layer"][0](), torch.randn(2, 4), device=device)


def test_a_refused_nested_seeded_lens_leaves_the_rng_alone() -> None:
    seen: dict[str, Any] = {}

    class Nested(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            before = torch.random.get_rng_state()
            try:
                lens(nn.ReLU(), x, seed=123)
            except LensError as exc:
                seen["error"] = str(exc)
            seen["same"] = torch.equal(before, torch.random.get_rng_state())
            return x * 2

    lens(Nested(), torch.zeros(2))
    assert "nested" in seen["error"] and seen["same"]


def test_widget_requests_name_bad_values_briefly() -> None:
    server = DataServer(lens(TOYS["conv_block_loop"][0]().eval(), torch.randn(1, 3, 6, 6)))

    def ask(**params: Any) -> dict[str, Any]:
        reply, _ = server.handle(
            {
                "type": "lenslab:request",
                "id": 1,
                "version": PROTOCOL_VERSION,
                "method": "tiles",
                "params": params,
            }
        )
        return reply["error"]  # type: ignore[no-any-return]

    error = ask(layer=1, axes=[1, 2, 3], index=[0, 0, 0, 0], start=0, count=0, limit=[4, 4])
    assert error["code"] == "out_of_range" and "at least 1" in error["message"]
    huge = "x" * 1_000_000
    for params in (
        {"layer": huge},
        {"layer": 1, "axes": huge},
        {"layer": 1, "tensor": [huge] * 99},
    ):
        assert len(ask(**params)["message"]) < 400


# ---- crafted bundles --------------------------------------------------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


def mutate(node: Any, choices: list[int], value: Any) -> Any:
    """``node`` with one place, picked by ``choices``, replaced by ``value`` (or dropped)."""
    if not choices or not isinstance(node, (list, dict)) or not node:
        return value
    keys = list(range(len(node))) if isinstance(node, list) else list(node)
    key = keys[choices[0] % len(keys)]
    if len(choices) == 1 and isinstance(node, dict) and value is None:
        node.pop(key)
        return node
    node[key] = mutate(node[key], choices[1:], value)
    return node


def touch_everything(g: lenslab.ModelHistory) -> None:
    repr(g)
    g.summary()
    g.lookup_keys()
    for layer in g:
        for name in ("label", "short_label", "parents", "children", "module_stack", "output_of_modules",
                     "params", "param_shapes", "buffers", "source", "args_summary", "flops", "activation",
                     "grad", "bool_context", "has_input_ancestor"):  # fmt: skip
            getattr(layer, name)
        g[layer.label]


@pytest.fixture(scope="module")
def good_bundle(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    torch.manual_seed(0)
    h = lens(TOYS["conv_block_loop"][0]().eval(), torch.randn(1, 3, 6, 6))
    path = h.save(tmp_path_factory.mktemp("good") / "good")
    return path.read_bytes()


@settings(
    max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    where=st.sampled_from(["graph", "manifest"]),
    choices=st.lists(st.integers(0, 10_000), min_size=1, max_size=6),
    value=json_values,
)
def test_crafted_bundles_raise_only_the_bundle_error(
    good_bundle: bytes, tmp_path: Path, where: str, choices: list[int], value: Any
) -> None:
    path = tmp_path / "crafted.lens"
    path.write_bytes(good_bundle)

    def edit(manifest: dict[str, Any], graph: dict[str, Any]) -> None:
        mutate(graph if where == "graph" else manifest, choices, value)
        if where == "graph" and isinstance(manifest.get("graph"), dict):
            refresh_hash(manifest, graph)  # the checksum matches: only the content is wrong

    try:
        rewrite(path, edit)
    except (TypeError, ValueError):  # json cannot write it (nan keys...): nothing to load
        return
    with contextlib.suppress(BundleError):
        touch_everything(lenslab.load(path))


def test_crafted_bundle_examples(good_bundle: bytes, tmp_path: Path) -> None:
    """A few fixed crafts, for a quick failure message."""
    path = tmp_path / "c.lens"
    for edit in (
        lambda g: g["derived"].__setitem__("layer_of", [10**9] * len(g["derived"]["layer_of"])),
        lambda g: g["trace"]["calls"].__setitem__(0, [None] * 10),
        lambda g: g["derived"].__setitem__("labels", [[]] * len(g["derived"]["labels"])),
    ):
        path.write_bytes(good_bundle)

        def change(manifest: dict[str, Any], graph: dict[str, Any], edit: Any = edit) -> None:
            edit(graph)
            refresh_hash(manifest, graph)

        rewrite(path, change)
        with pytest.raises(BundleError):
            touch_everything(lenslab.load(path))
    assert json  # the module's helpers are json-based
