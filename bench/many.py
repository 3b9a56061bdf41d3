"""Section "many": keeping one layer, rerun, extract (issue 12).

- Peak RSS of ``lens(save=[one layer])`` over a plain forward (resnet18, GPT-2 small config at
  32 and 512 tokens), beside ``save="all"``: selection is decided during the pass, so what
  remains above plain is the per-op metadata (~1.3 KB/op on GPT-2; visible at 32 tokens, where GPT-2's
  activations are only ~10 MB).
- ``h.rerun(x2)`` vs ``lens(model, x2)`` on resnet18 (interleaved, medians).
- ``extract`` of 512 inputs vs a hand-written forward-hook loop doing the same: resnet18 at
  64x64, every ReLU output spatially averaged; GPT-2 (2 blocks, 32 tokens) block outputs; and
  vs TorchLens' ``extract_dataset`` doing the same, in its own process (where installed).
- Peak RSS of ``extract(..., to=store)`` at 512 vs 2,048 inputs (flat: memory is one batch).
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

import torch
from memory import peak_rss_bytes
from models import build, call
from timing import median

import lenslab
from lenslab import lens

INPUTS = 512
BATCH = 32


def _ratio(fn: Callable[[], Any], base: Callable[[], Any], reps: int) -> tuple[float, float, float]:
    """Median seconds of ``fn`` and ``base``, interleaved, and their ratio."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(reps):
        for out, f in ((b, base), (a, fn)):
            start = time.perf_counter()
            f()
            out.append(time.perf_counter() - start)
    return median(a), median(b), median(a) / median(b)


def selection_memory(name: str, key: str, reps: int = 3, tokens: int = 0) -> dict[str, Any]:
    model, inputs = build(name)
    model.eval()
    if tokens:  # a longer sequence: activations, not per-op metadata, dominate the peak
        inputs = {"input_ids": torch.randint(0, 50257, (1, tokens))}
        name = f"{name} ({tokens} tokens)"
    peaks: dict[str, list[int]] = {"plain": [], "one": [], "all": []}
    with torch.no_grad():
        for _ in range(reps):
            peaks["plain"].append(peak_rss_bytes(lambda: call(model, inputs)))
            peaks["one"].append(peak_rss_bytes(lambda: lens(model, inputs, save=[key])))
            peaks["all"].append(peak_rss_bytes(lambda: lens(model, inputs, save="all")))
    plain, one, full = (median(peaks[k]) for k in ("plain", "one", "all"))
    return {
        "model": name,
        "key": key,
        "plain_mb": plain / 2**20,
        "one_mb": one / 2**20,
        "all_mb": full / 2**20,
        "one_ratio": one / plain if plain else None,
    }


def rerun_ratio(reps: int = 5) -> dict[str, Any]:
    model, x = build("resnet18")
    model.eval()
    h = lens(model, x, save=["layer4"])
    x2 = torch.randn_like(x)
    rerun_s, lens_s, ratio = _ratio(
        lambda: h.rerun(x2), lambda: lens(model, x2, save=["layer4"]), reps
    )
    return {"rerun_ms": rerun_s * 1e3, "lens_ms": lens_s * 1e3, "ratio": ratio}


def resnet_case() -> tuple[torch.nn.Module, torch.Tensor, Any, Callable[..., Any]]:
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    data = torch.randn(INPUTS, 3, 64, 64)
    relus = [m for m in model.modules() if isinstance(m, torch.nn.ReLU)]
    return model, data, [lambda layer: layer.type == "relu"], _hook_loop(relus, 4)


def gpt2_case() -> tuple[torch.nn.Module, torch.Tensor, Any, Callable[..., Any]]:
    from transformers import GPT2Config, GPT2Model

    torch.manual_seed(0)
    model = GPT2Model(GPT2Config(n_layer=2, use_cache=False)).eval()
    data = torch.randint(0, model.config.vocab_size, (INPUTS, 32))
    keys = [f"h.{i}" for i in range(2)]
    return model, data, keys, _hook_loop(list(model.h), 3)


def _hook_loop(modules: list[torch.nn.Module], dims: int) -> Callable[..., Any]:
    """What a researcher writes by hand: forward hooks that reduce and collect."""

    def run(model: torch.nn.Module, data: torch.Tensor) -> list[torch.Tensor]:
        kept: list[list[torch.Tensor]] = []

        def hook(_m: Any, _a: Any, out: Any) -> None:
            t = out[0] if isinstance(out, tuple) else out
            kept[-1].append(t.mean(dim=(2, 3)) if dims == 4 else t.detach().clone())

        handles = [m.register_forward_hook(hook) for m in modules]
        try:
            with torch.no_grad():
                for start in range(0, len(data), BATCH):
                    kept.append([])
                    model(data[start : start + BATCH])
        finally:
            for handle in handles:
                handle.remove()
        return [torch.cat(parts) for parts in zip(*kept, strict=True)]

    return run


