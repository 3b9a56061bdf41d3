"""What the user hands ``lens``, checked and put in one form before anything runs: a clear
``LensError`` (saying what to do) instead of an error from deep inside torch."""

from __future__ import annotations

import inspect
from typing import Any

import torch

from .capture.flatten import iter_tensors
from .capture.modules import ModelTree
from .errors import LensError


class MethodCall(torch.nn.Module):
    """``lens(model.generate, ...)``: a method of a model, captured as a call of this wrapper.

    The model is its child ``model``, so each forward the method runs (one per generated token)
    is one call of ``model`` and its submodules' addresses start with ``model.``.
    """

    def __init__(self, owner: torch.nn.Module, method: str) -> None:
        super().__init__()
        self.model = owner
        self.method = method

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.model, self.method)(*args, **kwargs)


def storage_device(device: Any) -> torch.device | None:
    """``device=``, checked: a clear ``LensError`` instead of torch's, before anything runs."""
    if isinstance(device, str) and device == "same":
        return None
    try:
        target = torch.device(device)
    except (RuntimeError, TypeError, ValueError) as exc:
        raise LensError(
            f"device={device!r} is not a device torch knows ({exc}). Use 'same' (where each "
            "tensor already is), 'cpu', or an available accelerator such as 'cuda:0'."
        ) from None
    if target.type == "meta":
        raise LensError(
            "device='meta' keeps shapes but no values, so nothing would be saved. For metadata "
            "only, capture with save=None; to keep values, use 'same' or 'cpu'."
        )
    module = getattr(torch, target.type, None)
    available = getattr(module, "is_available", None)
    if target.type != "cpu" and callable(available) and not available():
        raise LensError(
            f"device={device!r}, but this machine has no {target.type} device available. Use "
            "'same' or 'cpu'."
        )
    count = getattr(module, "device_count", None)
    known = count() if callable(count) and target.type != "cpu" else None
    if target.index is not None and known is not None and target.index >= known:
        raise LensError(
            f"device={device!r}, but only {known} {target.type} device(s) exist here "
            f"(0 to {known - 1})."
        )
    return target


def checked_model(model: Any) -> torch.nn.Module:
    if isinstance(model, torch.jit.ScriptModule):
        raise LensError(
            "lens() cannot see inside a TorchScript module: its ops run in the TorchScript "
            "interpreter. Pass the original nn.Module (before torch.jit.script/trace) instead."
        )
    orig = getattr(model, "_orig_mod", None)
    if isinstance(orig, torch.nn.Module) and type(model).__name__ == "OptimizedModule":
        return orig  # torch.compile'd: trace the eager module it wraps
    if inspect.ismethod(model) and isinstance(model.__self__, torch.nn.Module):
        return MethodCall(model.__self__, model.__name__)
    if not isinstance(model, torch.nn.Module):
        raise LensError(
            f"lens() needs a torch.nn.Module as its first argument, got {type(model).__name__}. "
            "Wrap a plain function in an nn.Module whose forward calls it."
        )
    return model


def split_inputs(
    inputs: Any, kwargs: dict[str, Any] | None
) -> tuple[tuple[Any, ...], dict[str, Any]]:
    if kwargs is not None and not isinstance(kwargs, dict):
        raise LensError(f"kwargs must be a dict of keyword arguments, got {type(kwargs).__name__}.")
    extra = dict(kwargs or {})
    if isinstance(inputs, torch.Tensor):
        return (inputs,), extra
    if isinstance(inputs, (tuple, list)):
        return tuple(inputs), extra
    if isinstance(inputs, dict):
        return (), {**inputs, **extra}
    raise LensError(
        f"inputs must be a tensor, a tuple/list of positional arguments or a dict of keyword "
        f"arguments, got {type(inputs).__name__}. Convert arrays with torch.as_tensor(...)."
    )


def check_devices(tree: ModelTree, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    devices = {p.device for _, p in tree.params}
    if not devices:
        return
    for path, tensor in iter_tensors((args, kwargs)):
        if tensor.device not in devices:
            where = ", ".join(sorted(map(str, devices)))
            raise LensError(
                f"input {path or '0'} is on {tensor.device} but the model's parameters are on "
                f"{where}. Move one to the other, e.g. x.to({where.split(', ')[0]!r})."
            )
