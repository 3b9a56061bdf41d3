"""Sections 4 and 5: validation cost, and the front end (graph drawing in headless Chromium,
widget bundle size, synced-state bytes per op)."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import zlib
from pathlib import Path
from typing import Any

from models import build, call
from report import Row
from timing import interleaved, median

from lenslab import lens

ROOT = Path(__file__).resolve().parent.parent
WIDGET = ROOT / "python_pkg" / "lenslab" / "static" / "widget.js"


def validation(budget_s: float, name: str = "resnet18") -> dict[str, Any]:
    """``h.validate()`` time over a plain forward's. The history is captured as validation
    needs it (``keep_args=True``: each op's callable and arguments, for replay); that capture
    is timed too, as a ratio to the plain forward."""
    row: dict[str, Any] = {"model": name}
    print(f"[bench] validation: {name}", file=sys.stderr, flush=True)
    model, inputs = build(name)
    options = {"keep_args": True}
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
        done = _node(["bench/frontend_graph.mjs"], timeout_s)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}
    return _printed_json(done.returncode, done.stdout, done.stderr)


def _node(args: list[str], timeout_s: float) -> subprocess.CompletedProcess[str]:
    """Run a node script from the repository root, capturing its output."""
    return subprocess.run(
        ["node", *args], cwd=ROOT, capture_output=True, text=True, timeout=timeout_s
    )


def _printed_json(returncode: int, stdout: str, stderr: str) -> dict[str, Any]:
    """The JSON object a bench script printed, or an error naming its exit and last line."""
    start = stdout.find("{")
    if returncode != 0 or start < 0:
        tail = (stderr or stdout).strip().splitlines()[-1:] or ["no output"]
        return {"error": f"exit {returncode}: {tail[0][:160]}"}
    result: dict[str, Any] = json.loads(stdout[start:])
    return result


def widget_size() -> dict[str, Any]:
    if not WIDGET.exists():
        return {"error": f"{WIDGET.relative_to(ROOT)} not built (run `make build`)"}
    data = WIDGET.read_bytes()
    return {"bytes": len(data), "gzip_bytes": len(gzip.compress(data))}


def wire_bytes_per_op(names: tuple[str, ...]) -> list[dict[str, Any]]:
    """Synced-state size per layer pass: the data traits LensWidget syncs (graph_z: the compact
    form of lenslab.export.compact, zlib-compressed, sent as a binary buffer; view_options and
    grads_version as JSON); the widget's code
    (_esm, _css) and ipywidgets' own fields are per widget, not per op, and left out."""
    from lenslab.export.compact import compact
    from lenslab.export.wire import to_wire
    from lenslab.widget._lens_widget import LensWidget

    rows = []
    for name in names:
        print(f"[bench] front end: synced state of {name}", file=sys.stderr, flush=True)
        model, inputs = build(name)
        history = lens(model, inputs, save=None)
        widget = LensWidget(history)
        state = widget.get_state(["graph_z", "view_options", "grads_version"])
        widget.close()
        packed = state.pop("graph_z")
        is_compact = json.loads(zlib.decompress(packed)) == dict(compact(to_wire(history)))
        size = len(packed) + len(json.dumps(state))
        rows.append(
            {
                "model": name,
                "ops": len(history),
                "form": "compact" if is_compact else "NOT compact",
                "bytes_per_op": size / len(history),
            }
        )
        del model, history, widget, state
    return rows


def model_drawing(runs: int = 3, timeout_s: float = 600) -> dict[str, Any]:
    """Issue 5's targets on real models: bench/frontend_models.py captures swin_v2_b and a
    detection model (cached by torch version), bench/frontend_models.mjs draws them in
    headless Chromium (standalone page, medians of `runs` fresh pages)."""
    import frontend_models

    print("[bench] front end: real models in headless Chromium", file=sys.stderr, flush=True)
    try:
        out = frontend_models.cache_dir()
        graphs = {name: frontend_models.write(name, out, False) for name in frontend_models.MODELS}
        paths = [f"{n}={g['path']}" for n, g in graphs.items()]
        done = _node(["bench/frontend_models.mjs", *paths, "--runs", str(runs)], timeout_s)
    except (OSError, subprocess.TimeoutExpired, RuntimeError) as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}
    result = _printed_json(done.returncode, done.stdout, done.stderr)
    if "error" in result:
        return result
    for name, r in result.items():
        r["ops"] = graphs[name]["ops"]
    return result


