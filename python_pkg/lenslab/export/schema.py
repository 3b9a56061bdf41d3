"""The wire schema: what the browser receives about a capture (graph and metadata, no tensors).

This module is the single source of truth. ``src/protocol/schema.ts`` mirrors it field by
field, and ``tests/python/test_schema_mirror.py`` fails when the two drift apart.

Bump ``SCHEMA_VERSION`` on any change that an older reader would misread.

Indexes, not names, link records: ``WireOp.parents`` holds positions in ``WireGraph.ops`` and
``WireOp.module_call`` a position in ``WireGraph.module_calls``. That keeps the synced state
small (target: <= 300 bytes per op).
"""

from __future__ import annotations

from typing import Literal, NotRequired, TypedDict

SCHEMA_VERSION = 1

Role = Literal["input", "output", "op", "buffer"]


class WireOp(TypedDict):
    """One layer pass (one executed op), in execution order."""

    label: str  # full label with pass, "conv2d_3_7:2"; inputs/outputs "input_1:1"
    layer: str  # layer label without pass, "conv2d_3_7"; rolled-view node id
    type: str  # layer type, "conv2d"
    func: str  # torch callable as called, "conv2d", "__add__"
    pass_index: int  # 1-based pass of this layer
    num_passes: int  # passes of this layer
    role: Role
    shape: list[int] | None  # output tensor shape; None when the output is not a tensor
    dtype: str  # "float32"; "" when not a tensor
    parents: list[int]  # positions in WireGraph.ops, one per tensor argument slot (deduplicated)
    parent_args: list[str]  # argument slot of each parent: "0", "1", "weight", ...
    module_call: int  # innermost module call (position in WireGraph.module_calls), -1 at top level
    num_params: int  # elements of the parameters this op used
    params: list[str]  # parameter addresses used, "features.0.weight"
    has_input_ancestor: bool  # False for internally generated tensors (noise, constants)
    time_s: float  # wall time of the op
    flops: int  # estimated floating point operations, 0 when unknown
    bool_value: bool | None  # set only for terminal bools consumed by Python control flow
    source: str  # "file.py:42" of the user code that called it, "" when unknown
    # Qualified name of the Python function that called it (the frame ``source`` points into),
    # "paste_mask_in_image", "RoIHeads.postprocess_detections"; "" when unknown. Added after
    # version 1 without a bump: readers treat a missing ``caller`` as "".
    caller: str
    # Position in WireGraph.frames of the user line that ran the op (-1 unknown). Added within
    # version 1: readers treat a missing ``frame`` as -1.
    frame: int
    # Class name of the autograd node that made the output ("ConvolutionBackward0"); "" when
    # none (no grad, not a tensor). Travels interned (a code per op into a small table, see
    # compact.py). Added within version 1: readers treat a missing ``grad_fn`` as "".
    grad_fn: str


class WireModuleCall(TypedDict):
    """One call of one module. Calls nest: ``parent`` is the call this one ran inside."""

    address: str  # "features.6"
    call: int  # 1-based call number of this module
    parent: int  # position in WireGraph.module_calls, -1 for calls at top level
    outputs: list[int]  # ops (positions) that this call returned
    # Positions in WireGraph.frames of the user frames between the enclosing call and this one,
    # outermost first (the line that called this module last). Added within version 1.
    frames: list[int]


class WireModule(TypedDict):
    """One module of the model, by address (the address tree)."""

    address: str
    type: str  # class name, "Conv2d"
    num_calls: int
    children: list[str]  # child addresses
    num_params: int  # elements, recursive


class WireBranchEdge(TypedDict):
    """An edge where a conditional branch that ran leaves the main path."""

    parent: int
    child: int
    kind: Literal["IF", "THEN", "ELIF", "ELSE"]  # ELIF: the arm of an ``elif``, added in v1


class WireFrame(TypedDict):
    """One user frame: a file (``"In [5]"`` for a notebook cell), a line, a function."""

    file: str
    line: int
    function: str


class WireFailure(TypedDict):
    """The torch call that raised during a partial capture (not recorded as an op)."""

    func: str  # callable name as called, "linear"
    message: str  # "RuntimeError: mat1 and mat2 shapes cannot be multiplied (2x3 and 4x2)"
    parents: list[int]  # recorded ops it was given (positions in WireGraph.ops)
    module_call: int  # innermost module call it ran in, -1 at top level
    frame: int  # position in WireGraph.frames, -1 unknown


