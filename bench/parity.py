"""`make parity`: lenslab's op labels against TorchLens', op by op, on the parity zoo.

TorchLens runs in its own process (bench/tl_labels_worker.py; it leaves torch wrapped). For
each model the two label lists (buffers aside) are aligned by op type; the report prints what
differs: ops only one side records, and ops of the same type labelled differently (pass or
numbering). docs/guides/torchlens-parity.md says why each remaining difference is deliberate.

Usage: .venv-bench/bin/python bench/parity.py [model ...]
"""

from __future__ import annotations

import difflib
import json
import re
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path

import parity_models

from lenslab import lens

HERE = Path(__file__).resolve().parent
_TYPE = re.compile(r"^(.*?)(_\d+)*(:\d+)?$")


def type_of(label: str) -> str:
    match = _TYPE.match(label)
    return match.group(1) if match else label


def lens_labels(name: str) -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the models' own warnings, not ours to report
        model, inputs = parity_models.build(name)
        h = lens(model, inputs, save=None)
    return [layer.label for layer in h if layer.type != "buffer"]


def compare(tl: list[str], ours: list[str]) -> list[str]:
    """Lines describing how ``ours`` differs from ``tl``; empty when the labels are identical."""
    if tl == ours:
        return []
    lines: list[str] = []
    a, b = [type_of(x) for x in tl], [type_of(x) for x in ours]
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    only_tl: Counter[str] = Counter()
    only_ours: Counter[str] = Counter()
    relabelled: list[str] = []
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            relabelled += [
                f"{x} -> {y}" for x, y in zip(tl[i1:i2], ours[j1:j2], strict=True) if _pass(x) != _pass(y)
            ]
            continue
        only_tl.update(a[i1:i2])
        only_ours.update(b[j1:j2])
    if only_tl:
        lines.append("only TorchLens: " + _counts(only_tl))
    if only_ours:
        lines.append("only lenslab:   " + _counts(only_ours))
    if relabelled:
        lines.append(f"pass differs on {len(relabelled)} op(s): " + ", ".join(relabelled[:4]))
    if not lines:
        lines.append("same ops and passes; numbering differs (follows from the above)")
    return lines


def _pass(label: str) -> str:
    """``:pass`` and whether the layer has more than one (what loop detection decided)."""
    return label.rpartition(":")[2] if ":" in label else "1"


def _counts(counter: Counter[str]) -> str:
    return ", ".join(f"{t} x{n}" if n > 1 else t for t, n in counter.most_common(8))


def main(names: list[str]) -> int:
    worker = subprocess.Popen(
        [sys.executable, str(HERE / "tl_labels_worker.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        cwd=HERE,
    )
    assert worker.stdin is not None and worker.stdout is not None
    identical = 0
    print(f"{'model':<20} {'TorchLens':>9} {'lenslab':>8}  differences")
    for name in names:
        worker.stdin.write(name + "\n")
        worker.stdin.flush()
        reply = json.loads(worker.stdout.readline())
        ours = lens_labels(name)
        if "error" in reply:
            print(f"{name:<20} {'error':>9} {len(ours):>8}  TorchLens failed: {reply['error']}")
            continue
        tl = reply["labels"]
        lines = compare(tl, ours)
        identical += not lines
        print(f"{name:<20} {len(tl):>9} {len(ours):>8}  {lines[0] if lines else 'identical'}")
        for line in lines[1:]:
            print(f"{'':<40}{line}")
    worker.stdin.close()
    worker.wait()
    print(f"\n{identical} of {len(names)} models: identical labels, op by op")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or list(parity_models.MODELS)))
