"""tests/ts/fixtures/*.json are what Python emits today: scripts/gen_fixtures.py renders each
from a real capture (and Python's tensor statistics), and the checked-in files must match.

The generator runs as its own process, as a developer runs it: the call stacks recorded in
the fixtures (frames) start at the script, not inside pytest."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "ts" / "fixtures"


def test_typescript_fixtures_match_what_python_emits() -> None:
    done = subprocess.run(
        [sys.executable, "scripts/gen_fixtures.py", "--check"],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "PYTHONHASHSEED": "0"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]


def test_fixtures_carry_every_wire_field() -> None:
    """The drift that motivated the generator: fixtures without fields Python sends (caller)."""
    text = (FIXTURES / "small_cnn.json").read_text(encoding="utf-8")
    assert '"caller": "ResidualBlock.forward"' in text and '"frames"' in text
    assert (FIXTURES / "tensor_stats.json").is_file()
