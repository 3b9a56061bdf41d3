"""Every capture that saves must load: any size, any dtype, any stride; old bundles still open."""

from __future__ import annotations

import json
import struct
import warnings
from pathlib import Path

import pytest
import torch
from torch import nn

import lenslab
from lenslab import LensError, lens
from lenslab.export.bundle import GRAPH_TENSOR, MANIFEST_KEY
from toy_models import TOYS

FIXTURES = Path(__file__).parent / "fixtures"


class Chain(nn.Module):
    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps = steps

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(self.steps):
            x = x + 1
        return x


def header_bytes(path: Path) -> int:
    with path.open("rb") as f:
        (size,) = struct.unpack("<Q", f.read(8))
    return int(size)


def test_the_header_does_not_grow_with_the_graph(tmp_path: Path) -> None:
    # safetensors refuses headers over 100 MB: with the graph in the header, captures over
    # ~118k ops saved but never loaded. The graph now lives in a tensor.
    path = lens(Chain(3000), torch.zeros(2), save=None).save(tmp_path / "chain")
    assert header_bytes(path) < 2000
    g = lenslab.load(path)
    assert len(g) == 3002 and g[-1].shape == (2,)


@pytest.mark.heavy
def test_a_200k_op_capture_saves_and_loads(tmp_path: Path) -> None:
    h = lens(Chain(200_000), torch.zeros(2))
    g = lenslab.load(h.save(tmp_path / "big"))
    assert len(g) == len(h) == 200_002
    assert torch.equal(g[-1].activation, torch.full((2,), 200_000.0))


def test_version_1_bundles_still_load() -> None:
    g = lenslab.load(FIXTURES / "two_layer_v1.lens")  # written by lenslab before bundle v2
    torch.manual_seed(0)
    model = TOYS["two_layer"][0]()
    x = torch.randn(2, 4)
    assert [layer.label for layer in g] == [layer.label for layer in lens(model, x)]
    torch.testing.assert_close(g["input_1"].activation, x, rtol=0, atol=0)
    torch.testing.assert_close(g["output_1"].activation, model(x), rtol=0, atol=0)
    assert g["fc1"].grad is not None and g["fc1"].grad.shape == (2, 8)


# ---- dtypes ---------------------------------------------------------------------------------


def every_dtype() -> list[torch.dtype]:
    found = {getattr(torch, n) for n in dir(torch) if isinstance(getattr(torch, n), torch.dtype)}
    return sorted(found, key=str)


class AsDtype(nn.Module):
    """Reinterprets its uint8 input ``(..., element size)`` as ``dtype`` (a recorded ``view``)."""

    def __init__(self, dtype: torch.dtype) -> None:
        super().__init__()
        self.dtype = dtype

    def forward(self, raw: torch.Tensor) -> torch.Tensor:
        return raw.view(self.dtype)[:, ::2]  # a strided view, as models make them


def same_bytes(t: torch.Tensor) -> torch.Tensor:
    """An integer view of ``t``'s elements, so that equal bytes compare equal."""
    if t.element_size() == 16:
        t = torch.view_as_real(t)
    return t.view(
        {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}[t.element_size()]
    )


@pytest.mark.parametrize("dtype", every_dtype(), ids=str)
def test_every_dtype_round_trips_or_is_refused_by_name(dtype: torch.dtype, tmp_path: Path) -> None:
    size = torch.empty((), dtype=dtype).element_size()
    high = 2 if dtype == torch.bool else 256
    raw = torch.randint(0, high, (2, 6 * size), dtype=torch.uint8)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = AsDtype(dtype)(raw)
        except (RuntimeError, TypeError, NotImplementedError):
            pytest.skip(f"torch cannot view bytes as {dtype}")
        h = lens(AsDtype(dtype), raw)
        try:
            path = h.save(tmp_path / "d")
        except LensError as exc:
            assert "getitem_1_2" in str(exc) and str(dtype) in str(exc)
            return
        got = lenslab.load(path)["getitem_1_2"].activation
    assert isinstance(got, torch.Tensor), f"{dtype} came back as {got!r}"
    assert got.dtype == dtype and got.shape == expected.shape == (2, 3)
    assert torch.equal(same_bytes(got), same_bytes(expected))


