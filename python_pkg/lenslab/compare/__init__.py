"""Two runs on one graph: ``compare`` (op-by-op differences) and ``patch_sweep`` (causal
tracing). A stage that reads two ``Capture`` records; the widget draws its result."""

from .bundle import load_comparison
from .comparison import Comparison, OpDiff, compare

__all__ = ["Comparison", "OpDiff", "compare", "load_comparison"]
