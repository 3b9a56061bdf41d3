"""Which tensors a standalone page gets first when its budget cannot hold them all.

A 100k-op decoder holds ~10k tensors' statistics and previews in the default 10 MB. In execution
order those would be the embedding and the first few hundred layers, and nothing of the final
norm, the head or the logits. The page draws repeated blocks folded and opens a fold at its first
copy, and the fold's per-copy plot reads each copy's output. So: first every op that is not in a
later copy of a fold (the model outside its repeated blocks, plus each fold's first copy), then
each later copy's output, then the rest; each group in execution order. Grouped outputs (a KV
cache's 2 per layer, drawn as one closed node, each the same tensor as an op inside a layer)
count as later copies after their group's first two.
"""

from __future__ import annotations

import itertools

from ..trace.trace import Trace
from ..transforms.folds import find_folds, level_entries
from ..transforms.op_folds import find_op_folds
from ..transforms.outputs import output_groups


def preview_order(trace: Trace) -> list[int]:
    """Every op position once, most useful first (linear in ops plus folded calls)."""
    n = len(trace.ops)
    later = bytearray(n)  # 1: inside a fold's copy after the first
    outputs: list[int] = []
    entries = level_entries(trace)
    for fold in find_folds(trace, entries=entries):
        for c in fold.calls[1:]:
            call = trace.calls[c]
            end = call.end_op if call.end_op >= 0 else n
            later[call.first_op : end] = b"\x01" * max(0, end - call.first_op)
            outputs.extend(call.outputs)
    for op_fold in find_op_folds(trace, entries):
        bounds = [*op_fold.starts, op_fold.end]
        for start, stop in itertools.pairwise(bounds[1:]):  # the copies after the first
            later[start:stop] = b"\x01" * (stop - start)
            outputs.append(stop - 1)
    for group in output_groups(trace):
        for i in group.ops[2:]:
            later[i] = 1
    first = [i for i in range(n) if not later[i]]
    picked = set(outputs)
    copies = sorted(i for i in picked if later[i])
    return first + copies + [i for i in range(n) if later[i] and i not in picked]
