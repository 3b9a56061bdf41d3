"""The kernel side of the widget's data channel: requests for statistics, histograms and
slices of saved activations and gradients, answered with small binary arrays."""

from __future__ import annotations

from .grads import watch_grads
from .messages import PROTOCOL_VERSION, REPLY, REQUEST, RequestError
from .server import DataServer

__all__ = ["PROTOCOL_VERSION", "REPLY", "REQUEST", "DataServer", "RequestError", "watch_grads"]
