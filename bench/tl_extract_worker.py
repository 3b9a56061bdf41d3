"""TorchLens' dataset extraction timed on the cases of ``many.extract_throughput`` (issue 12's
"vs TorchLens doing the same"), in its own process: TorchLens wraps torch functions on its first
use and leaves them wrapped, which would slow every later measurement in the benchmark's process.

  .venv-bench/bin/python bench/tl_extract_worker.py CASE REPS  ->  {"s": median seconds} or
                                                                  {"error": "..."}
The first call (TorchLens' one-time wrapping) is a warm-up and is not timed.
"""

from __future__ import annotations

import json
import sys
import time
import warnings
from typing import Any

import many
import torch
from timing import median


def _layers(case: str, model: torch.nn.Module, data: torch.Tensor) -> list[str]:
    """TorchLens lookups for what the case keeps: every ReLU output, or the blocks' outputs."""
    import torchlens

    if case == "gpt2":
        return ["h.0", "h.1"]
    trace = torchlens.trace(model, data[:2])
    return [layer.layer_label for layer in trace if str(layer.func_name).startswith("relu")]


def measure(case: str, reps: int) -> dict[str, Any]:
    import torchlens

    build = many.resnet_case if case == "resnet18" else many.gpt2_case
    model, data, _keys, _hooks = build()
    layers = _layers(case, model, data)
    pool = (lambda t: t.mean(dim=(-2, -1))) if case == "resnet18" else None

    def once() -> float:
        start = time.perf_counter()
        with torch.no_grad():
            torchlens.extract_dataset(
                model, data, layers, batch_size=many.BATCH, progress=False, transform=pool
            )
        return time.perf_counter() - start

    once()
    return {"s": median([once() for _ in range(reps)]), "layers": len(layers)}


def main() -> None:
    warnings.filterwarnings("ignore")  # TorchLens reports on the models; not ours to fix
    case, reps = sys.argv[1], int(sys.argv[2])
    try:
        result = measure(case, reps)
    except Exception as exc:  # reported in the table, not fatal to the benchmark
        result = {"error": f"{type(exc).__name__}: {exc}"[:200]}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
