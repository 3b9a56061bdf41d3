"""Big decoder LLMs for the "big models stay instant" benchmark (issue 19; bench/big_page.mjs).

Llama-style configs from ``transformers`` with random weights, 32 wide, with as many decoder
layers as it takes to reach ~10k, ~30k and ~100k ops (about 61 ops per layer), called with
``use_cache=True`` as transformers does by default: the key and value of every layer are model
outputs, drawn as one output group. Each is captured
once (activations kept) and written as the standalone page ``h.to_html`` makes, with the default
budget, to a cache folder keyed by the torch/transformers versions and lenslab's export code.
Prints one JSON object: ``{name: {"path", "ops", "layers", "html_bytes", "graph_bytes",
"graph_json_bytes", "tensor_bytes", "capture_s"}}``: ``graph_bytes`` is the page's graph element
alone (the graph zlib-compressed, in base64), ``graph_json_bytes`` the compact graph's JSON
unpacked, ``tensor_bytes`` the lazily read statistics and previews.

  .venv/bin/python bench/big_models.py [--only llama_10k ...] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import torch

ROOT = Path(__file__).resolve().parent.parent
OPS_PER_LAYER = 61  # measured on this config (2 are cache outputs); the rest is ~28 ops
SIZES = {"llama_10k": 10_000, "llama_30k": 30_000, "llama_100k": 100_000}


def llama(target_ops: int) -> tuple[torch.nn.Module, torch.Tensor, int]:
    import transformers

    layers = max(1, (target_ops - 28) // OPS_PER_LAYER)
    config = transformers.LlamaConfig(
        num_hidden_layers=layers, hidden_size=32, intermediate_size=64, num_attention_heads=2,
        num_key_value_heads=1, vocab_size=100, max_position_embeddings=64, use_cache=True,
    )  # fmt: skip
    torch.manual_seed(0)
    model = transformers.LlamaForCausalLM(config).eval()
    return model, torch.randint(0, 100, (1, 8)), layers


def cache_dir() -> Path:
    import transformers

    package = ROOT / "python_pkg/lenslab"
    sources = sorted([*(package / "export").glob("*.py"), *(package / "transforms").glob("*.py")])
    code = b"".join(p.read_bytes() for p in sources)  # what writes the page and its graph
    code += (ROOT / "python_pkg/lenslab/static/standalone.js").read_bytes()
    key = f"{torch.__version__}|{transformers.__version__}|{hashlib.sha1(code).hexdigest()[:12]}"
    out = Path(tempfile.gettempdir()) / f"lenslab-big-{hashlib.sha1(key.encode()).hexdigest()[:16]}"
    out.mkdir(parents=True, exist_ok=True)
    return out


def write(name: str, out: Path, force: bool) -> dict[str, Any]:
    path = out / f"{name}.html"
    meta = out / f"{name}.meta.json"
    if path.exists() and meta.exists() and not force:
        return {"path": str(path), **json.loads(meta.read_text())}
    from lenslab import lens

    print(f"[bench] capturing {name}", file=sys.stderr, flush=True)
    model, ids, layers = llama(SIZES[name])
    start = time.perf_counter()
    with torch.no_grad():
        history = lens(model, ids)
    capture_s = time.perf_counter() - start
    history.to_html(path)
    from lenslab.export.html import embedded_data

    page = path.read_text(encoding="utf-8")
    info = {
        "ops": len(history), "layers": layers, "html_bytes": path.stat().st_size,
        "graph_bytes": len(_element(page, "lenslab-data")),
        "graph_json_bytes": len(json.dumps(embedded_data(page)["graph"], separators=(",", ":"))),
        "tensor_bytes": len(_element(page, "lenslab-tensors")), "capture_s": round(capture_s, 1),
    }  # fmt: skip
    meta.write_text(json.dumps(info))
    return {"path": str(path), **info}


def _element(page: str, name: str) -> bytes:
    begin = page.index(f'id="{name}">') + len(f'id="{name}">')
    return page[begin : page.index("</script>", begin)].encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", default=list(SIZES), help="model names")
    parser.add_argument("--force", action="store_true", help="capture again")
    args = parser.parse_args()
    out = cache_dir()
    print(json.dumps({name: write(name, out, args.force) for name in args.only}))


if __name__ == "__main__":
    main()
