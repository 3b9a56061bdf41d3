"""The notebook widget: an anywidget whose synced state is the wire graph of one capture.

Only graph and metadata travel through the trait (see ``lenslab.export.schema``); tensors stay
in the kernel. The front end is ``static/widget.js`` (built from ``src/widget.ts``).
"""

from __future__ import annotations

from lenslab.widget._lens_widget import CSS_PATH, ESM_PATH, FrontEndMissingError, LensWidget

__all__ = ["CSS_PATH", "ESM_PATH", "FrontEndMissingError", "LensWidget"]
