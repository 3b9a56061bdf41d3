"""Progress over batches: tqdm in a terminal, a notebook bar in Jupyter (``tqdm.auto``)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")


def progress_bar(items: Iterable[T], total: int | None, show: bool, rank: int) -> Iterator[T]:
    if not show:
        yield from items
        return
    from tqdm.auto import tqdm  # imported on use: picks the notebook bar inside Jupyter

    label = "lenslab" if rank == 0 else f"lenslab rank {rank}"
    with tqdm(items, total=total, desc=label, unit="batch", position=rank) as bar:
        yield from bar
