"""Section "compare" (issue 16): ``lenslab.compare`` of two GPT-2 small-config captures, and
the first draw of the compare widget (its standalone page, in headless Chromium).

Run b is run a's model with the attention output of block 5 scaled (an intervention), so half
the graph changes and half does not: matching, distances and the overlay all have work to do.
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from extras import _node, _printed_json
from models import build
from report import Row
from timing import median

import lenslab
from lenslab import lens


def run(reps: int = 5) -> dict[str, Any]:
    print("[bench] compare: GPT-2 small config, two captures", file=sys.stderr, flush=True)
    model, inputs = build("gpt2")
    model.eval()
    a = lens(model, inputs)
    b = lens(model, inputs, intervene={"transformer.h.5.attn": lambda v, layer: v * 1.5})
    times = []
    comparison = None
    for _ in range(reps):
        start = time.perf_counter()
        comparison = lenslab.compare(a, b)
        times.append(time.perf_counter() - start)
    assert comparison is not None
    counts = comparison.counts()
    with tempfile.TemporaryDirectory() as tmp:
        page = comparison.to_html(Path(tmp) / "compare.html", budget_mb=20)
        done = _node(["bench/frontend_compare.mjs", str(page)], 300)
    return {
        "ops": len(a),
        "compare_s": median(times),
        "changed": counts["changed"],
        "same": counts["same"],
        "draw": _printed_json(done.returncode, done.stdout, done.stderr),
    }


def rows(r: dict[str, Any] | None) -> list[Row]:
    if not r:
        return []
    ok = r["compare_s"] <= 0.5
    m = f"GPT-2 small config ({r['ops']} ops, {r['changed']} changed)"
    out: list[Row] = [
        (
            "compare",
            f"{m}: lenslab.compare(a, b)",
            f"{r['compare_s']:.3f} s",
            "≤ 0.5 s",
            "met" if ok else "MISSED",
        )
    ]
    draw = r["draw"]
    if "error" in draw:
        out.append(
            (
                "compare",
                f"{m}: compare widget first draw",
                f"failed: {draw['error']}",
                "≤ 300 ms",
                "n/a",
            )
        )
    else:
        ms = draw["first_draw_ms"]
        status = "met" if ms <= 300 else "MISSED"
        out.append(
            ("compare", f"{m}: compare widget first draw", f"{ms:.0f} ms", "≤ 300 ms", status)
        )
    return out
