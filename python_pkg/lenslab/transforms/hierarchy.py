"""Module hierarchy: the address tree (static) and, per module, what its calls did."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..trace.derived import ModuleInfo
from ..trace.trace import Trace


def call_stacks(trace: Trace) -> list[tuple[int, ...]]:
    """Per module call: the calls it ran inside, outer -> inner, ending with itself."""
    stacks: list[tuple[int, ...]] = []
    for index, call in enumerate(trace.calls):
        # A parent call always precedes its children, so its stack is already known.
        outer = stacks[call.parent] if call.parent >= 0 else ()
        stacks.append((*outer, index))
    return stacks


def module_infos(
    trace: Trace,
    stacks: list[tuple[int, ...]],
    extra: Callable[[str, tuple[int, ...]], dict[str, Any]] | None = None,
) -> dict[str, ModuleInfo]:
    """One ``ModuleInfo`` per module address (the model itself is ``""``); ``extra(address,
    ops)`` gives more of its fields (the profile, ``transforms/profile.py``)."""
    calls: dict[str, list[int]] = {}
    inputs: dict[str, list[int]] = {"": list(trace.inputs)}
    outputs: dict[str, list[int]] = {"": list(trace.outputs)}
    ops: dict[str, list[int]] = {"": list(range(len(trace.ops)))}
    for index, call in enumerate(trace.calls):
        calls.setdefault(call.address, []).append(index)
        inputs.setdefault(call.address, []).extend(call.inputs)
        outputs.setdefault(call.address, []).extend(call.outputs)
    # Per call: the distinct module addresses it runs inside, outer -> inner (a module calling
    # itself, recursion, counts an op once). Built from the parent's, so no stack is re-read.
    enclosing: list[tuple[str, ...]] = []
    for call in trace.calls:
        outer = enclosing[call.parent] if call.parent >= 0 else ()
        enclosing.append(outer if call.address in outer else (*outer, call.address))
    for address in dict.fromkeys(call.address for call in trace.calls):
        ops.setdefault(address, [])
    op_lists = [tuple(ops[address].append for address in chain) for chain in enclosing]
    for index, op in enumerate(trace.ops):
        if op.module_call >= 0:
            for append in op_lists[op.module_call]:
                append(index)
    infos: dict[str, ModuleInfo] = {}
    for address, entry in trace.modules.items():
        own_calls = tuple(calls.get(address, ()))
        inside = tuple(ops.get(address, ()))
        infos[address] = ModuleInfo(
            address=address,
            type=entry.type,
            num_calls=len(own_calls) if address else 1,
            children=entry.children,  # shared, never changed after capture
            num_params=entry.num_params,
            parent=address.rpartition(".")[0] if address else None,
            calls=own_calls,  # tuples: an empty one costs nothing for modules never called
            ops=inside,
            inputs=tuple(inputs.get(address, ())),
            outputs=tuple(outputs.get(address, ())),
            all_addresses=entry.all_addresses,
            **(extra(address, inside) if extra is not None else {}),
        )
    return infos


def returned_by(trace: Trace) -> dict[int, list[int]]:
    """Op -> the module calls that returned its tensor (calls are in order: outer first)."""
    out: dict[int, list[int]] = {}
    for index, call in enumerate(trace.calls):
        for op in dict.fromkeys(call.outputs):
            out.setdefault(op, []).append(index)
    return out
