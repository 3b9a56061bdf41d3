"""The TorchFunctionMode that sees every torch call of the forward pass.

PyTorch pops the mode while its ``__torch_function__`` runs, so torch calls made inside a
recorded op (and by lenslab itself) are not seen again: each user-level call is one op.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from torch.overrides import TorchFunctionMode

from .builder import TraceBuilder
from .funcinfo import func_info


class CaptureMode(TorchFunctionMode):
    """Routes each torch call of the capturing thread to the builder."""

    def __init__(self, builder: TraceBuilder) -> None:
        super().__init__()
        self._builder = builder
        self._thread = builder.thread

    def __torch_function__(
        self,
        func: Callable[..., Any],
        types: Any,
        args: tuple[Any, ...] = (),
        kwargs: dict[str, Any] | None = None,
    ) -> Any:
        if kwargs is None:
            kwargs = {}
        info = func_info(func)
        if info.special:
            if info.skip or threading.get_ident() != self._thread:
                return func(*args, **kwargs)
            return self._builder.run_special(func, info, args, kwargs, self)
        if threading.get_ident() != self._thread:
            return func(*args, **kwargs)
        return self._builder.run(func, info, args, kwargs)
