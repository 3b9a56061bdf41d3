"""A closed widget, once its history is deleted too, gives the memory back: nothing lenslab or
anywidget keeps (hooks, listeners, file watchers) holds the capture."""

from __future__ import annotations

import gc
import weakref

import torch
from torch import nn

from lenslab import lens


class Wide(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(256, 256)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return torch.relu(self.fc(x)).sum(dim=1)


def test_closed_widgets_free_their_histories() -> None:
    model = Wide()
    stores: list[weakref.ref[object]] = []
    for grads in (False, True, False, True, False):
        h = lens(model, torch.randn(64, 256), grads=grads)
        if grads:
            h.outputs[0].activation.sum().backward()
        w = h.show()
        w._repr_mimebundle_()  # displayed once, as a notebook would
        stores.append(weakref.ref(h.capture.trace.store))
        w.close()
        del w, h
    gc.collect()
    alive = [ref for ref in stores if ref() is not None]
    assert not alive, f"{len(alive)} of 5 closed widgets still hold their capture"
