"""``h.modules``: a dict of ``ModuleInfo`` that also shows itself as a table."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from .derived import ModuleInfo

if TYPE_CHECKING:
    import pandas

MODULE_COLUMNS = (
    "address", "type", "num_calls", "training", "num_params", "own_params", "trainable_params",
    "frozen_params", "time_s", "flops", "output_bytes", "saved_for_backward_bytes",
)  # fmt: skip


class ModuleTable(dict[str, ModuleInfo]):
    """Module address -> ``ModuleInfo``, in model order."""

    def to_pandas(self) -> pandas.DataFrame:
        import pandas  # optional and slow to import

        rows = [{c: getattr(info, c) for c in MODULE_COLUMNS} for info in self.values()]
        return pandas.DataFrame(rows, columns=list(MODULE_COLUMNS))

    def _repr_html_(self) -> str:
        return str(self.to_pandas().to_html(max_rows=60))

    def as_dicts(self) -> list[dict[str, Any]]:
        return [dataclasses.asdict(info) for info in self.values()]
