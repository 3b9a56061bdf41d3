"""Per-copy statistics plotted from a folded node (ui-tests/fold-stats.spec.mjs): time, output
norm and gradient norm, one bar per copy, for a fold of module copies and one of loose ops."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_fold_plots_time_output_norm_and_grad_norm_per_copy() -> None:
    node = shutil.which("node")
    assert node is not None and Path("/usr/bin/chromium").exists(), "needs node and Chromium"
    assert (ROOT / "python_pkg/lenslab/static/widget.js").is_file(), "run `make build` first"
    done = subprocess.run(
        [node, "ui-tests/fold-stats.spec.mjs"], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.count("ok   ") == 2, done.stdout
