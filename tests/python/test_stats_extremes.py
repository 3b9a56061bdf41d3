"""Statistics and histograms stay right at float32's extremes (computed in float64), and those
of int8 and bool tensors allocate at most 1.5x the tensor (chunked, not one float64 copy)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import torch

from lenslab.tensormath import histogram, tensor_stats

BIG = 3.4e38


def test_stats_at_float32_extremes() -> None:
    s = tensor_stats(torch.tensor([BIG, -BIG, 1.0]))
    assert s.min == pytest.approx(-BIG, rel=1e-6) and s.max == pytest.approx(BIG, rel=1e-6)
    assert s.mean == pytest.approx(1 / 3, rel=1e-3)
    assert s.std == pytest.approx(BIG, rel=1e-2)  # sqrt((2 * BIG²) / 2)
    wide = tensor_stats(torch.tensor([1e20, -1e20, 3e19], dtype=torch.float32))
    assert wide.std is not None and wide.std == pytest.approx(1e20, rel=0.2)


def test_histogram_at_float32_extremes() -> None:
    h = histogram(torch.tensor([BIG, -BIG, 1.0]), 4)
    assert h.counts.tolist() == [1.0, 0.0, 1.0, 1.0]
    assert h.counts.sum() == 3


def test_int_and_bool_stats_match_float64() -> None:
    x = torch.randint(-128, 128, (300_000,), dtype=torch.int8)
    s = tensor_stats(x)
    ref = x.double()
    assert s.mean == pytest.approx(float(ref.mean())) and s.std == pytest.approx(float(ref.std()))
    assert (s.min, s.max, s.zeros) == (float(ref.min()), float(ref.max()), int((x == 0).sum()))
    b = tensor_stats(x > 0)
    assert b.mean == pytest.approx(float((x > 0).double().mean()))


PEAK = """
import json, resource, sys, torch
from lenslab.tensormath import histogram, tensor_stats
n = 64 * 1024 * 1024
x = torch.randint(0, 3, (n,), dtype=torch.int8) if sys.argv[1] == "int8" else torch.rand(n) > 0.5
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
tensor_stats(x); histogram(x, 64)
grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024
print(json.dumps({"ratio": grown / (x.numel() * x.element_size())}))
"""


@pytest.mark.parametrize("dtype", ["int8", "bool"])
def test_int8_and_bool_stats_allocate_little(dtype: str) -> None:
    # Large blocks straight from mmap: glibc's adaptive threshold would otherwise keep freed
    # chunks in its heap and the peak would measure the allocator, not lenslab.
    env = {**os.environ, "MALLOC_MMAP_THRESHOLD_": "131072", "OMP_NUM_THREADS": "1"}
    done = subprocess.run(
        [sys.executable, "-c", PEAK, dtype],
        capture_output=True, text=True, check=True, timeout=120, env=env,
    )  # fmt: skip
    ratio = json.loads(done.stdout.strip().splitlines()[-1])["ratio"]
    assert ratio <= 0.5, f"statistics of a {dtype} tensor grew memory by {ratio:.2f}x its size"
