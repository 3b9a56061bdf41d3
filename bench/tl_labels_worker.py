"""TorchLens in its own process for `make parity`: one model name per line in, its op labels out.

TorchLens wraps torch functions on first use and leaves them wrapped, so it never runs in the
process that runs lenslab. Reply per line: {"labels": [...]} (buffers aside) or {"error": "..."}.
"""

from __future__ import annotations

import json
import sys
import warnings

import parity_models


def labels(name: str) -> list[str]:
    import torchlens

    model, inputs = parity_models.build(name)
    if isinstance(inputs, dict):
        trace = torchlens.trace(model, (), input_kwargs=inputs)
    else:
        trace = torchlens.trace(model, inputs)
    return [op.label for op in trace if not getattr(op, "is_buffer", False)]


def main() -> None:
    warnings.filterwarnings("ignore")
    for line in sys.stdin:
        try:
            reply: dict[str, object] = {"labels": labels(line.strip())}
        except Exception as exc:  # reported per model, never fatal to the comparison
            reply = {"error": f"{type(exc).__name__}: {str(exc).splitlines()[0][:200]}"}
        print(json.dumps(reply), flush=True)


if __name__ == "__main__":
    main()
