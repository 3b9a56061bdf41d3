"""The widget's data channel, kernel side: values equal torch's, bad input gets error replies,
and no message, however garbled, raises."""

from __future__ import annotations

import math
import random
from typing import Any

import pytest
import torch
import torch.nn.functional as F
from torch import nn

from lenslab import lens
from lenslab.tensormath import histogram, slice_view, tensor_stats, tiles_view
from lenslab.widget import LensWidget
from lenslab.widget.data import PROTOCOL_VERSION, DataServer

CONV = "conv2d_1_1:1"


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 8, 3, padding=1)
        self.head = nn.Linear(8 * 20 * 30, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.conv(x)).flatten(1))


@pytest.fixture(scope="module")
def history() -> Any:
    torch.manual_seed(0)
    return lens(Net(), torch.randn(2, 3, 20, 30), grads=True)


@pytest.fixture(scope="module")
def server(history: Any) -> DataServer:
    return DataServer(history)


def ask(
    server: DataServer, method: str, rid: int = 1, **params: Any
) -> tuple[dict[str, Any], list[bytes]]:
    return server.handle({"type": "lenslab:request", "version": 2, "id": rid, "method": method, "params": params})


def array_of(reply: dict[str, Any], buffers: list[bytes]) -> torch.Tensor:
    header = reply["array"]
    assert len(buffers) == 1
    dtype = torch.float32 if header["dtype"] == "float32" else torch.uint8
    return torch.frombuffer(bytearray(buffers[0]), dtype=dtype).reshape(header["shape"])


def test_stats_equal_torch(history: Any, server: DataServer) -> None:
    reply, buffers = ask(server, "stats", rid=41, layer=CONV)
    assert reply["id"] == 41 and "error" not in reply and buffers == []
    r = reply["result"]
    t = history[CONV].activation
    assert r["shape"] == [2, 8, 20, 30] and r["dtype"] == "float32" and r["numel"] == t.numel()
    assert r["mean"] == pytest.approx(t.mean().item(), rel=1e-5, abs=1e-7)
    assert r["std"] == pytest.approx(t.std().item(), rel=1e-5)
    assert r["min"] == t.min().item() and r["max"] == t.max().item()
    assert r["zeros"] == int((t == 0).sum()) and r["nan"] == 0 and r["inf"] == 0


def test_stats_skip_and_count_nan_and_inf() -> None:
    x = torch.randn(700_001) * 3 + 50
    x[[3, 500_000]] = float("nan")
    x[9] = float("inf")
    x[11] = -float("inf")
    x[13] = 0.0
    s = tensor_stats(x)
    finite = x[torch.isfinite(x)]
    assert (s.nan, s.inf, s.zeros, s.numel) == (2, 2, 1, x.numel())
    assert s.mean == pytest.approx(finite.double().mean().item(), rel=1e-6)
    assert s.std == pytest.approx(finite.double().std().item(), rel=1e-5)
    assert (s.min, s.max) == (finite.min().item(), finite.max().item())


def test_stats_of_odd_tensors() -> None:
    assert tensor_stats(torch.tensor([])).mean is None
    one = tensor_stats(torch.tensor(2.5))
    assert (one.mean, one.std, one.min) == (2.5, None, 2.5)
    ints = tensor_stats(torch.arange(10))
    assert ints.mean == 4.5 and ints.zeros == 1
    assert tensor_stats(torch.tensor([True, False, True])).mean == pytest.approx(2 / 3)
    half = torch.randn(64, 64).half()
    assert tensor_stats(half).mean == pytest.approx(half.float().mean().item(), rel=1e-3, abs=1e-4)
    nothing = tensor_stats(torch.full((4,), float("nan")))
    assert nothing.nan == 4 and nothing.mean is None and nothing.as_json()["mean"] is None


