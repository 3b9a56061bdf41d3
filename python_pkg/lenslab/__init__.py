"""lenslab: see every tensor operation of a PyTorch forward pass, as a JupyterLab widget.

from lenslab import lens
h = lens(model, x)
"""

from .api import lens, load, validate
from .dataset.extract import extract
from .dataset.stats import dataset_stats
from .errors import LensError
from .history import ModelHistory
from .trace.layer import LayerPass

__all__ = [
    "LayerPass",
    "LensError",
    "ModelHistory",
    "dataset_stats",
    "extract",
    "lens",
    "load",
    "validate",
]
