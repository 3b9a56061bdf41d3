"""Capture cost: ResNet-18 vs a plain forward, metadata bytes/op, and scaling in op count.

    PYTHONPATH=python_pkg .venv/bin/python tests/python/bench_capture_overhead.py [reps]

Repetitions are interleaved and medians reported, so a busy machine slows both sides alike.
"Python overhead" is lens wall time minus the ops' own recorded wall time: the part that is
lenslab's bookkeeping, which machine load inflates least.
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import torch
import torchvision
from torch import nn

from lenslab import lens


def interleaved(
    runs: dict[str, Callable[[], Any]], reps: int
) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """Wall and CPU seconds per run. CPU time suffers less when other jobs share the cores."""
    wall: dict[str, list[float]] = {k: [] for k in runs}
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    for fn in runs.values():
        fn()
    keys = list(runs)
    for rep in range(reps):
        # Rotate the order: a run right after one that freed a large history pays for fresh
        # pages, and that should not always be the same variant.
        for key in keys[rep % len(keys) :] + keys[: rep % len(keys)]:
            fn = runs[key]
            gc.collect()
            start, start_cpu = time.perf_counter(), time.process_time()
            result = fn()
            wall[key].append(time.perf_counter() - start)
            cpu[key].append(time.process_time() - start_cpu)
            del result
    return wall, cpu


def resnet18(reps: int) -> None:
    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    x = torch.randn(1, 3, 224, 224)
    own: dict[str, list[float]] = {"lens(save='all')": [], "lens(save=None)": []}

    def capture(key: str, **options: Any) -> Callable[[], Any]:
        def run() -> Any:
            start = time.perf_counter()
            h = lens(model, x, **options)
            own[key].append(time.perf_counter() - start - sum(layer.time_s for layer in h))
            return h

        return run

    runs = {
        "plain": lambda: model(x),
        "lens(save='all')": capture("lens(save='all')"),
        "lens(save=None)": capture("lens(save=None)"),
    }
    times, cpu = interleaved(runs, reps)
    base = statistics.median(times["plain"])
    base_cpu = statistics.median(cpu["plain"])
    n = len(lens(model, x, save=None))
    threads = torch.get_num_threads()
    print(f"ResNet-18, batch 1, 224x224, eval, grad mode on, {threads} threads; {n} passes")
    for key, values in times.items():
        med = statistics.median(values)
        med_cpu = statistics.median(cpu[key])
        line = f"  {key:18s} wall {med * 1e3:8.2f} ms  ratio {med / base:5.2f}"
        line += f"  cpu {med_cpu * 1e3:8.2f} ms  ratio {med_cpu / base_cpu:5.2f}"
        if key in own:
            extra = statistics.median(own[key])
            line += f"  python overhead {extra * 1e3:6.2f} ms ({extra / n * 1e6:.0f} us/op)"
        print(line)
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    history = lens(model, x, save=None)  # activations not kept: what remains is metadata
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(f"  metadata {(after - before) / len(history):.0f} bytes/op")


class Chain(nn.Module):
    """A recurrent cell plus parameter-free ops: 4 ops per step."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)
        self.steps = steps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(self.steps):
            x = torch.tanh(self.fc(x) * 0.5) + x
        return x


def scaling() -> None:
    print("scaling (save=None): capture + postprocessing per op")
    for ops in (1_000, 10_000, 100_000):
        model = Chain(ops // 4)
        x = torch.randn(4)
        start = time.perf_counter()
        h = lens(model, x, save=None)
        total = time.perf_counter() - start
        print(f"  {len(h):7d} passes  {total:7.2f} s  {total / len(h) * 1e6:6.1f} us/op")


if __name__ == "__main__":
    if "--one-thread" in sys.argv:
        torch.set_num_threads(1)
        sys.argv.remove("--one-thread")
    resnet18(int(sys.argv[1]) if len(sys.argv) > 1 else 15)
    scaling()
