"""``to_html`` keeps the page within ``budget_mb`` (graph, code and tensors together) by packing
the graph (zlib JSON in base64, ``graph_z``), and spends what is left on lazily read previews."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch
from torch import nn

from lenslab import lens
from lenslab.export.compact import compact
from lenslab.export.html import STATIC, embedded_data
from lenslab.export.wire import to_wire


class Chain(nn.Module):
    """``steps`` rounds of four small ops (folded: ``block ×steps``), then a head: a graph of a
    few thousand ops in a second or two."""

    def __init__(self, steps: int) -> None:
        super().__init__()
        self.steps = steps
        self.head = nn.Linear(64, 8)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for _ in range(self.steps):
            x = torch.tanh(x * 0.5 + 1.0) - 0.1
        return self.head(x)


@pytest.fixture(scope="module")
def history():  # type: ignore[no-untyped-def]
    if not (STATIC / "standalone.js").is_file():
        pytest.skip("front end not built")
    return lens(Chain(800), torch.randn(16, 64))  # 3,200 ops of 1,024 values


@pytest.mark.parametrize("budget_mb", [0.6, 1.5])
def test_the_page_stays_within_the_budget_and_still_has_previews(
    history, tmp_path: Path, budget_mb: float
) -> None:
    page = history.to_html(tmp_path / "p.html", budget_mb=budget_mb)
    size = page.stat().st_size
    # Unpacked, the graph alone is ~150 B/op (~0.5 MB): with the code it overran 0.6 MB before.
    assert size <= budget_mb * 1e6, size
    text = page.read_text()
    lines = text[text.index('id="lenslab-tensors">') :].count('"preview"')
    assert lines >= 10, lines  # the budget left after the graph goes to previews
    assert size >= 0.8 * budget_mb * 1e6, size  # and is used


def test_the_packed_graph_is_the_compact_graph_and_far_smaller(history, tmp_path: Path) -> None:
    text = history.to_html(tmp_path / "p.html", budget_mb=0).read_text()
    graph = compact(to_wire(history, source_text=True))
    assert embedded_data(text)["graph"] == graph
    packed = text.index('"graph_z":"')
    element = text[packed : text.index('"', packed + 11)]
    assert len(element) < len(history) * 40, len(element) / len(history)  # bytes per op


def test_when_not_all_fit_the_model_outside_repeats_and_each_copys_output_come_first(
    history, tmp_path: Path
) -> None:
    text = history.to_html(tmp_path / "p.html", budget_mb=0.6).read_text()
    lines = text[
        text.index('id="lenslab-tensors">') : text.index(
            "</script>", text.index('id="lenslab-tensors">')
        )
    ]
    kept = {line.split("\t", 1)[0] for line in lines.split("\n")[1:] if line}
    labels = [layer.label for layer in history]
    assert len(kept) < len(labels)  # the budget is binding
    first_block, head, output = labels[1:5], labels[-2], labels[-1]
    assert {*first_block, head, output} <= kept  # the head and the logits, after 3,200 ops
    later = labels[5:-2]  # rounds 2-800
    copy_outputs = set(later[3::4])  # each round's last op (sub): what the per-copy plot reads
    kept_later = kept & set(later)
    assert kept_later <= copy_outputs and len(kept_later) >= 100, len(kept_later)