def test_histogram_bins_equal_torch_histc(history: Any, server: DataServer) -> None:
    reply, buffers = ask(server, "histogram", layer=CONV, bins=32)
    t = history[CONV].activation
    counts = array_of(reply, buffers)
    lo, hi = t.min().item(), t.max().item()
    assert (reply["result"]["lo"], reply["result"]["hi"]) == (lo, hi)
    assert torch.equal(counts, torch.histc(t, 32, lo, hi))
    assert counts.sum().item() == t.numel()


def test_histogram_excludes_and_counts_non_finite() -> None:
    x = torch.tensor([1.0, 2.0, float("nan"), float("inf"), 3.0])
    h = histogram(x, 2)
    assert (h.nan, h.inf, h.lo, h.hi) == (1, 1, 1.0, 3.0)
    assert h.counts.tolist() == [1.0, 2.0]
    assert histogram(torch.full((3,), 7.0), 4).counts.tolist() == [3.0, 0.0, 0.0, 0.0]


def test_slice_is_the_selected_plane(history: Any, server: DataServer) -> None:
    reply, buffers = ask(
        server, "slice", layer=CONV, axes=[2, 3], index=[1, 5, 0, 0], limit=[512, 512]
    )
    t = history[CONV].activation
    assert torch.equal(array_of(reply, buffers), t[1, 5])
    assert reply["result"]["step"] == [1, 1] and reply["result"]["source_shape"] == [20, 30]
    # axes in the other order: the transpose
    reply, buffers = ask(
        server, "slice", layer=CONV, axes=[3, 1], index=[0, 0, 4, 0], limit=[64, 64]
    )
    assert torch.equal(array_of(reply, buffers), t[0, :, 4, :].T)


def test_slice_downsamples_by_block_mean() -> None:
    x = torch.randn(1000, 700)
    s = slice_view(x, [0, 1], [0, 0], [512, 512])
    assert tuple(s.values.shape) == (500, 350) and s.step == (2, 2)
    assert torch.allclose(s.values, F.avg_pool2d(x[None, None], 2)[0, 0], atol=1e-6)
    odd = slice_view(torch.arange(10.0).reshape(1, 10), [0, 1], [0, 0], [1, 4])
    assert odd.step == (1, 3) and odd.values.tolist() == [
        [1.0, 4.0, 7.0, 9.0]
    ]  # last block: 1 element
    line = slice_view(torch.arange(9000.0), [0], [0], [4096])
    assert line.step == (3,) and line.values[0].item() == 1.0 and line.values.numel() == 3000


def test_tiles_are_channels_downsampled() -> None:
    x = torch.randn(2, 16, 40, 40)
    s = tiles_view(x, [1, 2, 3], [1, 0, 0, 0], 4, 8, [20, 20])
    assert tuple(s.values.shape) == (8, 20, 20)
    assert torch.allclose(s.values, F.avg_pool2d(x[1, 4:12], 2), atol=1e-6)


def test_uint8_encoding_marks_non_finite(server: DataServer, history: Any) -> None:
    reply, buffers = ask(
        server,
        "slice",
        layer=CONV,
        axes=[2, 3],
        index=[0, 0, 0, 0],
        limit=[20, 30],
        encoding="uint8",
    )
    codes = array_of(reply, buffers).float()
    header = reply["array"]
    decoded = header["offset"] + codes * header["step"]
    assert torch.allclose(decoded, history[CONV].activation[0, 0], atol=header["step"])


def test_gradients_after_backward(history: Any, server: DataServer) -> None:
    widget = LensWidget(history)
    before = widget.grads_version
    reply, _ = ask(server, "stats", layer=CONV, tensor="gradient")
    assert before == 0, "no test before this one runs a backward pass"
    assert reply["error"]["code"] == "no_grad" and "backward" in reply["error"]["message"]
    history.outputs[0].activation.sum().backward()
    assert widget.grads_version == before + 1, "the widget hears about the backward pass"
    reply, _ = ask(server, "stats", layer=CONV, tensor="gradient")
    grad = history[CONV].grad
    assert reply["result"]["mean"] == pytest.approx(grad.mean().item(), rel=1e-4, abs=1e-9)
    reply, buffers = ask(server, "grad_norms")
    norms = array_of(reply, buffers)
    assert norms.shape == (len(history),) and math.isnan(norms[0].item())
    assert norms[history[CONV].index].item() == pytest.approx(grad.norm().item(), rel=1e-5)


