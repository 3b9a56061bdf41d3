"""`make bench`: lenslab against a plain forward pass and TorchLens, in one run, as one table.

Every figure is a ratio (or a size) measured in this run: contenders are interleaved round by
round and medians are reported, so a busy machine slows all of them alike. The table is printed
and written to bench/results.json; --markdown also writes bench/RESULTS.md.

  .venv-bench/bin/python bench/run.py [--quick] [--markdown] [--only SECTION ...]
"""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import big
import compare
import extras
import figures
import folds
import many
import memory
import notebook_weight
import overhead
import report
import scaling
import torch
from models import THREADS

HERE = Path(__file__).resolve().parent


def machine() -> dict[str, Any]:
    cpu = platform.processor() or "unknown CPU"
    try:
        with open("/proc/cpuinfo") as info:
            cpu = next(
                line.split(":", 1)[1].strip() for line in info if line.startswith("model name")
            )
    except (OSError, StopIteration):
        pass
    try:
        torchlens = importlib.metadata.version("torchlens")
    except importlib.metadata.PackageNotFoundError:
        torchlens = "not installed"
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else "none",
        "python": platform.python_version(),
        "torch": torch.__version__,
        "torch_threads": THREADS,
        "torchlens": torchlens,
    }


def sections(quick: bool) -> dict[str, Callable[[], Any]]:
    """Each section of the benchmark, by name (for `--only`), in the order they run."""
    budget = 4.0 if quick else 20.0
    return {
        "overhead": lambda: overhead.run(budget),
        "scaling": lambda: scaling.run(budget / 5, scaling.SIZES[:2] if quick else scaling.SIZES),
        "memory": memory.run,
        "validation": lambda: extras.validation(budget / 3),
        "graph_drawing": extras.graph_drawing,
        "models": lambda: extras.model_drawing(runs=1 if quick else 3),
        "widget": extras.widget_size,
        "wire": lambda: extras.wire_bytes_per_op(
            ("resnet18", "swin_t") if quick else ("resnet18", "swin_t", "swin_v2_b")
        ),
        "data_stats": lambda: extras.data_stats(2.0 if quick else 6.0),
        "data_lab": extras.slice_in_lab,
        "profile": lambda: figures.run(runs=1 if quick else 3),
        "many": many.run,
        "compare": compare.run,
        "notebook_weight": notebook_weight.run,
        "big": lambda: big.run(quick),
        "folds": lambda: folds.run(folds.SIZES[:2] if quick else folds.SIZES),
    }


def measure(quick: bool, only: set[str] | None = None) -> dict[str, Any]:
    """Every chosen section; one that raises is reported as failed and the rest still run."""
    out: dict[str, Any] = {}
    for name, run in sections(quick).items():
        if only is not None and name not in only:
            continue
        try:
            out[name] = run()
        except Exception as exc:
            print(f"[bench] {name} failed: {exc!r}", file=sys.stderr, flush=True)
            out[name] = {FAILED: f"{type(exc).__name__}: {exc}"[:300]}
    return out


FAILED = "section_failed"


def rows(results: dict[str, Any]) -> list[report.Row]:
    out: list[report.Row] = [
        (name, "section", f"failed: {value[FAILED]}", "", "FAILED")
        for name, value in results.items()
        if isinstance(value, dict) and FAILED in value
    ]
    results = {k: v for k, v in results.items() if not (isinstance(v, dict) and FAILED in v)}
    r = results.get
    if "overhead" in results:
        out += report.overhead_rows(results["overhead"])
    if "scaling" in results:
        out += report.scaling_rows(results["scaling"])
    if "memory" in results:
        out += report.memory_rows(results["memory"])
    if "validation" in results:
        out += report.validation_rows(results["validation"])
    if "models" in results:
        out += extras.model_rows(results["models"])
    out += report.frontend_rows(r("graph_drawing"), r("widget"), r("wire"))
    out += extras.data_rows(r("data_stats"), r("data_lab"))
    out += figures.rows(r("profile"))
    if "many" in results:
        out += many.rows(results["many"])
    out += compare.rows(r("compare"))
    out += notebook_weight.rows(r("notebook_weight"))
    out += big.rows(r("big"))
    out += folds.rows(r("folds"))
    return out


def describe(info: dict[str, Any], seconds: float) -> str:
    return (
        f"{info['cpu']}, {info['cores']} cores, GPU: {info['gpu']}; Python {info['python']}, "
        f"torch {info['torch']} ({info['torch_threads']} intra-op thread), "
        f"torchlens {info['torchlens']}; benchmark took {seconds:.0f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="short budgets, no 100k-op models")
    parser.add_argument("--markdown", action="store_true", help="also write bench/RESULTS.md")
    parser.add_argument(
        "--only",
        action="append",
        metavar="SECTION",
        choices=list(sections(False)),
        help="run only this section (repeatable); prints its rows, writes no file",
    )
    args = parser.parse_args()
    start = time.perf_counter()
    info = machine()
    only = set(args.only) if args.only else None
    results = measure(args.quick, only)
    seconds = time.perf_counter() - start
    table = rows(results)
    if not only:
        (HERE / "results.json").write_text(
            json.dumps(
                {"machine": info, "seconds": seconds, "results": results, "table": table}, indent=1
            )
        )
    print(f"\nlenslab benchmark: {describe(info, seconds)}\n")
    print(report.text_table(table))
    if only:
        print(json.dumps({k: results[k] for k in sorted(only)}, indent=1), file=sys.stderr)
        return
    if args.markdown:
        write_markdown(info, seconds, table)
    print(f"\nwritten: {HERE / 'results.json'}", file=sys.stderr)


def write_markdown(info: dict[str, Any], seconds: float, table: list[report.Row]) -> None:
    text = (
        "# Benchmark results\n\n"
        "The latest `make bench` table (`.venv-bench/bin/python bench/run.py --markdown`).\n"
        "Every figure is a ratio or a size measured in the same run: plain forward, lenslab and\n"
        "TorchLens interleaved round by round, medians. Absolute times are this machine's and\n"
        "this moment's; compare the ratios.\n\n"
        f"Machine: {describe(info, seconds)}.\n\n"
        f"{report.markdown_table(table)}\n"
    )
    (HERE / "RESULTS.md").write_text(text)


if __name__ == "__main__":
    main()
