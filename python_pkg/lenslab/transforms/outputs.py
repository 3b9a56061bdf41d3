"""Output groups: the model outputs that came out of one returned object or container.

A ``transformers`` decoder called with ``use_cache=True`` returns its KV cache next to the logits,
and every cache tensor is recorded as an output (``cache.layers.0.keys``, ...): 338 outputs for
a 169-layer Llama. The graph draws the outputs of one top-level field (the first segment of the
output path, ``cache``) as one closed node when there are at least ``MIN_GROUP`` of them. The
record keeps every output: lookups, validation and exports are unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..trace.trace import Trace

MIN_GROUP = 3


@dataclass(frozen=True)
class OutputGroup:
    """Outputs (op positions, in order) under one top-level field of the returned value."""

    name: str
    ops: tuple[int, ...]


def output_groups(trace: Trace, min_group: int = MIN_GROUP) -> list[OutputGroup]:
    """Groups of at least ``min_group`` outputs whose paths share a first segment (``cache`` of
    ``cache.layers.0.keys``); outputs at the top of the returned value (``logits``, ``0``) stay
    apart. In order of each group's first output; one pass over the outputs."""
    by_name: dict[str, list[int]] = {}
    for i in trace.outputs:
        path = trace.ops[i].address
        head, dot, _ = path.partition(".")
        if dot:
            by_name.setdefault(head, []).append(i)
    return [OutputGroup(name, tuple(ops)) for name, ops in by_name.items() if len(ops) >= min_group]
