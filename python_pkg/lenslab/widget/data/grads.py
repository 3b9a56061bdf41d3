"""Tell live widgets that gradients arrived, without re-displaying them.

When a widget is shown for a capture made with ``grads=True``, one multi-grad hook (mode
"any") is placed on that capture's saved tensors. It fires once per backward pass and queues a
callback that runs when the backward pass has finished, which bumps ``grads_version`` on every
live widget of that capture (a weak registry: closed widgets are not kept alive). Captures made
with ``grads=False`` get no hook at all, so their ops cost nothing extra.
"""

from __future__ import annotations

import contextlib
import weakref
from typing import TYPE_CHECKING, Any, Protocol

import torch

if TYPE_CHECKING:
    from lenslab.capture import ActivationStore
    from lenslab.trace.record import CaptureSource


class GradListener(Protocol):
    grads_version: int


_listeners: weakref.WeakKeyDictionary[ActivationStore, weakref.WeakSet[Any]] = (
    weakref.WeakKeyDictionary()
)


def watch_grads(source: CaptureSource, listener: GradListener) -> None:
    from lenslab.trace.record import as_capture

    store = as_capture(source).trace.store
    listener.grads_version = 1 if store.grads else 0
    if not store.want_grads:
        return
    listeners = _listeners.get(store)
    if listeners is None:
        listeners = _listeners[store] = weakref.WeakSet()
        _install_hook(store)
    listeners.add(listener)


def _install_hook(store: ActivationStore) -> None:
    tensors = [v for v in store.values if isinstance(v, torch.Tensor) and v.requires_grad]
    if not tensors:
        return
    store_ref = weakref.ref(store)

    def after_backward() -> None:
        store = store_ref()
        for listener in list(_listeners.get(store, ())) if store is not None else []:
            with contextlib.suppress(Exception):  # a closed comm must not break backward
                listener.grads_version += 1

    def on_backward(_grads: Any) -> None:
        # Runs when the first saved tensor gets its gradient; the callback, at the very end.
        with contextlib.suppress(RuntimeError):
            torch.autograd.Variable._execution_engine.queue_callback(after_backward)

    with contextlib.suppress(RuntimeError, TypeError):
        torch.autograd.graph.register_multi_grad_hook(tensors, on_backward, mode="any")
