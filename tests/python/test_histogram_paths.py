"""The two ways a histogram is binned (bincount for small parts, histc for large ones) give the
same counts, on the values where binning is delicate: bin edges, the float32 extremes, a
single repeated value, integers, NaN and inf."""

from __future__ import annotations

import pytest
import torch

from lenslab import tensormath

CASES = {
    "normal": torch.randn(3000, generator=torch.Generator().manual_seed(0)),
    "extremes": torch.tensor([3.4e38, -3.4e38, 0.0, 1e38]),
    "edges": torch.linspace(-1, 1, 129),
    "one value": torch.full((50,), 7.0),
    "integers": torch.arange(-20, 20).repeat(7).float(),
    "int8": torch.arange(-128, 128, dtype=torch.int8),
    "nan and inf": torch.tensor([float("nan"), float("inf"), -float("inf"), 1.0, 2.0]),
    "float16": torch.randn(500, generator=torch.Generator().manual_seed(1)).half(),
}


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("bins", [1, 7, 64])
def test_bincount_path_equals_histc_path(
    name: str, bins: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    x = CASES[name]
    small = tensormath.histogram(x, bins)
    monkeypatch.setattr(tensormath, "SMALL_HISTOGRAM", 0)  # every part through torch.histc
    large = tensormath.histogram(x, bins)
    assert torch.equal(small.counts, large.counts)
    assert (small.lo, small.hi, small.nan, small.inf) == (large.lo, large.hi, large.nan, large.inf)
    assert small.counts.sum().item() == torch.isfinite(x.double()).sum().item()
