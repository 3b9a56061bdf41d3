"""The ground truth: a plain forward pass of the same model, inputs, buffers and RNG state,
with forward hooks on every module. Feeds the outputs check and the module check."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import torch

from ..capture.flatten import iter_tensors
from .context import RunContext, _clone_tree


@dataclass
class Reference:
    outputs: list[torch.Tensor]
    module_outputs: dict[tuple[str, int], list[torch.Tensor]] = field(default_factory=dict)


def run_reference(context: RunContext) -> Reference:
    """Run the model as it ran under capture; leave its buffers as they are now afterwards."""
    model = context.model
    now = {name: b.detach().clone() for name, b in model.named_buffers()}
    seen: dict[tuple[str, int], list[torch.Tensor]] = {}
    counts: dict[str, int] = {}
    handles = []
    for address, module in model.named_modules():
        if not address:
            continue  # the model itself is the top level, not a module call

        def hook(_: torch.nn.Module, __: Any, output: Any, address: str = address) -> None:
            count = counts[address] = counts.get(address, 0) + 1
            # Copies: a later in-place op must not change what the hook saw. Not recorded when
            # the reference itself runs under capture (interventions).
            with torch._C.DisableTorchFunction():  # noqa: SLF001  (no public switch)
                seen[(address, count)] = [t.detach().clone() for _, t in iter_tensors(output)]

        handles.append(module.register_forward_hook(hook))
    try:
        context.load_buffers(context.buffers)
        context.rng.restore()
        args, kwargs = _clone_tree(context.args), _clone_tree(context.kwargs)
        with torch.set_grad_enabled(context.grad_enabled):
            result = _forward(context, args, kwargs)
    finally:
        for handle in handles:
            handle.remove()
        context.load_buffers(now)
    outputs = [t.detach() for _, t in iter_tensors(result, objects=True)]
    return Reference(outputs, seen)


def _forward(context: RunContext, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """A plain call; with interventions, a capture that saves nothing but replaces the same ops
    (the replacement is deliberate: the ground truth is the intervened model)."""
    if not context.targets:
        return context.model(*args, **kwargs)
    from ..capture import ActivationStore, run_forward

    store = ActivationStore(save_all=False, postfunc=None, device=None, grads=False)
    model, targets = context.model, context.targets
    return run_forward(
        model, args, kwargs, store, attention_weights=context.attention_weights, targets=targets
    )[1]
