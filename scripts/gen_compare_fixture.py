"""Writes tests/ts/fixtures/branch_compare.lens (a saved comparison, ``Comparison.save``) and
branch_compare.json (what the viewer must read from it), for tests/ts/bundle-file.test.ts.

usage: python scripts/gen_compare_fixture.py   (rerun when the bundle format changes)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "python"))

from test_compare_union import _branch_runs  # noqa: E402  # the model lives with its tests


def main() -> None:
    out = ROOT / "tests" / "ts" / "fixtures"
    c = _branch_runs()
    c.save(out / "branch_compare.lens", strip_paths=True)
    a, b = c.a.layer("linear_2_6:1").activation, c.b.layer("linear_2_6:1").activation
    expected = {
        "only_b": {"b/sigmoid_1_4:1": float(c.b.layer("sigmoid_1_4:1").activation.sum())},
        "only_a": "relu_1_4:1",
        "diff": {"linear_2_6:1": float((b - a).sum())},
        "a": {"linear_2_6:1": float(a.sum())},
        "status": c.to_pandas().status.tolist(),
    }
    (out / "branch_compare.json").write_text(json.dumps(expected, indent=1) + "\n")


if __name__ == "__main__":
    main()
