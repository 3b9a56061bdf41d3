"""Interleaved timing: every contender runs once per round, in a rotating order, so machine
noise (other jobs on a shared 2-core box) lands on all of them alike. Figures are medians."""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable

# A contender either runs the work and is timed here, or times itself and returns seconds
# (the TorchLens worker, which runs in another process).
Contender = Callable[[], float | None]


def timed(fn: Contender) -> float:
    gc.collect()
    start = time.perf_counter()
    reported = fn()
    elapsed = time.perf_counter() - start
    return reported if isinstance(reported, float) else elapsed


def interleaved(
    contenders: dict[str, Contender],
    budget_s: float,
    min_reps: int = 3,
    max_reps: int = 15,
    warmup: bool = True,
) -> dict[str, list[float]]:
    """Seconds per run for each contender: one warm-up round (not kept unless ``warmup`` is
    off), then rounds until ``budget_s`` is spent (at least ``min_reps``, at most ``max_reps``)."""
    names = list(contenders)
    start = time.perf_counter()
    first = {name: timed(contenders[name]) for name in names}
    one_round = time.perf_counter() - start
    reps = max(min_reps, min(max_reps, int(budget_s / max(one_round, 1e-9))))
    times: dict[str, list[float]] = {name: [] if warmup else [first[name]] for name in names}
    for rep in range(reps if warmup else reps - 1):
        shift = rep % len(names)
        for name in names[shift:] + names[:shift]:
            times[name].append(timed(contenders[name]))
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def loglog_slope(xs: list[float], ys: list[float]) -> float:
    """Least-squares slope of log(y) against log(x): 1.0 means linear growth."""
    import math

    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = statistics.fmean(lx), statistics.fmean(ly)
    num = sum((a - mx) * (b - my) for a, b in zip(lx, ly, strict=True))
    den = sum((a - mx) ** 2 for a in lx)
    return num / den
