"""Section 2: how capture + postprocessing (one ``lens`` call) grows with the number of ops, on
synthetic models of 1k, 10k and 100k ops (tiny tensors, so the per-op bookkeeping dominates)."""

from __future__ import annotations

import sys
from typing import Any

import torch
from models import SYNTHETIC
from timing import interleaved, loglog_slope, median

from lenslab import lens

SIZES = (1_000, 10_000, 100_000)


def measure(kind: str, ops: int, budget_s: float) -> dict[str, Any]:
    model = SYNTHETIC[kind](ops)
    x = torch.randn(1, 4)
    recorded: dict[str, int] = {}

    def capture() -> None:
        recorded["ops"] = len(lens(model, x, save="all"))

    # The largest size is timed without a warm-up round: the smaller ones warmed every path.
    large = ops >= 100_000
    times = interleaved(
        {"plain": lambda: model(x), "lens": capture},
        budget_s,
        min_reps=1 if large else 3,
        warmup=not large,
    )
    full = median(times["lens"])
    return {
        "ops": recorded["ops"],
        "reps": len(times["lens"]),
        "plain_ms": median(times["plain"]) * 1e3,
        "lens_ms": full * 1e3,
        "us_per_op": full / recorded["ops"] * 1e6,
    }


def run(budget_s: float, sizes: tuple[int, ...] = SIZES) -> list[dict[str, Any]]:
    rows = []
    for kind in SYNTHETIC:
        points = []
        for ops in sizes:
            print(f"[bench] scaling: {kind}, {ops} ops", file=sys.stderr, flush=True)
            points.append(measure(kind, ops, budget_s))
        slope = loglog_slope([p["ops"] for p in points], [p["lens_ms"] for p in points])
        rows.append({"model": kind, "points": points, "exponent": slope})
    return rows
