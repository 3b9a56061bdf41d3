"""The engineer's profile (issue 14): figures made without a browser, and what recording the
bytes autograd saves for backward (``lens(..., memory=True)``) costs over a plain capture."""

from __future__ import annotations

import time
from typing import Any

import torch
from models import build
from report import Row
from timing import interleaved, median

from lenslab import lens

SVG_TARGETS = {"resnet18 at default depth": 1.0, "swin_v2_b fully expanded": 3.0}


def _svg_seconds(history: Any, runs: int, **view: Any) -> tuple[float, float]:
    """First call (the JavaScript engine starts on the first figure of a process) and median."""
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        history.to_svg(**view)
        times.append(time.perf_counter() - start)
    return times[0], median(times[1:] or times)


def run(runs: int = 3) -> dict[str, Any]:
    out: dict[str, Any] = {}
    model, x = build("resnet18")
    with torch.no_grad():
        h = lens(model, x, save=None)
    out["resnet18 at default depth"] = _svg_seconds(h, runs + 1)
    model, x = build("swin_v2_b")
    with torch.no_grad():
        h = lens(model, x, save=None)
    out["swin_v2_b fully expanded"] = _svg_seconds(h, max(2, runs), depth=99)
    # memory=True against the same capture without it, both with autograd recording (a
    # training step's forward), interleaved rounds.
    model, x = build("resnet18")
    model.train()
    times = interleaved(
        {
            "plain": lambda: lens(model, x, save=None) and None,
            "memory": lambda: lens(model, x, save=None, memory=True) and None,
        },
        budget_s=6.0,
    )
    out["memory_ratio"] = median(times["memory"]) / median(times["plain"])
    return out


def rows(results: dict[str, Any] | None) -> list[Row]:
    if not results:
        return []
    out: list[Row] = []
    for name, target in SVG_TARGETS.items():
        first, warm = results[name]
        verdict = "met" if warm <= target else "MISSED"
        value = f"{warm * 1e3:.0f} ms (first call {first * 1e3:.0f} ms)"
        out.append(("figures", f"to_svg {name}", value, f"≤ {target * 1e3:.0f} ms", verdict))
    ratio = results["memory_ratio"]
    out.append(
        ("capture", "resnet18 (grad mode): lens(memory=True)", f"{ratio:.2f}x lens()", "", "")
    )
    return out
