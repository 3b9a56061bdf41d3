"""The graph a compare view draws: run ``a``'s ops plus, as nodes of their own, the ops only
``b`` ran (a different branch, another model's extra layers), with their edges into the ops
both runs share.

Ops sit in ``Comparison.rows`` order (a's execution order, each op only ``b`` ran just before
the next op both runs have), so union position = row position. Ops only ``b`` ran are labelled
``"b/" + their label in b``; everything that links by position (parents, module calls, frames,
branch edges, function calls, ...) is renumbered. A shared op whose input in ``b`` came from an
op only ``b`` ran gets that op as an extra parent (argument slot ``"in b"``).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..export.schema import WireBranchEdge, WireGraph, WireModuleCall, WireOp, WireOpFold
from ..export.wire import to_wire

if TYPE_CHECKING:
    from .comparison import Comparison

PREFIX = "b/"  # label prefix of ops only b ran
# The WireGraph fields, by what the union does with them: renumbered or extended (they hold op
# positions, or the frames ops point at), or kept as a's (no op positions). A field added to
# the schema must be placed here (tests/python/test_compare_union.py checks).
RENUMBERED = frozenset(
    {"ops", "module_calls", "branch_edges", "failure", "function_calls", "intervened",
     "op_folds", "output_groups", "saved_bytes", "frames", "source_text"}
)  # fmt: skip
KEPT = frozenset({"schema_version", "model_type", "modules", "caller_frames", "folds"})
SLOT = "in b"  # argument slot of an edge that only b has


@dataclass(frozen=True)
class Union:
    wire: WireGraph
    of_a: list[int]  # a's op position -> union position
    of_b: dict[int, int]  # b's op position (every op of b) -> union position
    only_b: dict[str, str]  # union label of an op only b ran -> its label in b
    frames_b: dict[int, int]  # union frame taken from b -> its position in b's frames


def union_graph(c: Comparison, *, source_text: bool = False) -> Union:
    """a's wire graph with the ops only b ran added (a's own graph when there are none)."""
    wa = to_wire(c.a, source_text=source_text)
    of_a = [0] * len(c.a)
    of_b: dict[int, int] = {}
    for k, row in enumerate(c.rows):
        if row.a >= 0:
            of_a[row.a] = k
        if row.b >= 0:
            of_b[row.b] = k
    if len(c.rows) == len(c.a):
        return Union(wa, of_a, of_b, {}, {})
    wb = to_wire(c.b, source_text=source_text)
    return _Merge(c, wa, wb, of_a, of_b).build()


class _Merge:
    def __init__(
        self, c: Comparison, wa: WireGraph, wb: WireGraph, of_a: list[int], of_b: dict[int, int]
    ) -> None:
        self.c, self.wa, self.wb, self.of_a, self.of_b = c, wa, wb, of_a, of_b
        self.out: WireGraph = copy.copy(wa)
        self.frames = list(wa["frames"])
        self.texts = list(wa["source_text"])
        self.frame_of: dict[int, int] = {}
        self.calls = [copy.copy(call) for call in wa["module_calls"]]
        self.call_of = self._matched_calls()

    def build(self) -> Union:
        rows, wa, wb = self.c.rows, self.wa, self.wb
        ops: list[WireOp] = []
        only_b: dict[str, str] = {}
        for row in rows:
            if row.a >= 0:
                op = copy.copy(wa["ops"][row.a])
                op["parents"] = [self.of_a[p] for p in op["parents"]]
                ops.append(op)
            else:
                ops.append(self._only_b(wb["ops"][row.b]))
                only_b[ops[-1]["label"]] = wb["ops"][row.b]["label"]
        for row in rows:  # edges b has from an op only b ran into an op both runs have
            if row.a >= 0 and row.b >= 0:
                self._b_parents(ops[self.of_a[row.a]], wb["ops"][row.b])
        out = self.out
        out["ops"] = ops
        self._renumber(out)
        out["module_calls"] = self.calls
        out["frames"] = self.frames
        if out["source_text"]:
            out["source_text"] = self.texts
        frames_b = {u: f for f, u in self.frame_of.items()}
        return Union(out, self.of_a, self.of_b, only_b, frames_b)

    def _only_b(self, src: WireOp) -> WireOp:
        op: WireOp = copy.copy(src)
        op["label"] = PREFIX + src["label"]
        op["layer"] = PREFIX + src["layer"]
        op["parents"] = [self.of_b[p] for p in src["parents"]]
        op["module_call"] = self._call(src["module_call"])
        op["frame"] = self._frame(src["frame"])
        return op

    def _b_parents(self, op: WireOp, src: WireOp) -> None:
        union = self.of_b
        extra = [union[p] for p in src["parents"] if self.c.rows[union[p]].a < 0]
        extra = [p for p in extra if p not in op["parents"]]
        if extra:
            op["parents"] = [*op["parents"], *extra]
            op["parent_args"] = [*op["parent_args"], *([SLOT] * len(extra))]

    def _matched_calls(self) -> dict[int, int]:
        """b's module call -> a's, through the ops they ran that match, else by address and
        call number."""
        ops_a, ops_b = self.wa["ops"], self.wb["ops"]
        out: dict[int, int] = {}
        for i, j in self.c.pairs.items():
            ca, cb = ops_a[i]["module_call"], ops_b[j]["module_call"]
            if ca >= 0 and cb >= 0:
                out.setdefault(cb, ca)
        keys = {
            (call["address"], call["call"]): k for k, call in enumerate(self.wa["module_calls"])
        }
        for k, call in enumerate(self.wb["module_calls"]):
            if k not in out and (call["address"], call["call"]) in keys:
                out[k] = keys[(call["address"], call["call"])]
        return out

    def _call(self, k: int) -> int:
        """The union's module call for b's call ``k`` (appended, with its parents, if a has
        none like it)."""
        if k < 0:
            return -1
        if k not in self.call_of:
            src: WireModuleCall = self.wb["module_calls"][k]
            parent = self._call(src["parent"])
            self.call_of[k] = len(self.calls)
            self.calls.append(
                {
                    "address": src["address"],
                    "call": src["call"],
                    "parent": parent,
                    "outputs": [self.of_b[o] for o in src["outputs"]],
                    "frames": [self._frame(f) for f in src["frames"]],
                }
            )
            self._module(src["address"])
        return self.call_of[k]

    def _module(self, address: str) -> None:
        known = {m["address"] for m in self.out["modules"]}
        if address in known:
            return
        extra = [dict(m) for m in self.wb["modules"] if m["address"] == address]
        self.out["modules"] = [*self.out["modules"], *extra]  # type: ignore[list-item]

    def _frame(self, f: int) -> int:
        if f < 0:
            return -1
        if f not in self.frame_of:
            self.frame_of[f] = len(self.frames)
            self.frames.append(self.wb["frames"][f])
            texts = self.wb["source_text"]
            if self.texts or texts:
                self.texts.extend([""] * (len(self.frames) - 1 - len(self.texts)))
                self.texts.append(texts[f] if f < len(texts) else "")
        return self.frame_of[f]

    def _renumber(self, out: WireGraph) -> None:
        """Every other field that holds a's op positions, in union positions."""
        of_a, n = self.of_a, len(out["ops"])
        for call in self.calls[: len(self.wa["module_calls"])]:
            call["outputs"] = [of_a[o] for o in call["outputs"]]
        self._ranges(out)
        out["branch_edges"] = self._branch_edges()
        failure = self.wa["failure"]
        if failure is not None:
            out["failure"] = {**failure, "parents": [of_a[p] for p in failure["parents"]]}
        if "output_groups" in self.wa:
            out["output_groups"] = [
                {**g, "ops": [of_a[i] for i in g["ops"]]} for g in self.wa["output_groups"]
            ]
        if "intervened" in self.wa:
            out["intervened"] = [of_a[i] for i in self.wa["intervened"]]
        if "saved_bytes" in self.wa:
            saved = [0] * n
            for i, b in enumerate(self.wa["saved_bytes"]):
                saved[of_a[i]] = b
            out["saved_bytes"] = saved

    def _at(self, i: int) -> int:
        """The union position of a's op ``i``; ``len(a)`` (one past the end) stays the end."""
        return self.of_a[i] if i < len(self.of_a) else len(self.c.rows)

    def _ranges(self, out: WireGraph) -> None:
        """Function calls and folded runs of ops: ranges of a's positions. A folded run that
        an op only b ran falls inside is no longer a run of equal blocks: it is dropped."""
        at, of_a = self._at, self.of_a
        out["function_calls"] = [
            {**f, "first_op": at(f["first_op"]), "end_op": at(f["end_op"]),
             "outputs": [of_a[o] for o in f["outputs"]]}
            for f in self.wa["function_calls"]
        ]  # fmt: skip
        if "op_folds" in self.wa:
            folds: list[WireOpFold] = [
                {
                    "module_call": f["module_call"],
                    "starts": [at(x) for x in f["starts"]],
                    "end": at(f["end"]),
                }
                for f in self.wa["op_folds"]
            ]
            rows = self.c.rows
            out["op_folds"] = [
                f
                for f in folds
                if f["starts"] and all(rows[k].a >= 0 for k in range(f["starts"][0], f["end"]))
            ]

    def _branch_edges(self) -> list[WireBranchEdge]:
        """a's, and b's where one end ran only in b (the arm b took)."""
        of_a, of_b, rows = self.of_a, self.of_b, self.c.rows
        edges: list[WireBranchEdge] = [
            {**e, "parent": of_a[e["parent"]], "child": of_a[e["child"]]}
            for e in self.wa["branch_edges"]
        ]
        for e in self.wb["branch_edges"]:
            p, ch = of_b[e["parent"]], of_b[e["child"]]
            if rows[p].a < 0 or rows[ch].a < 0:
                edges.append({**e, "parent": p, "child": ch})
        return edges
