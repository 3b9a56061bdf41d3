"""Regenerates tests/ts/fixtures/*.json (the TypeScript tests' wire graphs) from real captures.

    .venv/bin/python scripts/gen_fixtures.py           # rewrites the fixtures
    .venv/bin/python scripts/gen_fixtures.py --check   # exits 1 when a fixture differs

Each fixture is ``to_wire(lens(model, x))`` of a small model defined here, so the front end is
tested on what Python emits. Only what changes from run to run or machine to machine is
normalised: op times (they vary run to run) become a ramp, 10 µs × (position + 1), and file
paths are made relative (to the repository or to site-packages). ``tests/python/test_fixtures.py`` runs ``--check`` in ``make test``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch
from torch import nn
from torchvision.models.vision_transformer import EncoderBlock

from lenslab import lens, tensormath
from lenslab.export.wire import to_wire

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "ts" / "fixtures"


class ResidualBlock(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(channels, channels, 3, padding=1)
        self.relu = nn.ReLU()
        self.conv2 = nn.Conv2d(channels, channels, 3, padding=1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.conv2(self.relu(self.conv1(x))) + x


class SmallCNN(nn.Module):
    def __init__(self, block: str = "block", block_type: type[nn.Module] = ResidualBlock) -> None:
        super().__init__()
        # Batch statistics (no running buffers): the graph is the ops, buffers have their own fixture.
        norm = nn.BatchNorm2d(8, track_running_stats=False)
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 3, padding=1), norm, nn.ReLU())
        self.add_module(block, block_type(8))
        self.block_name = block
        self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(8, 10))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(getattr(self, self.block_name)(self.stem(x)))


# Names from user code are text, never HTML: the front end must show these literally.
HostileBlock = type("<b onmouseover=alert(2)>Residual</b>", (ResidualBlock,), {})
HostileCNN = type("<svg onload=alert(3)>", (SmallCNN,), {})


class LoopCell(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.ih = nn.Linear(16, 32)
        self.hh = nn.Linear(32, 32)

    def forward(self, x: torch.Tensor, h: torch.Tensor) -> torch.Tensor:
        return torch.tanh(self.ih(x) + self.hh(h))


class LoopNet(nn.Module):
    """A recurrent cell run three times, then a branch on a tensor (IF / THEN edges)."""

    def __init__(self) -> None:
        super().__init__()
        self.cell = LoopCell()
        self.act = nn.ReLU()
        self.head = nn.Linear(32, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = torch.zeros(1, 32)
        for _ in range(3):
            h = self.cell(x, h)
        y = self.act(self.head(self.act(h)))
        if y.sum() > 0:
            y = y - y.mean()
        return y


class Recurrent(nn.Module):
    """torch's LSTMCell in a loop: a module with two outputs, fed back."""

    def __init__(self) -> None:
        super().__init__()
        self.cell = nn.LSTMCell(8, 16)
        self.proj = nn.Linear(16, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h, c = torch.zeros(2, 16), torch.zeros(2, 16)
        for _ in range(4):
            h, c = self.cell(x, (h, c))
            x = torch.tanh(self.proj(h))
        return x


class KVCache:
    """A cache object like transformers' DynamicCache: tensors two levels down."""

    def __init__(self) -> None:
        self.layers: list[dict[str, torch.Tensor]] = []


class CachedDecoder(nn.Module):
    """Three blocks that each leave a key and a value in a cache returned beside the logits."""

    def __init__(self) -> None:
        super().__init__()
        self.blocks = nn.ModuleList(nn.Linear(8, 8) for _ in range(3))
        self.head = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> dict[str, Any]:
        cache = KVCache()
        for block in self.blocks:
            x = torch.relu(block(x))
            cache.layers.append({"keys": x * 2, "values": x + 1})
        return {"logits": self.head(x), "cache": cache}


class RepeatedOps(nn.Module):
    """Six rounds of the same four ops with no module around them, then a head: the loose ops
    fold into one `block ×6`."""

    def __init__(self) -> None:
        super().__init__()
        self.head = nn.Linear(8, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(6):
            x = torch.tanh(x * 0.5 + 1.0) - 0.1
        return self.head(x)


def _vit_block() -> nn.Module:
    return EncoderBlock(num_heads=2, hidden_dim=8, mlp_dim=16, dropout=0.0, attention_dropout=0.0)


Case = tuple[Callable[[], nn.Module], tuple[int, ...], dict[str, Any]]
CASES: dict[str, Case] = {
    "small_cnn": (SmallCNN, (1, 3, 32, 32), {}),
    "hostile_names": (
        lambda: HostileCNN("<img src=x onerror=alert(1)>", HostileBlock), (1, 3, 32, 32), {}
    ),
    "recurrent_loop": (LoopNet, (1, 16), {}),
    "lstm_cell_loop": (Recurrent, (2, 8), {}),
    "vit_block": (_vit_block, (1, 5, 8), {"attention_weights": True}),
    "cached_decoder": (CachedDecoder, (2, 8), {}),
    "repeated_ops": (RepeatedOps, (2, 8), {}),
}


def _relative(path: str) -> str:
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1]
    root = f"{ROOT}/"
    return path.removeprefix(root)


def _normalise(value: Any) -> Any:
    """Absolute paths become relative: what stays is what the model did."""
    if isinstance(value, dict):
        return {k: _normalise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    if isinstance(value, str) and value.startswith("/"):
        return _relative(value)
    if isinstance(value, str) and "/" in value and ":" in value:  # "path:line" sources
        path, _, line = value.rpartition(":")
        return f"{_relative(path)}:{line}" if line.isdigit() else value
    return value


def render(name: str) -> str:
    make, shape, options = CASES[name]
    torch.manual_seed(0)
    model = make().eval()
    graph = _normalise(json.loads(json.dumps(to_wire(lens(model, torch.randn(*shape), **options)))))
    for i, op in enumerate(graph["ops"]):
        op["time_s"] = round((i + 1) * 1e-5, 6)
    return _dump(graph)


def _dump(graph: dict[str, Any]) -> str:
    """One record per line, so a review diff shows which op changed."""
    parts = []
    for key, value in graph.items():
        if isinstance(value, list) and value:
            rows = ",\n".join("  " + json.dumps(item) for item in value)
            parts.append(f" {json.dumps(key)}: [\n{rows}\n ]")
        else:
            parts.append(f" {json.dumps(key)}: {json.dumps(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


STATS_BINS = 16


def _tensors() -> dict[str, torch.Tensor]:
    """float32 tensors that stress the statistics: bad values, cancellation, constants."""
    g = torch.Generator().manual_seed(0)
    normal = torch.randn(1000, generator=g)
    bad = normal[:64].clone()
    bad[[3, 10, 20]] = torch.tensor([float("nan"), float("inf"), float("-inf")])
    return {
        "normal": normal,
        "with_nan_and_inf": bad,
        "all_nan": torch.full((5,), float("nan")),
        "constant": torch.full((7,), 2.5),
        "single": torch.tensor([-3.0]),
        "large_offset": 1e4 + torch.randn(500, generator=g) * 1e-2,  # E[x²]-E[x]² would cancel
        "relu_like": torch.relu(torch.randn(300, generator=g)),  # many exact zeros
        "integers": torch.randint(-5, 6, (200,), generator=g).float(),
    }


def _number(v: float) -> float | str:
    return v if torch.isfinite(torch.tensor(v)) else str(v)  # JSON has no NaN/Inf: "nan", "inf"


def render_stats() -> str:
    """Python's statistics and histograms of the same tensors, for tests/ts/tensor-math.test.ts."""
    cases = []
    for name, t in _tensors().items():
        hist = tensormath.histogram(t, STATS_BINS)
        cases.append({
            "name": name,
            "values": [_number(v) for v in t.tolist()],
            "stats": tensormath.tensor_stats(t).as_json(),
            "histogram": {
                "bins": STATS_BINS, "counts": [int(c) for c in hist.counts.tolist()],
                "lo": hist.lo, "hi": hist.hi, "nan": hist.nan, "inf": hist.inf,
            },
        })  # fmt: skip
    return _dump({"cases": cases})


def _outputs() -> dict[str, Callable[[], str]]:
    out: dict[str, Callable[[], str]] = {name: (lambda n=name: render(n)) for name in CASES}
    out["tensor_stats"] = render_stats
    return out


def main(argv: list[str]) -> int:
    stale = []
    for name, make in _outputs().items():
        path = FIXTURES / f"{name}.json"
        text = make()
        if "--check" in argv:
            if not path.is_file() or path.read_text(encoding="utf-8") != text:
                stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
    if stale:
        print(f"stale fixtures {stale}: run scripts/gen_fixtures.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