def test_complex_fft_output_round_trips(tmp_path: Path) -> None:
    class FFT(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.fft.fft(x)

    h = lens(FFT(), torch.randn(4, 8))
    g = lenslab.load(h.save(tmp_path / "fft"))
    assert g["fftfft_1_1"].activation.dtype == torch.complex64
    torch.testing.assert_close(g["output_1"].activation, h["output_1"].activation, rtol=0, atol=0)


def test_quantized_values_are_refused_naming_the_op(tmp_path: Path) -> None:
    class Quant(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return torch.quantize_per_tensor(x, 0.1, 0, torch.qint8)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        h = lens(Quant(), torch.randn(3))
    with pytest.raises(LensError, match=r"quantizepertensor_1_1.*dequantize"):
        h.save(tmp_path / "q")
    assert not (tmp_path / "q.lens").exists()


def test_postfunc_results_that_are_not_tensors_are_refused(tmp_path: Path) -> None:
    h = lens(TOYS["two_layer"][0](), torch.randn(2, 4), postfunc=lambda t: float(t.sum()))
    with pytest.raises(LensError, match=r"input_1.*float.*postfunc"):
        h.save(tmp_path / "p")


# ---- strides, paths -------------------------------------------------------------------------


def test_batch_1_views_with_wide_strides_save(tmp_path: Path) -> None:
    class FirstToken(nn.Module):
        def forward(self, ids: torch.Tensor) -> torch.Tensor:
            return ids[:, 0] + 1

    ids = torch.arange(32).reshape(1, 32)
    h = lens(FirstToken(), ids)
    assert h["getitem_1_1"].activation.stride() == (32,)
    g = lenslab.load(h.save(tmp_path / "ids"))
    assert torch.equal(g["getitem_1_1"].activation, torch.tensor([0]))
    assert torch.equal(g["output_1"].activation, torch.tensor([1]))


def test_save_resolves_dotdot_without_leaving_folders(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    h = lens(TOYS["two_layer"][0](), torch.randn(2, 4))
    path = h.save("sub/../x")
    assert path == tmp_path / "x.lens" and path.is_file()
    assert not (tmp_path / "sub").exists()
    with pytest.raises(LensError):
        lens(TOYS["two_layer"][0](), torch.randn(2, 4), postfunc=lambda t: 1).save("new/deeper/q")
    assert not (tmp_path / "new").exists()


def test_strip_paths_leaves_no_directory_in_the_bundle(tmp_path: Path) -> None:
    h = lens(TOYS["two_layer"][0](), torch.randn(2, 4))
    here = str(Path(__file__).parent)
    assert here.encode() in h.save(tmp_path / "full").read_bytes()  # what a bundle reveals
    stripped = h.save(tmp_path / "stripped", strip_paths=True)
    assert here.encode() not in stripped.read_bytes()
    g = lenslab.load(stripped)
    assert g["fc1"].source == ("toy_models.py", h["fc1"].source[1])  # type: ignore[index]


def test_graph_tensor_and_manifest_name_each_other(tmp_path: Path) -> None:
    path = lens(TOYS["two_layer"][0](), torch.randn(2, 4)).save(tmp_path / "m")
    size = header_bytes(path)
    header = json.loads(path.read_bytes()[8 : 8 + size])
    manifest = json.loads(header["__metadata__"][MANIFEST_KEY])
    assert manifest["bundle_version"] == 2 and manifest["graph"]["tensor"] == GRAPH_TENSOR
    assert header[GRAPH_TENSOR]["dtype"] == "U8"
