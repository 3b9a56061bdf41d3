"""lenslab: see every tensor operation of a PyTorch forward pass, as a JupyterLab widget.

from lenslab import lens
h = lens(model, x)
"""

from .api import lens, load, validate
from .compare import Comparison, compare, load_comparison
from .dataset.extract import extract
from .dataset.stats import dataset_stats
from .errors import LensError
from .history import ModelHistory
from .patching import patch_activations
from .trace.layer import LayerPass

__all__ = [
    "Comparison",
    "LayerPass",
    "LensError",
    "ModelHistory",
    "compare",
    "dataset_stats",
    "extract",
    "lens",
    "load",
    "load_comparison",
    "patch_activations",
    "validate",
]
