"""Section 1: capture overhead. Plain forward, ``lens(save="all")`` and TorchLens' full capture,
interleaved round by round; TorchLens runs in a worker process (see tl_worker.py)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from models import ZOO, build, call
from timing import interleaved, median

from lenslab import lens

HERE = Path(__file__).resolve().parent


class TorchLensWorker:
    """The TorchLens process; ``error`` says why it cannot measure, when it cannot."""

    def __init__(self) -> None:
        self.error: str | None = None
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "tl_worker.py")],
            cwd=HERE,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def ask(self, **request: Any) -> dict[str, Any]:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        return json.loads(line) if line else {"error": "the TorchLens worker exited"}

    def load(self, model: str) -> int | None:
        reply = self.ask(cmd="load", model=model)
        self.error = reply.get("error")
        return reply.get("ops")

    def trace(self) -> float | None:
        if self.error:
            return 0.0
        reply = self.ask(cmd="trace")
        self.error = reply.get("error")
        return reply.get("s", 0.0)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait(timeout=60)


def measure(name: str, worker: TorchLensWorker, budget_s: float) -> dict[str, Any]:
    model, inputs = build(name)
    tl_ops = worker.load(name)
    ops = len(lens(model, inputs))
    times = interleaved(
        {
            "plain": lambda: call(model, inputs),
            "lens": lambda: lens(model, inputs, save="all"),
            "torchlens": worker.trace,
        },
        budget_s,
    )
    plain, full = median(times["plain"]), median(times["lens"])
    row: dict[str, Any] = {
        "model": name,
        "ops": ops,
        "reps": len(times["plain"]),
        "plain_ms": plain * 1e3,
        "lens_ms": full * 1e3,
        "lens_ratio": full / plain,
    }
    if worker.error:
        row["torchlens_error"] = worker.error
    else:
        tl = median(times["torchlens"])
        row |= {"torchlens_ops": tl_ops, "torchlens_ms": tl * 1e3, "torchlens_ratio": tl / plain}
        row["lens_vs_torchlens"] = full / tl
    return row


def run(budget_s: float, models: list[str] | None = None) -> list[dict[str, Any]]:
    worker = TorchLensWorker()
    try:
        rows = []
        for name in models or list(ZOO):
            print(f"[bench] capture overhead: {name}", file=sys.stderr, flush=True)
            rows.append(measure(name, worker, budget_s))
        return rows
    finally:
        worker.close()
