"""Issue 19, "big models stay instant": Llama-style configs at ~10k, ~30k and ~100k ops
(bench/big_models.py, cached), their standalone pages drawn in headless Chromium
(bench/big_page.mjs). Run alone: ``.venv/bin/python bench/run.py --only big``."""

from __future__ import annotations

import sys
from typing import Any

from extras import _node, _printed_json

Row = tuple[str, str, str, str, str]

# Issue 19's targets at ~30k ops (ms); search everywhere.
FIRST_DRAW_MS = 1000.0
SELECT_TENSOR_MS = 100.0
EXPAND_ALL_MS = 1500.0
SEARCH_MS = 50.0
GRAPH_BYTES_PER_OP = 2000.0
HTML_BYTES = 10e6


def run(quick: bool = False, runs: int = 3, timeout_s: float = 1800) -> dict[str, Any]:
    import big_models

    names = ["llama_10k", "llama_30k"] if quick else list(big_models.SIZES)
    print(f"[bench] big models: {', '.join(names)}", file=sys.stderr, flush=True)
    try:
        out = big_models.cache_dir()
        pages = {name: big_models.write(name, out, False) for name in names}
        paths = [f"{n}={p['path']}" for n, p in pages.items()]
        done = _node(["bench/big_page.mjs", *paths, "--runs", str(1 if quick else runs)], timeout_s)
    except (OSError, RuntimeError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}
    except Exception as exc:  # a capture that fails (e.g. out of memory at 100k) is reported
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}
    drawn = _printed_json(done.returncode, done.stdout, done.stderr)
    if "error" in drawn:
        return drawn
    return {name: {**pages[name], **drawn.get(name, {})} for name in names}


def rows(result: dict[str, Any] | None) -> list[Row]:
    if result is None:
        return []
    if "error" in result:
        return [("big models", "issue 19 (big_page.mjs)", f"failed: {result['error']}", "", "")]
    out: list[Row] = []
    for name, r in result.items():
        at30k = name == "llama_30k"
        ops = r.get("ops", 0)
        label = f"{name} ({ops:,} ops, {r.get('layers', '?')} layers)"

        def row(
            measure: str, value: Any, target: float | None, unit: str = "ms", label: str = label
        ) -> Row:
            if value is None:
                return ("big models", f"{label}: {measure}", "n/a", "", "")
            goal = f"≤ {target:g} {unit}" if target is not None else ""
            status = "" if target is None else ("met" if value <= target else "MISSED")
            return ("big models", f"{label}: {measure}", f"{value:g} {unit}", goal, status)

        # A page over its budget has no preview to draw: how long the view took to say so.
        settled = []
        if r.get("select_visible_tensor_ms") is None and r.get("select_visible_settled_ms") is not None:
            state = r.get("select_visible_state")
            settled = [row(f"select → tensor view settled ({state})", r.get("select_visible_settled_ms"), None)]
        out += [
            row("first draw", r.get("first_draw_ms"), FIRST_DRAW_MS if at30k else None),
            row("page load → ready", r.get("load_to_ready_ms"), None),
            row("nodes at first draw (folded)", r.get("default_visible"), None, "nodes"),
            row("select → tensor drawn", r.get("select_visible_tensor_ms"), SELECT_TENSOR_MS if at30k else None),
            *settled,
            row("select in a fold → tensor drawn", r.get("select_tensor_ms"), None),
            row("then in another copy → tensor settled", r.get("select_other_copy_tensor_ms"), None),
            row("open the fold of layers", r.get("fold_open_ms"), None),
            row("expand all (folds open)", r.get("expand_all_ms"), EXPAND_ALL_MS if at30k else None),
            row("search", r.get("search_ms"), SEARCH_MS),
            row("search → hits drawn", r.get("search_drawn_ms"), None),
            row("JS heap after expand all", r.get("heap_mb"), None, "MB"),
            row("HTML graph bytes per op", round(r.get("graph_bytes", 0) / max(ops, 1)), GRAPH_BYTES_PER_OP, "B"),
            row("HTML file (default budget)", round(r.get("html_bytes", 0) / 1e6, 2), HTML_BYTES / 1e6, "MB"),
            row("capture", r.get("capture_s"), None, "s"),
        ]
    return out
