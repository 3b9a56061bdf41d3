"""Autograd node names (``LayerPass.grad_fn``) without making deep graphs crash on release.

Reading ``tensor.grad_fn`` creates the node's Python object, and from then on torch (2.14)
frees that node through Python's deallocator, recursively: a chain of ~30,000 nodes read this
way overflows the C stack when its output is released (a segfault in plain torch, no lenslab
needed; nodes never read are freed iteratively). So a capture reads at most ``BUDGET`` nodes.
Ops repeat their calls (a 100k-op LLM is the same few hundred calls over and over), and the
node class follows from the call: the function, which output, and each argument's kind (a
tensor's rank, whether it requires grad, whether it is a view; any other value's type, one
level into tuples and lists, which tells ``x[0]`` from ``x[:, 1:]``). A signature seen before
gives its name without reading the node; a new one is read while the budget lasts, and after
that the op's ``grad_fn`` is ``None`` ("not recorded")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from torch import Tensor

BUDGET = 8_000  # nodes read per capture: a chain of 20,000 read nodes still frees safely
CACHE = True  # names by call signature (tests turn it off to compare with reading every node)


def _kind(value: Any, nested: bool = True) -> Any:
    if isinstance(value, Tensor):
        return (value.dim(), value.requires_grad, value._is_view())  # noqa: SLF001  (torch has no public name for it)
    if nested and isinstance(value, tuple | list):
        return tuple(_kind(v, False) for v in value)
    return type(value)


Call = tuple[Callable[..., Any], int, Tensor, tuple[Any, ...], dict[str, Any]]
"""An op's output as recorded: function, output index, output, args, kwargs."""


class GradFnNames:
    """Names autograd nodes by call signature into ``names_by_op`` (op index -> class name),
    reading at most ``budget`` nodes."""

    __slots__ = ("budget", "names", "names_by_op", "read")

    def __init__(self, names_by_op: dict[int, str], budget: int | None = None) -> None:
        self.names_by_op = names_by_op
        self.budget = BUDGET if budget is None else budget
        self.read = 0  # nodes read so far
        self.names: dict[tuple[Any, ...], str] = {}

    def record(self, index: int, call: Call, before: tuple[Any, int, int] | None) -> None:
        """Names op ``index``'s node. ``before``: the producer entry (weakref, op, version)
        its output had before this op; an op that hands back a tensor it was given, unchanged
        (dropout in eval, ``contiguous()``), leaves the node of the op that made it."""
        out = call[2]
        if before is not None and before[0]() is out and before[2] == out._version:
            name = self.names_by_op.get(before[1])
        else:
            name = self.name(*call)
        if name is not None:
            self.names_by_op[index] = name

    def name(
        self,
        func: Callable[..., Any],
        out_index: int,
        out: Tensor,
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> str | None:
        """The class name of ``out``'s autograd node, or ``None`` (no node, or not recorded)."""
        if not out.requires_grad or out.is_leaf:
            return None
        if any(a is out for a in args):  # handed back as given: its node is not the call's
            return self._read(out)
        key: tuple[Any, ...] = (func, out_index, tuple(_kind(a) for a in args), tuple(kwargs))
        try:
            known = self.names.get(key)
        except TypeError:  # an argument kind that cannot be hashed: read the node
            known, key = None, ()
        if known is not None and CACHE:
            return known
        name = self._read(out)
        if key and name is not None:
            self.names[key] = name
        return name

    def _read(self, out: Tensor) -> str | None:
        if self.read >= self.budget:
            return None
        self.read += 1
        node = out.grad_fn
        return None if node is None else type(node).__name__
