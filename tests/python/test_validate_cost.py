"""What validation costs on ResNet-18 (batch 1, 224x224, eval), in plain forward passes.

Interleaved repetitions, medians. Run as a script for the figure:
PYTHONPATH=python_pkg .venv/bin/python tests/python/test_validate_cost.py [reps] [--one-thread]
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
from collections.abc import Callable

import pytest
import torch
import torchvision

import lenslab
from lenslab import lens


def measure(reps: int, steps: tuple[str, ...] | None = None) -> dict[str, float]:
    """Median seconds of each step (all, or those named); one warm-up round first."""
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    x = torch.randn(1, 3, 224, 224)
    kept = lens(model, x, keep_args=True)
    runs: dict[str, Callable[[], object]] = {
        "plain forward": lambda: model(x),
        "lens(keep_args=True)": lambda: lens(model, x, keep_args=True),
        "h.validate()": kept.validate,
        "lenslab.validate()": lambda: lenslab.validate(model, x),
    }
    if steps is not None:
        runs = {key: run for key, run in runs.items() if key in steps}
    times: dict[str, list[float]] = {key: [] for key in runs}
    with torch.no_grad():
        for run in runs.values():
            run()
        for _ in range(reps):
            for key, run in runs.items():
                gc.collect()
                start = time.perf_counter()
                run()
                times[key].append(time.perf_counter() - start)
    return {key: statistics.median(values) for key, values in times.items()}


@pytest.mark.slow
def test_validating_resnet18_costs_a_few_forward_passes() -> None:
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # steadier on a shared machine
    try:
        medians = measure(reps=3, steps=("plain forward", "lenslab.validate()"))
    finally:
        torch.set_num_threads(threads)
    ratio = medians["lenslab.validate()"] / medians["plain forward"]
    assert ratio < 12, medians  # measured ~5x; generous for a shared, loaded machine


def main() -> None:
    reps = int(sys.argv[1]) if len(sys.argv) > 1 else 9
    if "--one-thread" in sys.argv:  # steadier figures on a shared machine
        torch.set_num_threads(1)
    medians = measure(reps)
    base = medians["plain forward"]
    for key, value in medians.items():
        print(f"{key:22s} {value * 1e3:8.1f} ms  {value / base:5.2f}x plain forward")


if __name__ == "__main__":
    main()
