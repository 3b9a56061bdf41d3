"""Capture overhead vs a plain forward (interleaved repetitions, medians), and metadata bytes/op.

PYTHONPATH=python_pkg .venv/bin/python bench/capture_overhead.py [model] [reps]
"""

from __future__ import annotations

import gc
import statistics
import sys
import time
import tracemalloc

import torch
import torchvision

from lenslab import lens


def main() -> None:
    name = sys.argv[1] if len(sys.argv) > 1 else "resnet18"
    reps = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    torch.manual_seed(0)
    model = getattr(torchvision.models, name)(weights=None).eval()
    x = torch.randn(1, 3, 224, 224)

    def plain() -> None:
        model(x)

    def full() -> None:
        lens(model, x)

    def meta() -> None:
        lens(model, x, save=None)

    runs = {"plain": plain, "lens(save='all')": full, "lens(save=None)": meta}
    times: dict[str, list[float]] = {k: [] for k in runs}
    for fn in runs.values():
        fn()
    for _ in range(reps):
        for key, fn in runs.items():
            gc.collect()
            start = time.perf_counter()
            fn()
            times[key].append(time.perf_counter() - start)
    base = statistics.median(times["plain"])
    for key, values in times.items():
        med = statistics.median(values)
        print(f"{key:18s} {med * 1e3:8.2f} ms  ratio {med / base:5.2f}")

    # Metadata bytes per op: activations are not saved (save=None), so what tracemalloc sees
    # still allocated is the history's own Python metadata.
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    history = lens(model, x, save=None)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    print(
        f"metadata {(after - before) / len(history):.0f} bytes/op over {len(history)} layer passes"
    )


if __name__ == "__main__":
    with torch.no_grad() if "--no-grad" in sys.argv else torch.enable_grad():
        main()
