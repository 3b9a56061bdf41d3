"""lenslab: see every tensor operation of a PyTorch forward pass, as a JupyterLab widget.

from lenslab import lens
h = lens(model, x)
"""

from .api import lens
from .errors import LensError
from .export.loader import load
from .trace.history import ModelHistory
from .trace.layer import LayerPass
from .validate import validate

__all__ = ["LayerPass", "LensError", "ModelHistory", "lens", "load", "validate"]
