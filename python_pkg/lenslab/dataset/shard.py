"""This process's share of the batches under ``torchrun``, a Slurm array or any launcher that
sets ``RANK`` and ``WORLD_SIZE``: batch ``b`` belongs to rank ``b % WORLD_SIZE``. There is no
scheduler: every process runs the same call and skips what is not its own."""

from __future__ import annotations

import os
from dataclasses import dataclass

from ..errors import LensError


@dataclass(frozen=True)
class Shard:
    rank: int = 0
    world: int = 1

    @classmethod
    def from_env(cls) -> Shard:
        rank, world = os.environ.get("RANK"), os.environ.get("WORLD_SIZE")
        if rank is None and world is None:
            return cls()
        try:
            shard = cls(int(rank or 0), int(world or 1))
        except ValueError:
            raise LensError(
                f"RANK={rank!r} and WORLD_SIZE={world!r} must be integers (as torchrun sets them)."
            ) from None
        if not 0 <= shard.rank < shard.world:
            raise LensError(f"RANK={shard.rank} must be in [0, WORLD_SIZE={shard.world}).")
        return shard

    def owns(self, batch: int) -> bool:
        return batch % self.world == self.rank