# Issue 5's first-draw targets in ms (the detection model: DETECTION_FIRST_DRAW).
FIRST_DRAW_TARGET = {"swin_v2_b": 1000.0}
DETECTION_FIRST_DRAW = 1500.0


def model_rows(models: dict[str, Any]) -> list[Row]:
    """Table rows for model_drawing(): met / missed against issue 5's targets."""

    def row(measure: str, value: float | None, target: float, unit: str = "ms") -> Row:
        if value is None:
            return ("front end", measure, "n/a", f"≤ {target:g} {unit}", "")
        return (
            "front end",
            measure,
            f"{value:g} {unit}",
            f"≤ {target:g} {unit}",
            "met" if value <= target else "MISSED",
        )

    if "error" in models:
        return [
            ("front end", "real models (frontend_models.mjs)", f"failed: {models['error']}", "", "")
        ]
    out: list[Row] = []
    largest = max(models, key=lambda n: models[n].get("ops", 0))
    for name, r in models.items():
        label = f"{name} ({r.get('ops', '?')} ops)"
        first = FIRST_DRAW_TARGET.get(name, DETECTION_FIRST_DRAW)
        out.append(
            row(f"{label}: first draw, {r['default_visible']} nodes", r["first_draw_ms"], first)
        )
        group = str(r.get("expand_group") or "?").removeprefix("module:")
        out.append(row(f"{label}: expand {group}", r.get("expand_one_ms"), 100))
        if name == largest:
            out.append(row(f"{label}: expand all, layout (worker)", r["full_layout_ms"], 3000))
            out.append(
                row(
                    f"{label}: redraw, {r['full_visible']} visible ({r['renderer']})",
                    r["redraw_ms"],
                    16,
                )
            )
        else:
            measure = f"{label}: expand all, layout (worker)"
            out.append(("front end", measure, f"{r['full_layout_ms']:g} ms", "", ""))
    return out


# Issue 6's data-path targets: kernel statistics of a 10M-element tensor, and a 256x256 slice
# from request to drawn in JupyterLab (bench/frontend_lab.mjs).
STATS_TARGET_MS = 100.0
SLICE_TARGET_MS = 50.0


