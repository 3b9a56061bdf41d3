"""Section "folds": the three fold transforms (repeated module calls, repeated blocks of loose
ops, grouped outputs) on 10k- and 100k-op traces, and how their time grows (issue 19: linear-ish
at 100k ops). Three synthetic shapes: a loop of loose ops (one op fold of N blocks), a shared
module called N times (one fold of passes), and a deep chain of distinct modules (no fold)."""

from __future__ import annotations

import gc
import sys
import time
from typing import Any

import torch
from models import SYNTHETIC
from timing import loglog_slope, median
from torch import nn

from lenslab import lens
from lenslab.trace.record import as_capture
from lenslab.transforms.folds import find_folds, level_entries
from lenslab.transforms.op_folds import find_op_folds
from lenslab.transforms.outputs import output_groups

SIZES = (10_000, 30_000, 100_000)
TARGET_EXPONENT = 1.2  # linear-ish


class LooseOps(nn.Module):
    """``ops // 4`` rounds of four loose ops (no module around them)."""

    def __init__(self, ops: int) -> None:
        super().__init__()
        self.rounds = ops // 4

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(self.rounds):
            x = torch.tanh(x * 0.5 + 1.0) - 0.1
        return x


MODELS = {"loose-op loop": LooseOps, **SYNTHETIC}


def _all_folds(trace: Any) -> int:
    entries = level_entries(trace)
    found = find_folds(trace, entries=entries) + find_op_folds(trace, entries)  # type: ignore[operator]
    return len(found) + len(output_groups(trace))


def measure(kind: str, ops: int) -> dict[str, Any]:
    with torch.no_grad():  # metadata only (with grad, save=None on a 100k-deep chain crashes)
        trace = as_capture(lens(MODELS[kind](ops), torch.randn(1, 4), save=None)).trace
    times = []
    # The trace's objects are frozen out of the collector: a full collection rescans every live
    # object, which grows with the capture, not with what the transforms do.
    gc.collect()
    gc.freeze()
    try:
        for _ in range(5):  # the fastest run: the shared machine's load only ever adds time
            start = time.perf_counter()
            found = _all_folds(trace)
            times.append(time.perf_counter() - start)
    finally:
        gc.unfreeze()
    return {
        "ops": len(trace.ops),
        "ms": min(times) * 1e3,
        "median_ms": median(times) * 1e3,
        "folds": found,
    }


def run(sizes: tuple[int, ...] = SIZES) -> list[dict[str, Any]]:
    out = []
    for kind in MODELS:
        points = []
        for ops in sizes:
            print(f"[bench] folds: {kind}, {ops} ops", file=sys.stderr, flush=True)
            points.append(measure(kind, ops))
        slope = loglog_slope([p["ops"] for p in points], [p["ms"] for p in points])
        out.append({"model": kind, "points": points, "exponent": slope})
    return out


def rows(results: list[dict[str, Any]] | None) -> list[tuple[str, str, str, str, str]]:
    out: list[tuple[str, str, str, str, str]] = []
    for r in results or []:
        pts = r["points"]
        sizes = " / ".join(f"{p['ops'] // 1000}k" for p in pts)
        times = " / ".join(f"{p['ms']:.0f}" for p in pts)
        out.append(("folds", f"{r['model']}, {sizes} ops: fold transforms", f"{times} ms", "", ""))
        met = "met" if r["exponent"] <= TARGET_EXPONENT else "MISSED"
        target = f"≤ {TARGET_EXPONENT}"
        out.append(("folds", f"{r['model']}: exponent", f"{r['exponent']:.2f}", target, met))
    return out


if __name__ == "__main__":
    print(rows(run()))