def test_all_stats_has_a_row_per_pass(history: Any, server: DataServer) -> None:
    reply, buffers = ask(server, "all_stats")
    rows = array_of(reply, buffers)
    assert rows.shape == (len(history), 8)
    assert rows[history[CONV].index, 4].item() == history[CONV].activation.max().item()


def test_widget_answers_custom_messages(history: Any) -> None:
    widget = LensWidget(history)
    sent: list[tuple[Any, Any]] = []
    widget.send = lambda content, buffers=None: sent.append((content, buffers))  # type: ignore[method-assign]
    widget._on_data_request(
        widget,
        {"type": "lenslab:request", "version": 2, "id": 9, "method": "stats", "params": {"layer": CONV}},
        [],
    )
    assert sent[0][0]["id"] == 9 and sent[0][0]["result"]["layer"] == CONV


BAD: list[tuple[str, dict[str, Any], str]] = [
    ("stats", {"layer": "nope_9_9"}, "unknown_layer"),
    ("stats", {"layer": 10_000}, "unknown_layer"),
    ("stats", {"layer": None}, "bad_message"),
    ("stats", {"layer": CONV, "tensor": "weights"}, "bad_message"),
    (
        "slice",
        {"layer": CONV, "axes": [2, 3], "index": [5, 0, 0, 0], "limit": [8, 8]},
        "out_of_range",
    ),
    (
        "slice",
        {"layer": CONV, "axes": [2, 9], "index": [0, 0, 0, 0], "limit": [8, 8]},
        "out_of_range",
    ),
    (
        "slice",
        {"layer": CONV, "axes": [2, 2], "index": [0, 0, 0, 0], "limit": [8, 8]},
        "out_of_range",
    ),
    ("slice", {"layer": CONV, "axes": [2, 3], "index": [0, 0], "limit": [8, 8]}, "out_of_range"),
    (
        "slice",
        {"layer": CONV, "axes": [2, 3], "index": [0, 0, 0, 0], "limit": [4096, 4096]},
        "too_large",
    ),
    (
        "slice",
        {
            "layer": CONV,
            "axes": [2, 3],
            "index": [0, 0, 0, 0],
            "limit": [8, 8],
            "encoding": "float64",
        },
        "bad_dtype",
    ),
    (
        "slice",
        {"layer": CONV, "axes": "2,3", "index": [0, 0, 0, 0], "limit": [8, 8]},
        "bad_message",
    ),
    (
        "tiles",
        {"layer": CONV, "axes": [1, 2, 3], "index": [0, 0, 0, 0], "count": 8, "limit": [512, 512]},
        "too_large",
    ),
    (
        "tiles",
        {
            "layer": CONV,
            "axes": [1, 2, 3],
            "index": [0, 0, 0, 0],
            "start": 8,
            "count": 1,
            "limit": [8, 8],
        },
        "out_of_range",
    ),
    ("histogram", {"layer": CONV, "bins": 0}, "out_of_range"),
    ("histogram", {"layer": CONV, "bins": "many"}, "bad_message"),
]


@pytest.mark.parametrize(("method", "params", "code"), BAD)
def test_bad_requests_get_error_replies(
    server: DataServer, method: str, params: dict[str, Any], code: str
) -> None:
    reply, buffers = ask(server, method, rid=77, **params)
    assert reply["id"] == 77 and buffers == []
    assert reply["error"]["code"] == code, reply
    assert reply["error"]["message"]


