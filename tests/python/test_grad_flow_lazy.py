"""The gradient-flow overlay in a live widget is computed when the widget first asks for it
(request "grad_flow"), not when the view is created; figures (no kernel) still compute it."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from torch import nn

from lenslab import LensError, lens
from lenslab.trace import params
from lenslab.widget.data import DataServer


def net() -> nn.Module:
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(6, 8), nn.Tanh(), nn.Linear(8, 3))


def ask(server: DataServer, method: str) -> tuple[dict[str, Any], list[bytes]]:
    return server.handle({"type": "lenslab:request", "version": 2, "id": 7, "method": method, "params": {}})


def test_showing_the_flow_overlay_computes_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    h = lens(net(), torch.randn(4, 6), grads=True)
    h.outputs[0].activation.sum().backward()
    calls: list[int] = []
    real = params.gradient_flow
    monkeypatch.setattr(params, "gradient_flow", lambda layers: calls.append(1) or real(layers))
    widget = h.show(overlay="gradient flow")
    assert widget.get_state(["view_options"])["view_options"] == {"overlay": "flow"}
    assert calls == [], "computed when the view was created"
    reply, _ = ask(DataServer(h.capture), "grad_flow")
    assert calls == [1], "computed once, when asked for"
    assert "error" not in reply, reply


def test_the_kernel_answers_the_ratio_of_every_pass() -> None:
    h = lens(net(), torch.randn(4, 6), grads=True)
    h.outputs[0].activation.sum().backward()
    reply, buffers = ask(DataServer(h.capture), "grad_flow")
    ratios = torch.frombuffer(bytearray(buffers[0]), dtype=torch.float32)
    assert reply["array"]["shape"] == [len(h)]
    table = h.to_pandas()
    for i, expected in enumerate(table["grad_ratio"]):
        if expected is None or (isinstance(expected, float) and math.isnan(expected)):
            assert math.isnan(ratios[i].item()), h[i].label
        else:
            assert ratios[i].item() == pytest.approx(float(expected), rel=1e-5), h[i].label
    result = reply["result"]
    assert result["count"] == sum(1 for r in ratios.tolist() if not math.isnan(r))
    assert result["factor"] == params.FLOW_FACTOR and result["median"] > 0


def test_without_grads_the_overlay_says_what_to_do() -> None:
    h = lens(net(), torch.randn(4, 6))
    with pytest.raises(LensError, match="grads=True"):
        h.show(overlay="gradient flow")
