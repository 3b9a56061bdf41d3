"""Section 3: memory.

- Metadata per op: Python allocations still alive after ``lens(save=None)`` returns, as
  tracemalloc sees them, divided by ``len(history)``. No activation is kept with save=None, and
  tensor storage is not a Python allocation, so this is the history's own bookkeeping.
- Peak of a full capture relative to a plain forward: the process's resident-set high-water
  mark (VmHWM, reset through /proc/self/clear_refs before each run, after malloc_trim) above
  the resident set just before the run. This counts tensor storage, which tracemalloc cannot
  see. Interleaved, medians.
"""

from __future__ import annotations

import ctypes
import gc
import sys
import tracemalloc
from collections.abc import Callable
from typing import Any

from models import build, call
from timing import median

from lenslab import lens

_libc = ctypes.CDLL("libc.so.6")


def metadata_bytes_per_op(model: Any, inputs: Any) -> tuple[float, int]:
    lens(model, inputs, save=None)  # warm caches (source lines, function names) first
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        history = lens(model, inputs, save=None)
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    return (after - before) / len(history), len(history)


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def peak_rss_bytes(fn: Callable[[], Any]) -> int:
    """Resident-set growth at the peak of ``fn()``, the result kept alive until measured."""
    gc.collect()
    _libc.malloc_trim(0)
    with open("/proc/self/clear_refs", "w") as clear:
        clear.write("5")  # reset VmHWM to the current resident set
    base = _status_kb("VmRSS")
    result = fn()
    peak = _status_kb("VmHWM")
    del result
    return (peak - base) * 1024


def measure(name: str, reps: int) -> dict[str, Any]:
    model, inputs = build(name)
    per_op, ops = metadata_bytes_per_op(model, inputs)
    peaks: dict[str, list[int]] = {"plain": [], "lens": []}
    for _ in range(reps):
        peaks["plain"].append(peak_rss_bytes(lambda: call(model, inputs)))
        peaks["lens"].append(peak_rss_bytes(lambda: lens(model, inputs, save="all")))
    plain, full = median(peaks["plain"]), median(peaks["lens"])
    return {
        "model": name,
        "ops": ops,
        "metadata_bytes_per_op": per_op,
        "plain_peak_mb": plain / 2**20,
        "lens_peak_mb": full / 2**20,
        "peak_ratio": full / plain if plain > 0 else None,
    }


def run(models: tuple[str, ...] = ("resnet18", "gpt2"), reps: int = 3) -> list[dict[str, Any]]:
    rows = []
    for name in models:
        print(f"[bench] memory: {name}", file=sys.stderr, flush=True)
        rows.append(measure(name, reps))
    return rows