def extract_throughput(case: str, reps: int = 2) -> dict[str, Any]:
    model, data, layers, by_hand = resnet_case() if case == "resnet18" else gpt2_case()
    post = (lambda t: t.mean(dim=(2, 3))) if case == "resnet18" else None

    def ours() -> Any:
        with torch.no_grad():
            return lenslab.extract(
                model, data, layers, batch_size=BATCH, postfunc=post, progress=False
            )

    ours_s, hand_s, ratio = _ratio(ours, lambda: by_hand(model, data), reps)
    return {
        "case": case,
        "inputs": INPUTS,
        "extract_s": ours_s,
        "hooks_s": hand_s,
        "throughput_vs_hooks": 1 / ratio,
        "torchlens": _torchlens_extract(case, reps),
    }


def _torchlens_extract(case: str, reps: int) -> dict[str, Any]:
    """TorchLens' ``extract_dataset`` on the same case, in its own process (bench/
    tl_extract_worker.py); only where TorchLens is installed (``make bench``'s .venv-bench)."""
    import importlib.util
    import json
    import subprocess
    from pathlib import Path

    if importlib.util.find_spec("torchlens") is None:
        return {"error": "TorchLens is not installed here (make bench installs it)"}
    worker = Path(__file__).with_name("tl_extract_worker.py")
    done = subprocess.run(
        [sys.executable, str(worker), case, str(reps)],
        capture_output=True, text=True, timeout=1800, cwd=worker.parent,
    )  # fmt: skip
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"error": (done.stderr.strip().splitlines() or ["no output"])[-1][:200]}
    return dict(json.loads(lines[-1]))


def store_memory_flat() -> dict[str, Any]:
    import torchvision

    torch.manual_seed(0)
    model = torchvision.models.resnet18(weights=None).eval()
    peaks = {}
    warm = tempfile.mkdtemp()  # imports, codecs and allocator pools: not what is measured
    lenslab.extract(
        model, torch.randn(BATCH, 3, 32, 32), ["layer4"], to=f"{warm}/s", progress=False
    )
    shutil.rmtree(warm)
    for n in (INPUTS, 4 * INPUTS):
        data = torch.randn(n, 3, 32, 32)
        folder = tempfile.mkdtemp()
        try:
            with torch.no_grad():
                peaks[n] = peak_rss_bytes(
                    lambda data=data, folder=folder: lenslab.extract(
                        model, data, ["layer4"], batch_size=BATCH, to=f"{folder}/s", progress=False
                    )
                )
        finally:
            shutil.rmtree(folder)
        del data
    small, large = peaks[INPUTS], peaks[4 * INPUTS]
    # The inputs tensor is made before the measurement: what grows is what extract holds.
    return {"peak_512_mb": small / 2**20, "peak_2048_mb": large / 2**20, "ratio": large / small}


def run() -> dict[str, Any]:
    steps: dict[str, Callable[[], Any]] = {
        "selection": lambda: [
            selection_memory("resnet18", "layer4"),
            selection_memory("gpt2", "transformer.h.11"),
            selection_memory("gpt2", "transformer.h.11", tokens=512),
        ],
        "rerun": rerun_ratio,
        "extract": lambda: [extract_throughput("resnet18"), extract_throughput("gpt2")],
        "store": store_memory_flat,
    }
    out: dict[str, Any] = {}
    for name, step in steps.items():
        print(f"[bench] many: {name}", file=sys.stderr, flush=True)
        out[name] = step()
        print(f"[bench] many: {name}: {out[name]}", file=sys.stderr, flush=True)
    return out


def rows(r: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    def status(ok: bool) -> str:
        return "ok" if ok else "MISS"

    out: list[tuple[str, str, str, str, str]] = []
    for s in r.get("selection", []):
        ratio = s["one_ratio"]
        value = f"{ratio:.2f}x plain ({s['one_mb']:.0f} MB; save='all' {s['all_mb']:.0f} MB)"
        out.append(
            (
                "many",
                f"{s['model']}: peak, save=[{s['key']!r}]",
                value,
                "≤ 1.1x",
                status(ratio <= 1.1),
            )
        )
    if "rerun" in r:
        rr = r["rerun"]
        out.append(
            ("many", "resnet18: h.rerun(x2) vs lens(x2)", f"{rr['ratio']:.2f}x", "report", "")
        )
    for e in r.get("extract", []):
        t = e["throughput_vs_hooks"]
        out.append(
            (
                "many",
                f"extract {e['inputs']} inputs, {e['case']}: vs hook loop",
                f"{t:.2f}x throughput",
                "≥ 0.9x",
                status(t >= 0.9),
            )
        )
        tl = e.get("torchlens", {})
        value = (
            f"{tl['s'] / e['extract_s']:.1f}x faster ({e['extract_s']:.2f} s vs {tl['s']:.2f} s)"
            if "s" in tl
            else f"n/a: {tl.get('error', 'not measured')}"
        )
        out.append(("many", f"extract {e['inputs']} inputs, {e['case']}: vs TorchLens", value, "report", ""))
    if "store" in r:
        st = r["store"]
        value = f"{st['ratio']:.2f}x ({st['peak_512_mb']:.0f} → {st['peak_2048_mb']:.0f} MB)"
        out.append(
            (
                "many",
                "extract(to=) peak, 2,048 vs 512 inputs",
                value,
                "≤ 1.1x",
                status(st["ratio"] <= 1.1),
            )
        )
    return out
