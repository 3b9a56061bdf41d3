"""Labels as in TorchLens: ``{type}_{type_index}_{step_index}:{pass}``; ``input_1``, ``output_1``,
``buffer_1``.

``type_index`` counts layers of that type in order of first execution; ``step_index`` counts
all computed layers (inputs, outputs and buffers excluded).
"""

from __future__ import annotations

from dataclasses import dataclass

from ..capture import OP
from ..trace.trace import Trace
from .loops import Layers


@dataclass(frozen=True)
class Labels:
    labels: list[str]  # per op
    layer_labels: list[str]  # per op (one string shared by the passes of a layer)
    layer_shorts: list[str]  # per layer: "conv2d_3", "input_1"


def make_labels(trace: Trace, layers: Layers) -> Labels:
    n = len(trace.ops)
    labels = [""] * n
    layer_labels = [""] * n
    layer_shorts: list[str] = []
    type_count: dict[str, int] = {}
    step = 0
    for members in layers.members:
        op = trace.ops[members[0]]
        count = type_count[op.type] = type_count.get(op.type, 0) + 1
        short = f"{op.type}_{count}"
        if op.kind == OP:
            step += 1
            layer = f"{short}_{step}"
        else:
            layer = short  # input_1, output_1, buffer_1
        layer_shorts.append(short)
        for k, index in enumerate(members, start=1):
            labels[index] = f"{layer}:{k}"
            layer_labels[index] = layer
    return Labels(labels, layer_labels, layer_shorts)