class WireFunctionCall(TypedDict):
    """One call of a composite torch function recorded op by op (a collapsible frame).

    Added after version 1 without a bump: readers treat a missing ``function_calls`` as [].
    """

    name: str  # "multi_head_attention_forward", "scaled_dot_product_attention"
    module_call: int  # innermost module call it ran in (position), -1 at top level
    parent: int  # enclosing function call (position in WireGraph.function_calls), -1 when none
    first_op: int  # ops [first_op, end_op) ran inside it
    end_op: int
    outputs: list[int]  # ops (positions) whose outputs it returned


class WireFold(TypedDict):
    """A run of sibling module calls with the same structure (``transforms/folds.py``), drawn
    folded as one ``block ×N`` node. Added within version 1: readers treat a missing
    ``WireGraph.folds`` as no folds."""

    calls: list[int]  # positions in WireGraph.module_calls, in execution order
    kind: Literal["copies", "passes"]  # passes: one shared module called N times in a row


class WireOpFold(TypedDict):
    """A run of repeated blocks of loose ops at one level (``transforms/op_folds.py``), drawn
    folded as one ``block ×N`` node. Added within version 1: readers treat a missing
    ``WireGraph.op_folds`` as none."""

    module_call: int  # the level: a module call (position), -1 for the top level
    starts: list[int]  # first op (position) of each block; block k ends where block k + 1 starts
    end: int  # one past the last op of the last block


class WireOutputGroup(TypedDict):
    """Model outputs under one top-level field of the returned value (``cache`` of
    ``cache.layers.0.keys``; ``transforms/outputs.py``), drawn as one closed node. Added within
    version 1: readers treat a missing ``WireGraph.output_groups`` as none."""

    name: str  # the field: "cache", "hidden_states"
    ops: list[int]  # the output ops (positions in WireGraph.ops), in order
    paths: list[str]  # each one's path in the returned value, "cache.layers.0.keys"


class WireGraph(TypedDict):
    schema_version: int
    model_type: str  # class name of the captured model
    ops: list[WireOp]
    module_calls: list[WireModuleCall]
    modules: list[WireModule]
    branch_edges: list[WireBranchEdge]
    # Added within version 1 (readers treat them as missing/empty): the call-stack table
    # (``export/frames.py``), the frames that called ``lens``, the call that raised, and — in
    # standalone pages, bundles and kept notebook views only — the text of each frame's line
    # ([] in the widget: it fetches code from the kernel on demand).
    frames: list[WireFrame]
    caller_frames: list[int]
    failure: WireFailure | None
    source_text: list[str]
    function_calls: list[WireFunctionCall]
    # Ops whose output ``lens(intervene=)`` replaced (positions in ``ops``). Added after
    # version 1 without a bump: absent means none.
    intervened: NotRequired[list[int]]
    folds: NotRequired[list[WireFold]]  # added within version 1
    op_folds: NotRequired[list[WireOpFold]]  # added within version 1
    output_groups: NotRequired[list[WireOutputGroup]]  # added within version 1
    # Per op, the bytes autograd saved for its backward; only with ``lens(..., memory=True)``.
    # Added within version 1: missing means not recorded.
    saved_bytes: NotRequired[list[int]]


# --- Transport encoding -------------------------------------------------------------------------
# What actually travels to the browser (the widget's synced trait, saved notebook outputs) is the
# compact form of a WireGraph: ``ops`` as columns instead of records (the field names once, not
# once per op), ``layer`` dropped (it is ``label`` up to its last ":"), module ``children`` dropped
# (derived from addresses), and string columns with repeats dictionary-encoded as an
# ``InternedColumn``. ``export/compact.py`` writes it, ``src/protocol/compact.ts`` reads it back
# into a WireGraph. It keeps the synced state near 200 bytes per op instead of ~500.


class InternedColumn(TypedDict):
    """A string column as a table of distinct values plus one code (table position) per op."""

    table: list[str]
    codes: list[int]


class CompactWireGraph(TypedDict):
    schema_version: int
    model_type: str
    encoding: Literal["columns"]
    num_ops: int
    ops: dict[str, list[object] | InternedColumn]  # WireOp field → column (minus "layer")
    module_calls: list[WireModuleCall]
    modules: list[dict[str, object]]  # WireModule minus "children"
    branch_edges: list[WireBranchEdge]
    frames: list[WireFrame]
    caller_frames: list[int]
    failure: NotRequired[WireFailure]  # only when there is one
    source_text: NotRequired[list[str]]  # only when not empty
    function_calls: list[WireFunctionCall]
    intervened: NotRequired[list[int]]  # written only when some op was replaced
    folds: NotRequired[list[WireFold]]
    op_folds: NotRequired[list[WireOpFold]]
    output_groups: NotRequired[list[WireOutputGroup]]
    saved_bytes: NotRequired[list[int]]
