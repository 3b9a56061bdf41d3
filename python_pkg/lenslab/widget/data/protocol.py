"""The widget <-> kernel data channel, as types: the one schema for both sides.

``scripts/gen_protocol.py`` renders this module as ``src/protocol/messages.gen.ts`` (the
TypeScript types the front end uses); ``tests/python/test_protocol_schema.py`` fails when that
file is out of date. Change a message here, then run ``python scripts/gen_protocol.py``.

Every request and every reply carries ``version``; a kernel and a front end that disagree
answer with a ``version_mismatch`` error that says how to make them agree, instead of
misreading each other's messages.
"""

from typing import Any, Literal, Never, NotRequired, TypedDict

from lenslab.errors import ErrorCode

REQUEST = "lenslab:request"
REPLY = "lenslab:reply"
# 2: requests and replies carry `version` (version 1 sent none).
PROTOCOL_VERSION = 2
NON_FINITE_CODE = 255  # the uint8 code of NaN and ±Inf

Method = Literal[
    "stats", "histogram", "slice", "tiles", "grad_norms", "grad_flow", "all_stats", "source"
]
TensorKind = Literal["activation", "gradient"]
Encoding = Literal["float32", "uint8"]
# Compare widgets (lenslab.compare): run a (default), b's matching op, or b - a.
Side = Literal["a", "b", "diff"]


class StatsParams(TypedDict):
    layer: str  # a layer pass label, e.g. "conv2d_1_1:1"
    tensor: NotRequired[TensorKind]
    encoding: NotRequired[Encoding]
    side: NotRequired[Side]


class HistogramParams(StatsParams):
    bins: int


class SliceParams(StatsParams):
    """One or two axes; ``index`` has one position per dim (ignored on the axes)."""

    axes: list[int]
    index: list[int]
    limit: list[int]


class TilesParams(StatsParams):
    """``count`` 2-D slices along ``axes[0]`` from ``start`` (channel grids, RGB)."""

    axes: tuple[int, int, int]
    index: list[int]
    start: int
    count: int
    limit: tuple[int, int]


class AllStatsParams(TypedDict):
    tensor: NotRequired[TensorKind]


class SourceParams(TypedDict):
    """Lines of user code around one frame (a position in WireGraph.frames): ``context`` lines
    before and after its line (default 6), or the whole ``function`` it is in."""

    frame: int
    context: NotRequired[int]
    function: NotRequired[bool]


class MethodParams(TypedDict):
    stats: StatsParams
    histogram: HistogramParams
    slice: SliceParams
    tiles: TilesParams
    grad_norms: dict[str, Never]
    grad_flow: dict[str, Never]
    all_stats: AllStatsParams
    source: SourceParams


class TensorStats(TypedDict):
    """Over finite values (NaN and ±Inf are counted instead); null when there are none."""

    numel: int
    mean: float | None
    std: float | None
    min: float | None
    max: float | None
    zeros: int
    nan: int
    inf: int


class Stats(TensorStats):
    layer: str
    shape: list[int]
    dtype: str


class HistogramResult(TypedDict):
    layer: str
    lo: float
    hi: float
    nan: int
    inf: int


class SliceResult(TypedDict):
    layer: str
    shape: list[int]
    dtype: str
    source_shape: list[int]  # size along the requested axes before downsampling
    step: list[int]  # block size per axis (1: full resolution)
    downsample: Literal["block-mean"]


class GradNormsResult(TypedDict):
    count: int


class GradFlowResult(TypedDict):
    """Per pass, gradient norm / activation norm (the array; NaN where either is missing),
    computed when first asked for. ``flagged``: passes whose ratio is ``factor`` times below
    (vanishing) or above (exploding) the ``median`` ratio."""

    count: int
    median: float
    factor: float
    vanishing: int
    exploding: int


class AllStatsResult(TypedDict):
    columns: list[str]


class SourceResult(TypedDict):
    """``status`` ok; changed: the file changed since the capture (no lines sent); missing: it
    is gone. ``lines``: [line number, text] pairs; text, never HTML."""

    frame: int
    file: str
    line: int
    function: str
    status: Literal["ok", "changed", "missing"]
    lines: list[tuple[int, str]]


class MethodResults(TypedDict):
    stats: Stats
    histogram: HistogramResult
    slice: SliceResult
    tiles: SliceResult
    grad_norms: GradNormsResult
    grad_flow: GradFlowResult
    all_stats: AllStatsResult
    source: SourceResult


class ArrayHeader(TypedDict):
    """How the reply's one binary buffer encodes its array: value = offset + code × step."""

    dtype: Encoding
    shape: list[int]
    offset: float
    step: float


class ErrorBody(TypedDict):
    code: ErrorCode
    message: str


class RequestEnvelope(TypedDict):
    type: Literal["lenslab:request"]
    id: int
    version: int
    method: Method
    params: dict[str, Any]


class ReplyMessage(TypedDict):
    type: Literal["lenslab:reply"]
    id: int | None
    version: int
    result: NotRequired[Any]
    array: NotRequired[ArrayHeader]
    error: NotRequired[ErrorBody]
    kernel_ms: NotRequired[float]
