"""What the browser draws, computed from one tensor in torch: statistics, histograms, slices,
and the uint8 previews of the standalone HTML page. The widget's data server and the HTML
export both use this module (the one Python implementation; ``src/local/tensor-math.ts`` is the
TypeScript one for kernel-free pages).

Every function takes a tensor and plain numbers and returns plain numbers or a small float32
tensor; none of them knows about messages. Statistics ignore NaN and ±Inf (they are counted
instead), so one bad value does not turn every number into NaN. Downsampling is a block mean:
a slice larger than the view is split into equal blocks (the last ones may be smaller) and
each pixel is the mean of its block, so a NaN or Inf anywhere in a block marks the pixel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .errors import RequestError

MAX_VIEW = 512  # pixels per side of a 2-D view
MAX_LINE = 4096  # points of a 1-D view
MAX_BINS = 1024


@dataclass(frozen=True)
class Stats:
    numel: int
    mean: float | None
    std: float | None  # unbiased (torch's default), None for fewer than two finite values
    min: float | None
    max: float | None
    zeros: int
    nan: int
    inf: int

    def as_json(self) -> dict[str, float | int | None]:
        return {k: _json_number(v) for k, v in self.__dict__.items()}


def _json_number(v: float | int | None) -> float | int | None:
    """JSON has no NaN or Infinity: such values travel as null."""
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _check_real(tensor: torch.Tensor) -> None:
    if tensor.is_complex() or tensor.is_quantized or tensor.layout != torch.strided:
        raise RequestError(
            "bad_dtype",
            f"cannot show a {tensor.dtype} tensor with layout {tensor.layout}: view a real, "
            "dense tensor (for example save .abs() or .real with postfunc)",
        )


def as_real(tensor: torch.Tensor) -> torch.Tensor:
    """A floating tensor with the same values (ints and bools become float64 or float32)."""
    _check_real(tensor)
    if tensor.dtype in (torch.float32, torch.float64):
        return tensor.detach()
    if tensor.is_floating_point() or tensor.dtype == torch.bool:
        return tensor.detach().float()
    return tensor.detach().double()  # int64 does not fit float32's 24-bit mantissa


CHUNK = 1 << 22  # elements per pass on CPU at most (32 MB of float64)
MIN_CHUNK = 1 << 16


def _flat_source(tensor: torch.Tensor) -> torch.Tensor:
    """The tensor's elements as one flat row, unconverted (each chunk is converted alone)."""
    _check_real(tensor)
    return tensor.detach().reshape(-1)


def _chunks(x: torch.Tensor) -> list[torch.Tensor]:
    """A flat tensor in pieces small enough that the float64 copies of one piece (two at a
    time) take at most a quarter the tensor's own bytes: statistics of an int8 or bool tensor cost
    no more than 1.5x the tensor (a whole float64 copy would cost 8x)."""
    budget = x.numel() * x.element_size() // 64
    size = max(MIN_CHUNK, min(CHUNK, budget))
    return [x[i : i + size] for i in range(0, x.numel(), size)]


def _finite64(chunk: torch.Tensor) -> tuple[torch.Tensor, int, int]:
    """The chunk's finite values in float64 and its NaN and Inf counts. float64: sums and
    squares of float32 values near ±3.4e38 overflow float32 (fast when all are finite)."""
    values = chunk.double()
    if math.isfinite(float(values.sum())):
        return values, 0, 0
    mask = torch.isfinite(values)
    nan = int(torch.isnan(values).sum())
    finite = values[mask]
    return finite, nan, values.numel() - finite.numel() - nan


def tensor_stats(tensor: torch.Tensor) -> Stats:
    """Two passes over float64 chunks: sum, extremes and counts, then the centred squares
    (the two-pass variance, exact where E[x²] - E[x]² would cancel)."""
    x = _flat_source(tensor)
    numel = x.numel()
    if numel == 0:
        return Stats(0, None, None, None, None, 0, 0, 0)
    total, nonzero, nan, inf = 0.0, 0, 0, 0
    lo, hi = math.inf, -math.inf
    for chunk in _chunks(x):
        nonzero += int(torch.count_nonzero(chunk))
        part, n_nan, n_inf = _finite64(chunk)
        nan, inf = nan + n_nan, inf + n_inf
        if part.numel():
            total += float(part.sum())
            c_lo, c_hi = torch.aminmax(part)
            lo, hi = min(lo, float(c_lo)), max(hi, float(c_hi))
        del part  # before the next chunk's copy is made
    zeros = numel - nonzero
    finite = numel - nan - inf
    if finite == 0:
        return Stats(numel, None, None, None, None, zeros, nan, inf)
    mean = total / finite
    squares = 0.0
    for chunk in _chunks(x):
        centred = _finite64(chunk)[0].sub_(mean)
        squares += float(torch.dot(centred, centred))
        del centred
    std = math.sqrt(squares / (finite - 1)) if finite > 1 else None
    return Stats(numel, mean, std, lo, hi, zeros, nan, inf)


