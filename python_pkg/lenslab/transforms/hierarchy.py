"""Module hierarchy: the address tree (static) and, per module, what its calls did."""

from __future__ import annotations

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


def module_infos(trace: Trace, stacks: list[tuple[int, ...]]) -> dict[str, ModuleInfo]:
    """One ``ModuleInfo`` per module address (the model itself is ``""``)."""
    calls_of: dict[str, list[int]] = {}
    for index, call in enumerate(trace.calls):
        calls_of.setdefault(call.address, []).append(index)
    infos: dict[str, ModuleInfo] = {}
    for address, entry in trace.modules.items():
        calls = calls_of.get(address, [])
        infos[address] = ModuleInfo(
            address=address,
            type=entry.type,
            num_calls=len(calls) if address else 1,
            children=list(entry.children),
            num_params=entry.num_params,
            parent=address.rpartition(".")[0] if address else None,
            calls=calls,
            all_addresses=list(entry.all_addresses),
        )
    for call in trace.calls:
        info = infos.get(call.address)
        if info is not None:
            info.inputs.extend(call.inputs)
            info.outputs.extend(call.outputs)
    for index, op in enumerate(trace.ops):
        if op.module_call < 0:
            continue
        seen: set[str] = set()
        for call_index in stacks[op.module_call]:
            address = trace.calls[call_index].address
            if address not in seen:
                seen.add(address)
                info = infos.get(address)
                if info is not None:
                    info.ops.append(index)
    root = infos.get("")
    if root is not None:
        root.ops.extend(range(len(trace.ops)))
        root.inputs.extend(trace.inputs)
        root.outputs.extend(trace.outputs)
    return infos
