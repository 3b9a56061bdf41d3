"""Sections 4 and 5: validation cost, and the front end (graph drawing in headless Chromium,
widget bundle size, synced-state bytes per op)."""

from __future__ import annotations

import gzip
import inspect
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from models import build, call
from timing import interleaved, median

from lenslab import ModelHistory, lens

ROOT = Path(__file__).resolve().parent.parent
WIDGET = ROOT / "python_pkg" / "lenslab" / "static" / "widget.js"


def validation(budget_s: float, name: str = "resnet18") -> dict[str, Any]:
    """``h.validate()`` time over a plain forward's, or why it cannot be measured yet. The
    history is captured as validation needs it (``keep_args=True``: each op's callable and
    arguments, for replay); that capture is timed too, as a ratio to the plain forward."""
    row: dict[str, Any] = {"model": name}
    if not callable(getattr(ModelHistory, "validate", None)):
        return row | {"status": "not yet"}
    print(f"[bench] validation: {name}", file=sys.stderr, flush=True)
    model, inputs = build(name)
    options = {"keep_args": True} if "keep_args" in inspect.signature(lens).parameters else {}
    history = lens(model, inputs, save="all", **options)
    try:
        result = history.validate()
    except Exception as exc:
        return row | {"status": f"failed: {type(exc).__name__}: {str(exc)[:120]}"}
    times = interleaved(
        {
            "plain": lambda: call(model, inputs),
            "capture": lambda: lens(model, inputs, save="all", **options),
            "validate": history.validate,
        },
        budget_s,
    )
    plain = median(times["plain"])
    return row | {
        "passed": bool(result),
        "failures": len(result.failures),
        "skipped": sorted(k for k, c in result.checks.items() if c.skipped),
        "plain_ms": plain * 1e3,
        "validate_ms": median(times["validate"]) * 1e3,
        "ratio": median(times["validate"]) / plain,
        "capture_ratio": median(times["capture"]) / plain,
    }


def graph_drawing(timeout_s: float = 300) -> dict[str, Any]:
    """The numbers bench/frontend_graph.mjs prints (a synthetic 10k-op graph in Chromium)."""
    print("[bench] front end: graph drawing in headless Chromium", file=sys.stderr, flush=True)
    try:
        done = subprocess.run(
            ["node", "bench/frontend_graph.mjs"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}
    start = done.stdout.find("{")
    if done.returncode != 0 or start < 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": f"exit {done.returncode}: {tail[0][:160]}"}
    result: dict[str, Any] = json.loads(done.stdout[start:])
    return result


def widget_size() -> dict[str, Any]:
    if not WIDGET.exists():
        return {"error": f"{WIDGET.relative_to(ROOT)} not built (run `make build`)"}
    data = WIDGET.read_bytes()
    return {"bytes": len(data), "gzip_bytes": len(gzip.compress(data))}


def wire_bytes_per_op(names: tuple[str, ...]) -> list[dict[str, Any]]:
    """Synced-state size: the graph the widget receives (compact form), as JSON, per layer pass."""
    from lenslab.export.compact import compact
    from lenslab.export.wire import to_wire

    rows = []
    for name in names:
        print(f"[bench] front end: synced state of {name}", file=sys.stderr, flush=True)
        model, inputs = build(name)
        history = lens(model, inputs, save=None)
        size = len(json.dumps(compact(to_wire(history))))
        rows.append({"model": name, "ops": len(history), "bytes_per_op": size / len(history)})
        del model, history
    return rows