@dataclass(frozen=True)
class Histogram:
    counts: torch.Tensor  # float32 [bins]: counts of finite values
    lo: float
    hi: float
    nan: int
    inf: int


def histogram(tensor: torch.Tensor, bins: int) -> Histogram:
    """Counts of finite values in ``bins`` equal bins over [min, max], binned in float64 (the
    float32 width of [-3.4e38, 3.4e38] overflows), chunk by chunk."""
    if not 1 <= bins <= MAX_BINS:
        raise RequestError("out_of_range", f"bins must be between 1 and {MAX_BINS}, not {bins}")
    x = _flat_source(tensor)
    lo, hi, nan, inf = math.inf, -math.inf, 0, 0
    for chunk in _chunks(x):
        part, n_nan, n_inf = _finite64(chunk)
        nan, inf = nan + n_nan, inf + n_inf
        if part.numel():
            c_lo, c_hi = torch.aminmax(part)
            lo, hi = min(lo, float(c_lo)), max(hi, float(c_hi))
        del part
    if lo > hi:  # no finite value
        return Histogram(torch.zeros(bins, dtype=torch.float32), 0.0, 0.0, nan, inf)
    top = hi if hi > lo else lo + 1.0  # one value: every count in the first bin
    counts = torch.zeros(bins, dtype=torch.float64, device=x.device)
    for chunk in _chunks(x):
        counts += _bin_counts(_finite64(chunk)[0], bins, lo, top)
    return Histogram(counts.float().cpu(), lo, hi, nan, inf)


SMALL_HISTOGRAM = 1 << 16  # below this, bincount beats histc (whose per-call cost is ~1 ms)


def _bin_counts(part: torch.Tensor, bins: int, lo: float, top: float) -> torch.Tensor:
    """histc's counts (the top edge falls in the last bin). ``torch.histc`` costs about a
    millisecond per call however small the tensor, and 5-15 ms on a loaded machine: a page of
    5,000 previews spent 24 s there. Small parts are binned with ``bincount`` instead."""
    if part.numel() > SMALL_HISTOGRAM:
        return torch.histc(part, bins=bins, min=lo, max=top)
    where = ((part - lo) * bins / (top - lo)).floor_().clamp_(0, bins - 1).long()
    return torch.bincount(where, minlength=bins).to(torch.float64)


def check_index(shape: tuple[int, ...], axes: list[int], index: list[int]) -> None:
    """Axes must be distinct dims; index holds one position per dim (ignored on the axes)."""
    ndim = len(shape)
    if len(set(axes)) != len(axes) or any(not 0 <= a < ndim for a in axes):
        raise RequestError(
            "out_of_range", f"axes {axes} do not fit a {ndim}-D tensor of shape {list(shape)}"
        )
    if len(index) != ndim:
        raise RequestError(
            "out_of_range", f"index needs {ndim} positions (one per dim), got {len(index)}"
        )
    for d, (i, n) in enumerate(zip(index, shape, strict=True)):
        if d not in axes and not 0 <= i < n:
            raise RequestError("out_of_range", f"index {i} is out of range for dim {d} of size {n}")


def _select(x: torch.Tensor, axes: list[int], index: list[int]) -> torch.Tensor:
    """The sub-tensor along ``axes`` (in that order), other dims fixed at ``index``."""
    for d in reversed(range(x.dim())):
        if d not in axes:
            x = x.select(d, index[d])
    kept = sorted(axes)
    return x.permute([kept.index(a) for a in axes])


def _factor(n: int, limit: int) -> int:
    return max(1, math.ceil(n / limit))


def _block_mean_2d(x: torch.Tensor, fy: int, fx: int) -> torch.Tensor:
    """Block mean over the last two dims of a [B, H, W] float tensor."""
    if fy == 1 and fx == 1:
        return x
    return F.avg_pool2d(x.unsqueeze(1), (fy, fx), (fy, fx), ceil_mode=True).squeeze(1)


@dataclass(frozen=True)
class Slice:
    values: torch.Tensor  # float32, contiguous, CPU: [h, w], [n] or [count, h, w]
    source_shape: tuple[int, ...]  # size along the requested axes before downsampling
    step: tuple[int, ...]  # block size per axis (1: not downsampled)


def _as_float32(x: torch.Tensor) -> torch.Tensor:
    return x.to(device="cpu", dtype=torch.float32).contiguous()


