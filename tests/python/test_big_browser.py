"""The ~10k-op browser test (ui-tests/big.spec.mjs): a 169-layer Llama-style config captured,
saved with ``to_html`` and driven in Chromium: first draw folded, fold and unfold, select →
tensor drawn, search, screenshots in ui-tests/output/. About 30-60 s, so it runs in make test."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_ten_thousand_op_model_folds_and_shows_tensors_in_the_browser() -> None:
    if shutil.which("node") is None or not Path("/usr/bin/chromium").exists():
        pytest.fail("node and /usr/bin/chromium are needed (scripts/setup.sh installs them)")
    sys.path.insert(0, str(ROOT / "bench"))
    import big_models

    page = big_models.write("llama_10k", big_models.cache_dir(), force=False)["path"]
    done = subprocess.run(
        ["node", "ui-tests/big.spec.mjs", page], cwd=ROOT, capture_output=True, text=True,
        timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
