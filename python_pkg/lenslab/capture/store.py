"""Saved activations and gradients, by op index.

Activations are kept by reference, not cloned. A saved tensor is copied only just before an
in-place op is about to change its storage (copy-on-write), so every saved value is what its op
produced. Aliasing is found by storage pointer, which views share with their base; the index
of storage pointers is built lazily, only when an in-place op happens.

After the pass (``seal``), values that share storage with a tensor the user keeps (inputs,
parameters, buffers) are copied, so ``x.add_(1)`` or ``optimizer.step()`` cannot
rewrite the history; every other value's version counter is noted, and ``checked`` refuses to
return one changed in place since (a tensor the model kept, such as a cache).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable
from typing import Any

import torch

from ..errors import LensError

PostFunc = Callable[[torch.Tensor], Any]


def storage_key(tensor: torch.Tensor) -> int:
    try:
        return int(tensor.untyped_storage().data_ptr())
    except (RuntimeError, NotImplementedError, TypeError):  # sparse, nested, functional wrappers
        return 0


class ActivationStore:
    """Values of saved ops (``None`` where not saved) and the gradients that arrive later."""

    def __init__(
        self,
        save_all: bool,
        postfunc: PostFunc | None,
        device: torch.device | None,
        grads: bool,
    ) -> None:
        self.save_all = save_all
        self.postfunc = postfunc
        self.device = device
        self.want_grads = grads
        self.values: list[Any] = []
        self.grads: dict[int, torch.Tensor] = {}
        self._unindexed: list[int] = []  # saved since the storage index was last brought up to date
        self._by_storage: dict[int, list[int]] = {}
        self._hooks: dict[int, Any] = {}  # op index -> gradient hook handle
        self._versions: list[int] = []  # per value, noted by ``seal``; -1: not checked
        # ``add`` keeps the tensor as it is: nothing to transform, no gradient to watch.
        self.as_is = postfunc is None and device is None and not grads

    def add(self, index: int, tensor: torch.Tensor, label_hint: str = "") -> None:
        """Save ``tensor`` as the value of op ``index`` (values are appended in index order)."""
        if not self.save_all:
            self.values.append(None)
        elif self.as_is:
            self.values.append(tensor)
            self._unindexed.append(index)
        else:
            self.keep(index, tensor, label_hint)

    def keep(self, index: int, tensor: torch.Tensor, label_hint: str = "") -> None:
        """Save ``tensor`` as the value of op ``index``, the next one (selected by ``save``)."""
        value: Any = tensor
        if self.postfunc is not None or self.device is not None:
            value = self.transform(tensor, label_hint)
        self.values.append(value)
        self._unindexed.append(index)
        if self.want_grads and tensor.requires_grad:
            self._watch_grad(index, tensor)

    def keep_late(self, index: int, tensor: torch.Tensor, label_hint: str = "") -> None:
        """Save the value of an op recorded earlier (a module call's output, kept when the
        call ends); ``tensor`` still holds what the op produced."""
        if self.values[index] is not None:
            return
        value: Any = tensor
        if self.postfunc is not None or self.device is not None:
            value = self.transform(tensor, label_hint)
        self.values[index] = value
        self._unindexed.append(index)
        if self.want_grads and tensor.requires_grad:
            self._watch_grad(index, tensor)

    def transform(self, tensor: torch.Tensor, label_hint: str) -> Any:
        with torch.no_grad():
            value: Any = tensor.detach()
            if self.postfunc is not None:
                try:
                    # A copy: an in-place postfunc (``t.mul_(0)``) must not reach the forward.
                    value = self.postfunc(value.clone())
                except Exception as exc:
                    raise LensError(
                        f"postfunc failed on {label_hint or 'a saved tensor'} "
                        f"(shape {tuple(tensor.shape)}): {exc!r}. Make postfunc accept every "
                        "saved tensor, or narrow `save` to the layers it is meant for."
                    ) from exc
            if self.device is not None and isinstance(value, torch.Tensor):
                value = value.to(self.device)
        return value

    def _watch_grad(self, index: int, tensor: torch.Tensor) -> None:
        grads = self.grads

        def keep(grad: torch.Tensor) -> None:
            grads[index] = grad.detach()

        # A tensor that cannot take hooks keeps grad None.
        with contextlib.suppress(RuntimeError):
            self._hooks[index] = tensor.register_hook(keep)  # type: ignore[no-untyped-call]

    def replace(self, index: int, tensor: torch.Tensor, label_hint: str = "") -> None:
        """Op ``index``'s output was swapped for ``tensor`` (an intervention): keep that instead."""
        old = self._hooks.pop(index, None)
        if old is not None:
            old.remove()
        if not self.save_all or self.values[index] is None:
            return
        value: Any = tensor
        if self.postfunc is not None or self.device is not None:
            value = self.transform(tensor, label_hint)
        self.values[index] = value
        self._unindexed.append(index)
        if self.want_grads and tensor.requires_grad:
            self._watch_grad(index, tensor)

    def before_mutation(self, target: torch.Tensor) -> None:
        """Copy every saved value that shares storage with ``target``, which is about to change."""
        if not self.save_all and not self._unindexed and not self._by_storage:
            return  # nothing saved yet
        by_storage = self._by_storage
        values = self.values
        for index in self._unindexed:
            value = values[index]
            if isinstance(value, torch.Tensor):
                key = storage_key(value)
                if key:
                    by_storage.setdefault(key, []).append(index)
        self._unindexed.clear()
        key = storage_key(target)
        if not key:
            return
        aliased = by_storage.pop(key, None)
        if aliased is None:
            return
        for index in aliased:
            value = values[index]
            if isinstance(value, torch.Tensor):
                # The copy (of the detached value: no autograd graph, so no grad-mode switch)
                # has its own storage that nothing else can reach: no index needed.
                values[index] = copy_detached(value)

    def seal(self, owned: Iterable[torch.Tensor]) -> None:
        """End of capture: copy each saved value that is, or is a view of, a tensor in ``owned``
        (what the user keeps), then note every value's version for ``checked``.

        Views are found by their ``_base`` (one attribute read per value, so the pass costs
        little per op); a value sharing storage some other way (``.detach()``) shares the
        version counter too, and ``checked`` catches its change."""
        roots = {id(t): t for t in owned}
        values = self.values
        Tensor = torch.Tensor
        hits = [
            i
            for i, v in enumerate(values)
            if isinstance(v, Tensor) and id(v if v._base is None else v._base) in roots  # noqa: SLF001
        ]
        copies: dict[int, torch.Tensor] = {}
        for index in hits:
            value = values[index]
            copy = copies.get(id(value))
            if copy is None:
                try:
                    copy = copies[id(value)] = _copy(value, self.want_grads)
                except (RuntimeError, NotImplementedError):
                    continue  # no copy possible: the version check still guards it
            values[index] = copy
        try:  # one comprehension: this runs once per op of the capture
            self._versions = [v._version if isinstance(v, Tensor) else -1 for v in values]
        except RuntimeError:  # an inference-mode tensor has no version counter
            self._versions = [_version(v) if isinstance(v, Tensor) else -1 for v in values]

    def checked(self, index: int, what: str) -> Any:
        """The value of op ``index``; a ``LensError`` if it was changed in place after capture."""
        value = self.values[index]
        versions = self._versions
        if (
            index < len(versions)
            and versions[index] >= 0
            and isinstance(value, torch.Tensor)
            and _version(value) != versions[index]
        ):
            raise LensError(
                f"the saved value of {what} was changed in place after the capture (the model or "
                "your code kept that tensor and modified it), so it is no longer what the op "
                "produced. Capture again, or clone it in the model before changing it."
            )
        return value

    def drop_except(self, keep: set[int]) -> None:
        """Forget the values of ops not in ``keep`` (selective ``save`` lists)."""
        for index in range(len(self.values)):
            if index not in keep:
                self.values[index] = None
                self.grads.pop(index, None)


def _version(tensor: torch.Tensor) -> int:
    try:
        return int(tensor._version)
    except RuntimeError:  # inference-mode tensors track no versions
        return -1


def _copy(value: torch.Tensor, keep_graph: bool) -> torch.Tensor:
    """A copy with its own storage; with ``keep_graph`` (``grads=True``) it stays in the
    autograd graph, so a backward pass through it still reaches the hooks on the original."""
    if keep_graph and value.requires_grad and torch.is_grad_enabled():
        return value.clone()
    with torch.no_grad():
        return copy_detached(value)


_SAME_SIZE_INT = {1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64}


def copy_detached(value: torch.Tensor) -> torch.Tensor:
    """``value.detach().clone()``, also for dtypes torch has no copy kernel for (``int1``
    .. ``uint7``): those are copied as integers of the same size and viewed back."""
    value = value.detach()
    try:
        return value.clone()
    except (RuntimeError, NotImplementedError):
        same = _SAME_SIZE_INT.get(value.element_size())
        if same is None or value.is_quantized:
            raise
        return value.view(same).clone().view(value.dtype)
