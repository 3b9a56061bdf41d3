"""Every case where replay or perturbation legitimately cannot prove anything, in one place.

Static exemptions are decided from the callable's name and the parent's argument slot, before
anything runs. Dynamic ones are consulted only when perturbing a parent left the output
unchanged: they name the legitimate reason (saturation, discrete outputs, masks), and anything
they do not explain is a failure.
"""

from __future__ import annotations

from typing import Any

import torch

from .calls import slot_value

ALL = None  # every argument slot

# Ops whose output is uninitialised memory: replay cannot reproduce it.
REPLAY_EXEMPT: dict[str, str] = {
    name: "uninitialised output (empty memory)"
    for name in ("empty", "empty_like", "new_empty", "empty_strided", "new_empty_strided")
}

_SHAPE = "reads only the parent's shape, dtype or device"
_OVERWRITE = "overwrites its input without reading it"

# name -> (slots whose values the op never reads, or ALL; reason)
STATIC: dict[str, tuple[frozenset[str] | None, str]] = {
    **{
        name: (ALL, _SHAPE)
        for name in (
            "zeros_like",
            "ones_like",
            "empty_like",
            "full_like",
            "rand_like",
            "randn_like",
            "randint_like",
        )
    },
    **{
        name: (frozenset({"0", "self"}), _SHAPE)
        for name in (
            "new_zeros",
            "new_ones",
            "new_empty",
            "new_full",
            "new_tensor",
            "new_empty_strided",
        )
    },
    **{
        name: (frozenset({"1", "other"}), _SHAPE)
        for name in ("expand_as", "view_as", "reshape_as", "type_as", "to")
    },
    **{
        name: (frozenset({"0", "self"}), _OVERWRITE)
        for name in (
            "zero_",
            "fill_",
            "normal_",
            "uniform_",
            "bernoulli_",
            "random_",
            "exponential_",
            "geometric_",
            "cauchy_",
            "log_normal_",
            "copy_",
        )
    },
}

DISCRETE = "integer/bool output: different inputs can map to the same value"
PERMUTED = "integer/bool parent: a permutation of its values can leave the output equal"
CONSTANT = "integer/bool parent whose values are all equal: nothing to permute"
EMPTY = "empty tensor"
REJECTED = "the op rejects other values for this parent"
# Products: an all-zero operand (a zero-initialised layer, ``x * 0``) hides the others.
_PRODUCT = frozenset(
    {"mul", "__mul__", "__rmul__", "mul_", "__imul__", "multiply", "linear", "matmul",
     "__matmul__", "mm", "bmm", "conv1d", "conv2d", "conv3d", "einsum"}
)  # fmt: skip
_FACTOR_SLOTS = ("0", "1", "self", "other", "input", "weight", "mat2")
_SOFTMAX = frozenset({"softmax", "log_softmax", "_softmax", "_log_softmax"})
_MASK_FILL = frozenset({"masked_fill", "masked_fill_"})
_NORM = frozenset({"batch_norm", "instance_norm"})
_RUNNING_STATS = frozenset({"1", "2", "running_mean", "running_var"})
_CLAMP = frozenset({"clamp", "clip", "clamp_", "clip_", "hardtanh", "hardtanh_", "relu6"})
_SETITEM = frozenset({"__setitem__", "index_put", "index_put_"})


def static_reason(name: str, slots: list[str]) -> str | None:
    """Why perturbing the parent in ``slots`` cannot change this op's output, or None."""
    entry = STATIC.get(name)
    if entry is None:
        return None
    exempt, reason = entry
    return reason if exempt is None or all(slot in exempt for slot in slots) else None


