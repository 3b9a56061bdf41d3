"""Invariants every capture must satisfy (used by the zoo and toy-model tests)."""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from lenslab import ModelHistory, lens
from lenslab.capture.flatten import iter_tensors


def hooked_forward(
    model: nn.Module, args: tuple[Any, ...], kwargs: dict[str, Any], seed: int
) -> tuple[Any, dict[str, torch.Tensor]]:
    """A plain forward; what a forward hook saw as each module call's first output tensor."""
    seen: dict[str, torch.Tensor] = {}
    counts: dict[str, int] = {}
    handles = []
    for address, module in model.named_modules():
        if not address:
            continue

        def hook(_: nn.Module, __: Any, output: Any, address: str = address) -> None:
            counts[address] = counts.get(address, 0) + 1
            first = next(iter_tensors(output), None)
            if first is not None:
                seen[f"{address}:{counts[address]}"] = first[1].detach().clone()

        handles.append(module.register_forward_hook(hook))
    try:
        torch.manual_seed(seed)
        with torch.no_grad():
            out = model(*args, **kwargs)
    finally:
        for handle in handles:
            handle.remove()
    return out, seen


def check_capture(
    model: nn.Module,
    inputs: Any,
    kwargs: dict[str, Any] | None = None,
    seed: int = 0,
    **options: Any,
) -> ModelHistory:
    """Capture ``model`` and check labels, lookups, module outputs and final outputs."""
    args = (
        (inputs,)
        if isinstance(inputs, torch.Tensor)
        else tuple(inputs)
        if isinstance(inputs, (tuple, list))
        else ()
    )
    call_kwargs = {**(inputs if isinstance(inputs, dict) else {}), **(kwargs or {})}
    expected_out, module_outputs = hooked_forward(model, args, call_kwargs, seed)
    with torch.no_grad():
        h = lens(model, inputs, kwargs=kwargs, seed=seed, **options)

    labels = [layer.label for layer in h]
    assert len(labels) == len(set(labels)), "labels are unique"
    for key in h.lookup_keys():
        layer = h[key]
        assert h[layer.label] is layer
    for i, layer in enumerate(h):
        assert h[i] is layer and h[i - len(h)] is layer
        assert all(h[p].index < i for p in layer.parents), "parents ran before"
        assert all(layer.label in h[p].children for p in layer.parents)

    compared = 0
    for key, tensor in module_outputs.items():
        if key not in h:
            continue  # a module whose output no op produced (it returned an outside tensor)
        got = h[key].activation
        assert got is not None and got.shape == tensor.shape, key
        torch.testing.assert_close(got, tensor, msg=f"module output {key}", equal_nan=True)
        compared += 1
    assert compared or not module_outputs, "no module output found by its address"

    outputs = [t for _, t in iter_tensors(expected_out, objects=True)]
    assert len(h.outputs) == len(outputs)
    for layer, tensor in zip(h.outputs, outputs, strict=True):
        torch.testing.assert_close(layer.activation, tensor, equal_nan=True)
    return h
