"""Compact wire graphs of real models for the front-end benchmark (bench/frontend_models.mjs).

Captures torchvision ``swin_v2_b`` (~1,700 ops) and ``maskrcnn_resnet50_fpn_v2`` (random
weights, eval mode, two small images; ~8,700 ops) with ``save=None`` and writes the
compact form the widget receives, as JSON, to a cache folder keyed by the torch and torchvision
versions (captures take a while; the graphs only change when those or lenslab's wire form do).
Prints one JSON object: ``{name: {"path": ..., "ops": ...}}``.

  .venv/bin/python bench/frontend_models.py [--out DIR] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parent.parent


def swin_v2_b() -> tuple[torch.nn.Module, Any]:
    import torchvision

    return torchvision.models.swin_v2_b(weights=None), torch.randn(1, 3, 256, 256)


def maskrcnn() -> tuple[torch.nn.Module, Any]:
    """Mask R-CNN v2 on two small images: ~8,700 ops (keypointrcnn_resnet50_fpn on one image
    records only ~1,200, its per-detection work being inside torchvision's C++ ops)."""
    import torchvision

    model = torchvision.models.detection.maskrcnn_resnet50_fpn_v2(
        weights=None, weights_backbone=None, min_size=256, max_size=320
    )
    return model, ([torch.rand(3, 240, 320), torch.rand(3, 240, 320)],)


MODELS: dict[str, Callable[[], tuple[torch.nn.Module, Any]]] = {
    "swin_v2_b": swin_v2_b,
    "maskrcnn_resnet50_fpn_v2": maskrcnn,
}


def cache_key() -> str:
    import torchvision

    from lenslab.export import compact, wire

    # The wire form's code is part of the key: a change there invalidates cached graphs.
    code = b"".join(Path(m.__file__ or "").read_bytes() for m in (wire, compact))
    text = f"{torch.__version__}|{torchvision.__version__}|{hashlib.sha1(code).hexdigest()[:12]}"
    return hashlib.sha1(text.encode()).hexdigest()[:16]


def cache_dir() -> Path:
    out = Path(tempfile.gettempdir()) / f"lenslab-frontend-{cache_key()}"
    out.mkdir(parents=True, exist_ok=True)
    return out


def write(name: str, out: Path, force: bool) -> dict[str, Any]:
    path = out / f"{name}.json"
    meta = out / f"{name}.meta.json"
    if path.exists() and meta.exists() and not force:
        return {"path": str(path), **json.loads(meta.read_text())}
    from lenslab import lens
    from lenslab.export.compact import compact
    from lenslab.export.wire import to_wire

    print(f"[bench] capturing {name} for the front-end benchmark", file=sys.stderr, flush=True)
    torch.manual_seed(0)
    model, inputs = MODELS[name]()
    model.eval()
    with torch.no_grad():
        history = lens(model, inputs, save=None)
    path.write_text(json.dumps(compact(to_wire(history)), separators=(",", ":")))
    info = {"ops": len(history), "modules": len(history.modules)}
    meta.write_text(json.dumps(info))
    return {"path": str(path), **info}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=None, help="cache folder")
    parser.add_argument("--force", action="store_true", help="capture again")
    parser.add_argument("--only", nargs="*", default=list(MODELS), help="model names")
    args = parser.parse_args()
    out = args.out or cache_dir()
    out.mkdir(parents=True, exist_ok=True)
    print(json.dumps({name: write(name, out, args.force) for name in args.only}))


if __name__ == "__main__":
    main()