def dynamic_reason(
    name: str,
    slots: list[str],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
    parent: torch.Tensor,
    outputs: list[Any],
) -> str | None:
    """Why an unchanged output is legitimate here, or None (then it is a failure)."""
    tensors = [o for o in outputs if isinstance(o, torch.Tensor)]
    if all(o.numel() == 0 for o in tensors):
        return EMPTY
    if any(not _continuous(o) for o in tensors):
        return DISCRETE
    if not _continuous(parent):
        return PERMUTED
    if name in _PRODUCT and _other_operand_zero(args, kwargs, slots):
        return "multiplied by an all-zero operand (e.g. a zero-initialised weight)"
    if name == "where" and _where_ignores(args, kwargs, slots):
        return "where(): the condition never selects this operand"
    if name in _MASK_FILL and set(slots) <= {"0", "self"}:
        mask = slot_value(args, kwargs, "1")
        if isinstance(mask, torch.Tensor) and bool(mask.all()):
            return "masked_fill(): the mask covers every element"
    if name in _SETITEM and set(slots) <= {"0", "self"}:
        return "every element it could show was overwritten"
    if name in _NORM and set(slots) <= _RUNNING_STATS and _training(args, kwargs):
        return "batch norm in training mode only updates its running statistics"
    if name in _CLAMP and _saturated(args, kwargs, tensors):
        return "clamp(): every value is at a bound (saturated)"
    return _structural_reason(name, slots, args, kwargs)


def _structural_reason(
    name: str, slots: list[str], args: tuple[Any, ...], kwargs: dict[str, Any]
) -> str | None:
    if name in _SOFTMAX and _size_one_dim(args, kwargs):
        return "softmax over a dimension of size 1 is constant"
    if name in _SCATTER_REDUCE and set(slots) <= {"0", "self"} and _scattered_over(args, kwargs):
        return "scatter_reduce(include_self=False): every element was replaced by a reduction"
    return None


_SCATTER_REDUCE = frozenset({"scatter_reduce", "scatter_reduce_"})


def _scattered_over(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    """scatter_reduce ignores its input wherever the index writes, with include_self=False."""
    include = args[5] if len(args) > 5 else kwargs.get("include_self", True)
    target, dim, index = (slot_value(args, kwargs, s) for s in ("0", "1", "2"))
    if include is not False or not isinstance(target, torch.Tensor):
        return False
    if not isinstance(index, torch.Tensor) or not isinstance(dim, int):
        return False
    hit = torch.zeros(target.shape, dtype=torch.bool, device=target.device)
    return bool(hit.scatter(dim, index, True).all())


def _continuous(tensor: torch.Tensor) -> bool:
    return tensor.is_floating_point() or tensor.is_complex()


def _other_operand_zero(args: tuple[Any, ...], kwargs: dict[str, Any], slots: list[str]) -> bool:
    for slot in _FACTOR_SLOTS:
        if slot in slots:
            continue
        value = slot_value(args, kwargs, slot)
        if isinstance(value, (int, float)) and value == 0:
            return True
        if isinstance(value, torch.Tensor) and value.numel() and not bool(value.any()):
            return True
    return False


def _where_ignores(args: tuple[Any, ...], kwargs: dict[str, Any], slots: list[str]) -> bool:
    cond = slot_value(args, kwargs, "0")
    if not isinstance(cond, torch.Tensor) or cond.dtype != torch.bool:
        return False
    if set(slots) <= {"1", "input", "self"}:
        return not bool(cond.any())
    if set(slots) <= {"2", "other"}:
        return bool(cond.all())
    return False


def _size_one_dim(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    x = slot_value(args, kwargs, "0")
    dim = kwargs.get("dim", args[1] if len(args) > 1 else None)
    return isinstance(x, torch.Tensor) and isinstance(dim, int) and x.shape[dim] == 1


def _training(args: tuple[Any, ...], kwargs: dict[str, Any]) -> bool:
    flag = args[5] if len(args) > 5 else kwargs.get("training", kwargs.get("use_input_stats"))
    return flag is True


def _saturated(args: tuple[Any, ...], kwargs: dict[str, Any], outputs: list[torch.Tensor]) -> bool:
    low = kwargs.get("min", kwargs.get("min_val", args[1] if len(args) > 1 else None))
    high = kwargs.get("max", kwargs.get("max_val", args[2] if len(args) > 2 else None))
    bounds = [b for b in (low, high) if b is not None]
    if not bounds or not outputs:
        return False
    out = outputs[0]
    at_bound = torch.zeros_like(out, dtype=torch.bool)
    for bound in bounds:
        at_bound |= out == bound
    return bool(at_bound.all())