def slice_view(tensor: torch.Tensor, axes: list[int], index: list[int], limit: list[int]) -> Slice:
    """A 1-D or 2-D slice, block-mean downsampled so each side is at most ``limit``."""
    if len(axes) not in (1, 2) or len(limit) != len(axes):
        raise RequestError("bad_message", "a slice has one or two axes, with one limit per axis")
    cap = MAX_LINE if len(axes) == 1 else MAX_VIEW
    if any(not 1 <= n <= cap for n in limit):
        raise RequestError(
            "too_large", f"a {len(axes)}-D view is at most {cap} per side, asked {limit}"
        )
    shape = tuple(tensor.shape)
    check_index(shape, axes, index)
    x = as_real(_select(tensor.detach(), axes, index))
    source = tuple(x.shape)
    steps = tuple(_factor(n, m) for n, m in zip(source, limit, strict=True))
    if len(axes) == 1:
        if steps[0] > 1:
            x = F.avg_pool1d(
                x.reshape(1, 1, -1).float(), steps[0], steps[0], ceil_mode=True
            ).reshape(-1)
    else:
        x = _block_mean_2d(x.unsqueeze(0).float() if steps != (1, 1) else x.unsqueeze(0), *steps)[0]
    return Slice(_as_float32(x), source, steps)


def tiles_view(
    tensor: torch.Tensor,
    axes: list[int],
    index: list[int],
    start: int,
    count: int,
    limit: list[int],
) -> Slice:
    """``count`` 2-D slices along ``axes[0]`` from ``start`` (channel grids, RGB images)."""
    if len(axes) != 3 or len(limit) != 2:
        raise RequestError(
            "bad_message", "tiles take three axes (tile, rows, cols) and a 2-D limit"
        )
    if count < 1 or any(n < 1 for n in limit):
        raise RequestError(
            "out_of_range", f"count and limit must be at least 1, got count {count}, limit {limit}"
        )
    if count * limit[0] * limit[1] > MAX_VIEW * MAX_VIEW:
        raise RequestError(
            "too_large", f"{count} tiles of {limit} exceed {MAX_VIEW}x{MAX_VIEW} pixels"
        )
    shape = tuple(tensor.shape)
    check_index(shape, axes, index)
    n = shape[axes[0]]
    if not 0 <= start < n:
        raise RequestError(
            "out_of_range", f"tile start {start} is out of range for dim {axes[0]} of size {n}"
        )
    x = as_real(_select(tensor.detach(), axes, index))[start : start + count]
    source = tuple(x.shape)
    fy, fx = _factor(source[1], limit[0]), _factor(source[2], limit[1])
    x = _block_mean_2d(x.float() if (fy, fx) != (1, 1) else x, fy, fx)
    return Slice(_as_float32(x), source, (1, fy, fx))


def quantize_uint8(values: torch.Tensor) -> tuple[torch.Tensor, float, float]:
    """Codes 0..254 spread linearly over the finite range; 255 marks NaN and ±Inf.

    Returns (codes, offset, step): value ≈ offset + code * step."""
    finite = torch.isfinite(values)
    kept = values[finite]
    lo, hi = (float(v) for v in torch.aminmax(kept)) if kept.numel() else (0.0, 0.0)
    step = (hi - lo) / 254 if hi > lo else 1.0
    codes = ((values - lo) / step).round().clamp(0, 254)
    codes = torch.where(finite, codes, torch.full_like(codes, 255.0))
    return codes.to(torch.uint8).contiguous(), lo, step


def grad_norm(tensor: torch.Tensor) -> float:
    return float(torch.linalg.vector_norm(as_real(tensor).float()))


def preview(real: torch.Tensor, cap: int) -> tuple[torch.Tensor, list[int], float, float]:
    """Block means (largest dims first) down to ``cap`` elements, as uint8 codes.

    Returns (codes, step per dim, offset, scale): value ≈ offset + code * scale."""
    shape = list(real.shape)
    step = [1] * len(shape)
    while math.prod(math.ceil(n / s) for n, s in zip(shape, step, strict=True)) > cap:
        d = max(range(len(shape)), key=lambda k: math.ceil(shape[k] / step[k]))
        step[d] *= 2
    x = real.detach().to("cpu", torch.float32)
    for d, s in enumerate(step):
        if s > 1:
            moved = x.movedim(d, -1)
            lead = moved.shape[:-1]
            pooled = F.avg_pool1d(moved.reshape(-1, 1, moved.shape[-1]), s, s, ceil_mode=True)
            x = pooled.reshape(*lead, -1).movedim(-1, d)
    codes, lo, scale = quantize_uint8(x.reshape(-1))
    return codes, step, lo, scale
