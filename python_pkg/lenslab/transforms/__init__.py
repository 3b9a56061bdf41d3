"""Pure, linear-time functions over a frozen ``Trace``; ``derive`` runs them all."""

from __future__ import annotations

from ..trace.derived import Derived, LazyModules
from ..trace.trace import Trace
from .ancestry import input_ancestry
from .branches import branches
from .flops import estimate_flops
from .hierarchy import call_stacks, module_infos, returned_by
from .labels import make_labels
from .loops import group_passes
from .profile import profile_fields


def derive(trace: Trace) -> Derived:
    """All derived facts of ``trace``."""
    layers = group_passes(trace)
    labels = make_labels(trace, layers)
    stacks = call_stacks(trace)
    found = branches(trace, stacks)
    flops = estimate_flops(trace)
    return Derived(
        labels=labels.labels,
        layer_labels=labels.layer_labels,
        pass_index=layers.pass_index,
        num_passes=layers.num_passes,
        layer_of=layers.layer_of,
        layer_members=layers.members,
        layer_shorts=labels.layer_shorts,
        has_input_ancestor=input_ancestry(trace),
        flops=flops,
        modules=LazyModules(lambda: module_infos(trace, stacks, profile_fields(trace, flops))),
        branch_edges=found.edges,
        returned_by=returned_by(trace),
        bool_contexts=found.contexts,
    )