def data_stats(budget_s: float = 6.0, numel: int = 10_000_000) -> dict[str, Any]:
    """The widget's stats request (DataServer.handle, the code path of the comm handler) on a
    history holding one float32 activation of `numel` elements, interleaved round by round with
    plain torch mean/std/min/max of the same tensor; medians."""
    import torch
    from torch import nn

    from lenslab.widget.data import DataServer

    print(f"[bench] data path: stats of a {numel:,}-element tensor", file=sys.stderr, flush=True)

    class Scale(nn.Module):
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return x * 2.0

    torch.manual_seed(0)
    history = lens(Scale(), torch.randn(10, numel // 10), save="all")
    layer = max(history, key=lambda p: getattr(p.activation, "numel", lambda: 0)())
    tensor = layer.activation
    server = DataServer(history)
    request = {
        "type": "lenslab:request",
        "version": 2,
        "id": 1,
        "method": "stats",
        "params": {"layer": layer.label, "tensor": "activation"},
    }
    reply, _ = server.handle(request)
    if "error" in reply:
        return {"error": f"stats request failed: {reply['error']}"[:200]}

    def torch_stats() -> None:
        float(tensor.mean()), float(tensor.std()), float(tensor.min()), float(tensor.max())

    times = interleaved(
        {"handler": lambda: server.handle(request), "torch": torch_stats},
        budget_s,
        min_reps=5,
    )
    handler, plain = median(times["handler"]), median(times["torch"])
    result = reply["result"]
    return {
        "numel": tensor.numel(),
        "dtype": str(tensor.dtype).removeprefix("torch."),
        "threads": torch.get_num_threads(),
        "runs": len(times["handler"]),
        "stats_ms": handler * 1e3,
        "torch_ms": plain * 1e3,
        "ratio": handler / plain,
        "agrees": abs(result["mean"] - float(tensor.mean())) <= 1e-4
        and abs(result["std"] - float(tensor.std())) <= 1e-4,
    }


def slice_in_lab(timeout_s: float = 300) -> dict[str, Any]:
    """The numbers bench/frontend_lab.mjs prints (JupyterLab + headless Chromium). The script
    has its own 240 s watchdog that shuts JupyterLab and Chromium down; past `timeout_s` it is
    sent SIGTERM (it cleans up on that too), then killed."""
    print("[bench] data path: 256x256 slice in JupyterLab", file=sys.stderr, flush=True)
    try:
        proc = subprocess.Popen(
            ["node", "bench/frontend_lab.mjs"],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
    except OSError as exc:
        return {"error": f"{type(exc).__name__}: {exc}"[:200]}
    try:
        stdout, stderr = proc.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            proc.communicate(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
        return {"error": f"frontend_lab.mjs took over {timeout_s:g} s"}
    return _printed_json(proc.returncode, stdout, stderr)


def data_rows(stats: dict[str, Any] | None, lab: dict[str, Any] | None) -> list[Row]:
    """Table rows for data_stats() and slice_in_lab(): met / missed against issue 6."""
    out: list[Row] = []

    def status(value: float | None, target: float) -> str:
        return "" if value is None else ("met" if value <= target else "MISSED")

    if stats is not None:
        if "error" in stats:
            out.append(("data path", "stats of a 10M-element tensor", stats["error"], "", ""))
        else:
            n = f"{stats['numel'] / 1e6:g}M-element {stats['dtype']}"
            out.append(
                (
                    "data path",
                    f"stats request, {n} (kernel handler)",
                    f"{stats['stats_ms']:.1f} ms",
                    f"≤ {STATS_TARGET_MS:g} ms",
                    status(stats["stats_ms"], STATS_TARGET_MS),
                )
            )
            out.append(
                (
                    "data path",
                    f"  torch mean+std+min+max, same tensor ({stats['threads']} thread)",
                    f"{stats['torch_ms']:.1f} ms (handler {stats['ratio']:.2f}x)",
                    "",
                    "" if stats["agrees"] else "values DIFFER",
                )
            )
    if lab is not None:
        if "error" in lab:
            out.append(
                ("data path", "256x256 slice in JupyterLab", f"failed: {lab['error']}", "", "")
            )
        else:
            drawn = "x".join(str(d) for d in lab["drawn_shape"])
            out.append(
                (
                    "data path",
                    f"{drawn} float32 slice, request -> drawn in JupyterLab ({lab['steps']} steps)",
                    f"{lab['slice_ms']} ms",
                    f"≤ {SLICE_TARGET_MS:g} ms",
                    status(lab["slice_ms"], SLICE_TARGET_MS),
                )
            )
            out.append(
                (
                    "data path",
                    "  same, to the next painted frame",
                    f"{lab['slice_to_frame_ms']} ms",
                    "",
                    "",
                )
            )
            if lab.get("kernel_slice_ms") is not None:
                out.append(
                    (
                        "data path",
                        "  of which the kernel's slice handler",
                        f"{lab['kernel_slice_ms']} ms",
                        "",
                        "",
                    )
                )
            out.append(
                (
                    "data path",
                    "  revisit (front-end cache), request -> drawn",
                    f"{lab['cached_ms']} ms",
                    "",
                    "",
                )
            )
    return out
