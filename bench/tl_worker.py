"""TorchLens in its own process, driven one capture at a time by the benchmark.

TorchLens wraps every torch function on its first capture and leaves them wrapped, which would
slow down (and tangle with) the plain forward and lenslab runs if it shared their process. The
benchmark keeps it here instead and asks for one timed capture per round, interleaved with its
own runs. Protocol: one JSON object per line each way.

  {"cmd": "load", "model": "resnet18"}  ->  {"ok": true, "ops": 151}  or  {"error": "..."}
  {"cmd": "trace"}                       ->  {"s": 1.23}                or  {"error": "..."}
"""

from __future__ import annotations

import gc
import json
import sys
import time
import warnings
from typing import Any

import models


def _capture_fn() -> Any:
    """TorchLens' capture call: ``trace`` (2.x, saves every activation and draws nothing by
    default) or ``log_forward_pass`` (1.x) with all layers saved and visualization off."""
    import torchlens

    try:
        return torchlens.trace
    except AttributeError:
        return lambda model, x: torchlens.log_forward_pass(
            model, x, layers_to_save="all", vis_opt="none"
        )


def _run(capture: Any, model: Any, inputs: Any) -> Any:
    if isinstance(inputs, dict):
        return capture(model, (), input_kwargs=inputs)
    return capture(model, inputs)


def _ops(trace: Any) -> int | None:
    try:
        return len(trace)
    except TypeError:
        return None


def main() -> None:
    warnings.filterwarnings("ignore")  # TorchLens reports on the models; not ours to fix
    capture = model = inputs = None
    for line in sys.stdin:
        request = json.loads(line)
        try:
            if request["cmd"] == "load":
                capture = capture or _capture_fn()
                model, inputs = models.build(request["model"])
                reply: dict[str, Any] = {"ok": True, "ops": _ops(_run(capture, model, inputs))}
            else:
                gc.collect()
                start = time.perf_counter()
                trace = _run(capture, model, inputs)
                reply = {"s": time.perf_counter() - start}
                del trace
        except Exception as exc:  # reported in the table's row, never fatal to the benchmark
            reply = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:160]}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
