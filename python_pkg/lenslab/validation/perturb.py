"""Check 3, perturbation: replacing a parent with other values must change the op's output.

This proves the recorded parent really feeds the op. Float parents get fresh normal values
(they cannot equal the saved ones by accident); integer and bool parents are permuted so
indices and masks stay in range. The op runs under the RNG state it was replayed with, so random
ops compare like with like. Exemptions live in ``exemptions.py``.
"""

from __future__ import annotations

from typing import Any

import torch

from .calls import OpCall, identical, run_call, substitute
from .context import set_torch_rng
from .exemptions import CONSTANT, EMPTY, REJECTED, dynamic_reason, static_reason
from .report import CheckResult

Tensor = torch.Tensor
CHECK = "perturbation"


class Perturber:
    """Perturbs each parent of each replayed call; reports through ``fail``/``result``."""

    def __init__(self, trace: Any, result: CheckResult) -> None:
        self.trace = trace
        self.result = result
        self.generators: dict[torch.device, torch.Generator] = {}
        self.pools: dict[tuple[torch.dtype, torch.device], Tensor] = {}

    def check(
        self,
        call: OpCall,
        parent_values: dict[str, Any],
        baseline: list[Any],
        rng_before: Any,
    ) -> list[tuple[int, str]]:
        """Perturb each distinct parent in turn; (parent, reason) for those that failed."""
        op = self.trace.ops[call.first]
        by_parent: dict[int, list[str]] = {}
        for parent, slot in zip(op.parents, op.slots, strict=True):
            by_parent.setdefault(parent, []).append(slot)
        base_args, base_kwargs = substitute(call.args, call.kwargs, parent_values)
        failures: list[tuple[int, str]] = []
        for parent, slots in by_parent.items():
            reason = self._one(
                call, slots, parent_values, base_args, base_kwargs, baseline, rng_before
            )
            if reason is not None:
                failures.append((parent, reason))
        return failures

    def _one(
        self,
        call: OpCall,
        slots: list[str],
        parent_values: dict[str, Any],
        base_args: tuple[Any, ...],
        base_kwargs: dict[str, Any],
        baseline: list[Any],
        rng_before: Any,
    ) -> str | None:
        original = parent_values.get(slots[0])
        static = static_reason(call.name, slots)
        if static is not None:
            self.result.exempted(static)
            return None
        if not isinstance(original, Tensor):
            self.result.skipped += 1
            return None
        other = self._other_values(original)
        if isinstance(other, str):
            self.result.exempted(other)
            return None
        args, kwargs = substitute(
            call.args, call.kwargs, {**parent_values, **dict.fromkeys(slots, other)}
        )
        if rng_before is not None:
            set_torch_rng(rng_before)
        try:
            outputs = run_call(self.trace, call, args, kwargs)
        except Exception:  # e.g. an index out of range, a non-positive-definite matrix
            self.result.exempted(REJECTED)
            return None
        if not all(identical(o, b) for o, b in zip(outputs, baseline, strict=True)):
            self.result.passed += 1
            return None
        why = dynamic_reason(call.name, slots, base_args, base_kwargs, original, baseline)
        if why is not None:
            self.result.exempted(why)
            return None
        return f"output unchanged when argument {'/'.join(slots)} was given other values"

    def _other_values(self, value: Tensor) -> Tensor | str:
        if value.numel() == 0:
            return EMPTY
        with torch.no_grad():
            if value.is_floating_point() or value.is_complex():
                noise = self._noise(value).view(value.shape)
                if value.is_contiguous():
                    return noise
                return torch.empty_like(value).copy_(noise)  # same strides: views still work
            other = value.detach().clone()
            flat = value.reshape(-1)
            perm = torch.randperm(flat.numel(), generator=self._generator(value.device))
            other.copy_(flat[perm.to(value.device)].reshape(value.shape))
            if torch.equal(other, value):  # an unlucky permutation, or all values equal
                other.copy_(flat.roll(1).reshape(value.shape))
        return CONSTANT if torch.equal(other, value) else other

    def _generator(self, device: torch.device) -> torch.Generator:
        gen = self.generators.get(device)
        if gen is None:
            gen = self.generators[device] = torch.Generator(device).manual_seed(0)
        return gen

    def _noise(self, value: Tensor) -> Tensor:
        """The first ``numel`` values of one pool of N(0.5, 3) noise per dtype and device:
        drawing fresh values for every parent costs more than most ops do."""
        key = (value.dtype, value.device)
        pool = self.pools.get(key)
        if pool is None or pool.numel() < value.numel():
            size = max(value.numel(), 2 * (pool.numel() if pool is not None else 0))
            pool = torch.empty(size, dtype=value.dtype, device=value.device)
            pool.normal_(0.5, 3.0, generator=self._generator(value.device))  # off-centre, wide
            self.pools[key] = pool
        return pool[: value.numel()]