def test_unsaved_layers_say_how_to_save_them() -> None:
    h = lens(Net(), torch.randn(1, 3, 20, 30), save=None)
    reply, _ = ask(DataServer(h), "stats", layer=CONV)
    assert reply["error"]["code"] == "not_saved" and "save=" in reply["error"]["message"]
    reply, _ = ask(DataServer(h), "stats", layer=CONV, tensor="gradient")
    assert reply["error"]["code"] == "no_grad" and "grads=True" in reply["error"]["message"]


@pytest.mark.parametrize(
    "content",
    [
        None,
        3,
        "x",
        [],
        {},
        {"type": "lenslab:request"},
        {"type": "other", "id": 1},
        {"type": "lenslab:request", "version": 2, "id": True, "method": "stats"},
        {"type": "lenslab:request", "version": 2, "id": 1, "method": "rm -rf"},
        {"type": "lenslab:request", "version": 2, "id": 1, "method": "stats", "params": []},
    ],
)
def test_garbled_messages_get_error_replies(server: DataServer, content: Any) -> None:
    reply, _ = server.handle(content)
    assert reply["type"] == "lenslab:reply" and reply["error"]["code"] == "bad_message"


@pytest.mark.parametrize("version", [None, 1, 3, "2"])
def test_another_protocol_version_gets_a_clear_error(server: DataServer, version: Any) -> None:
    content = {"type": "lenslab:request", "id": 5, "method": "stats", "params": {"layer": CONV}}
    if version is not None:
        content["version"] = version
    reply, buffers = server.handle(content)
    assert reply["id"] == 5 and reply["version"] == PROTOCOL_VERSION and buffers == []
    assert reply["error"]["code"] == "version_mismatch"
    message = reply["error"]["message"]
    assert f"kernel speaks version {PROTOCOL_VERSION}" in message
    assert "pip install -U lenslab" in message and "reload the page" in message


def test_replies_carry_the_protocol_version(server: DataServer) -> None:
    reply, _ = ask(server, "stats", layer=CONV)
    assert reply["version"] == PROTOCOL_VERSION and "result" in reply


def _random_value(rng: random.Random, depth: int = 0) -> Any:
    choices: list[Any] = [
        None,
        True,
        -1,
        0,
        3,
        2**70,
        1.5,
        float("nan"),
        "",
        CONV,
        "conv",
        "\x00",
        [0, 1],
        [2, 3],
    ]
    if depth < 2:
        choices += [
            [_random_value(rng, depth + 1) for _ in range(rng.randrange(5))],
            {str(rng.randrange(3)): _random_value(rng, depth + 1)},
        ]
    return rng.choice(choices)


def test_fuzzed_messages_never_raise(server: DataServer) -> None:
    rng = random.Random(6)
    keys = ["layer", "tensor", "axes", "index", "limit", "bins", "start", "count", "encoding"]
    methods = ["stats", "histogram", "slice", "tiles", "grad_norms", "all_stats", "x", None]
    for i in range(3000):
        params = {k: _random_value(rng) for k in rng.sample(keys, rng.randrange(len(keys)))}
        if rng.random() < 0.5:
            params.update(
                layer=CONV,
                axes=[rng.randrange(-1, 5) for _ in range(rng.randrange(4))],
                index=[rng.randrange(-2, 30) for _ in range(rng.randrange(6))],
                limit=[rng.randrange(-1, 600) for _ in range(rng.randrange(4))],
            )
        content: Any = {
            "type": "lenslab:request",
            "version": 2,
            "id": i,
            "method": rng.choice(methods),
            "params": params,
        }
        if rng.random() < 0.1:
            content = _random_value(rng)
        reply, buffers = server.handle(content)
        assert reply["type"] == "lenslab:reply"
        assert ("error" in reply) != ("result" in reply)
        if "error" in reply:
            assert reply["error"]["code"] != "internal", (content, reply)
        assert all(isinstance(b, bytes) for b in buffers)
