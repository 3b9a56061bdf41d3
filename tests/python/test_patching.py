"""Activation patching in one call, and the compare widget's kernel side (either run, b - a)."""

from __future__ import annotations

import math
from typing import Any

import pytest
import torch
from torch import nn

import lenslab
from lenslab import LensError, compare, lens
from lenslab.widget import ESM_PATH
from lenslab.widget.data import PROTOCOL_VERSION, REQUEST


class TwoPaths(nn.Module):
    """out = head(relu(a(x)) + b(x)): both paths carry information about the input."""

    def __init__(self) -> None:
        super().__init__()
        self.a = nn.Linear(4, 4)
        self.b = nn.Linear(4, 4)
        self.head = nn.Linear(4, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.head(torch.relu(self.a(x)) + self.b(x))


def _metric(out: torch.Tensor) -> float:
    return float(out.sum())


def test_patching_the_last_op_restores_everything_and_matches_a_hook() -> None:
    torch.manual_seed(0)
    model = TwoPaths().eval()
    clean, corrupted = torch.randn(1, 4), torch.randn(1, 4)
    result = lenslab.patch_activations(model, clean, corrupted, _metric)
    scores = {row.label: row.effect for row in result.rows}
    head = result.corrupted["head"].label
    assert scores[head] == pytest.approx(1.0)
    # Patching b's output by hand with a forward hook gives the same metric.
    saved = model.b(clean).detach()
    handle = model.b.register_forward_hook(lambda m, i, o: saved)
    with torch.no_grad():
        expected = _metric(model(corrupted))
    handle.remove()
    row = next(r for r in result.rows if r.label == result.corrupted["b"].label)
    assert row.metric == pytest.approx(expected)
    gap = result.clean_metric - result.corrupted_metric
    assert row.effect == pytest.approx((expected - result.corrupted_metric) / gap)
    table = result.to_pandas()
    assert list(table.columns) == ["label", "module", "metric", "effect"]
    assert len(table) == 3  # a, b, head: every module's output


def test_patching_leaves_the_model_as_it_was_and_checks_keys() -> None:
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 4), nn.BatchNorm1d(4), nn.Linear(4, 1)).train()
    before = {k: v.clone() for k, v in model.state_dict().items()}
    x, y = torch.randn(8, 4), torch.randn(8, 4)
    result = lenslab.patch_activations(model, x, y, _metric, at=["0", "1"])
    assert [r.label for r in result.rows] == [
        result.corrupted["0"].label,
        result.corrupted["1"].label,
    ]
    after = model.state_dict()
    # The two plain captures update BatchNorm's statistics as two forward passes would; the
    # patched runs leave no further trace.
    assert int(after["1.num_batches_tracked"]) == int(before["1.num_batches_tracked"]) + 2
    with pytest.raises(LensError, match="close matches"):
        lenslab.patch_activations(model, x, y, _metric, at=["11"])


needs_front_end = pytest.mark.skipif(not ESM_PATH.is_file(), reason="front end not built")


@needs_front_end
def test_compare_widget_answers_for_either_side_and_the_difference() -> None:
    from lenslab.widget.compare import CompareWidget

    torch.manual_seed(0)
    model, x = TwoPaths().eval(), torch.randn(2, 4)
    c = compare(lens(model, x), lens(model, x, intervene={"a": lambda v, layer: v + 1}))
    widget = c.show(threshold=0.01)
    assert isinstance(widget, CompareWidget)
    state = widget.compare
    relu = c.a.layer("relu_1_2").label
    index = c.a.layer(relu).index
    assert state["status"][index] == "c" and state["values"][index] == pytest.approx(c[relu].rel_l2)
    assert state["threshold"] == 0.01 and state["first_divergence"] == c.first_divergence

    def stats(side: str) -> dict[str, Any]:
        request = {
            "type": REQUEST,
            "id": 1,
            "version": PROTOCOL_VERSION,
            "method": "stats",
            "params": {"layer": relu, "side": side},
        }
        reply, _ = widget._answer(request)
        assert "result" in reply, reply
        return reply["result"]  # type: ignore[no-any-return]

    va, vb = c.a.layer(relu).activation, c.b.layer(relu).activation
    assert stats("a")["max"] == pytest.approx(float(va.max()))
    assert stats("b")["max"] == pytest.approx(float(vb.max()))
    assert stats("diff")["mean"] == pytest.approx(float((vb - va).mean()), abs=1e-6)


@needs_front_end
def test_patching_result_displays_as_a_scores_widget() -> None:
    torch.manual_seed(0)
    model = TwoPaths().eval()
    result = lenslab.patch_activations(model, torch.randn(1, 4), torch.randn(1, 4), _metric)
    widget = result.show()
    values = widget.compare["values"]
    assert widget.compare["kind"] == "scores"
    for row in result.rows:
        assert values[row.index] == pytest.approx(row.effect) or math.isnan(row.effect)


def _gpt2() -> Any:
    transformers = pytest.importorskip("transformers")
    config = transformers.GPT2Config(
        n_layer=2,
        n_embd=32,
        n_head=2,
        n_positions=16,
        vocab_size=50,
        use_cache=False,
        bos_token_id=0,
        eos_token_id=0,
        attn_implementation="eager",
    )
    torch.manual_seed(0)
    return transformers.GPT2LMHeadModel(config).eval()


def _hooked_trace(
    model: Any, clean: torch.Tensor, bad: torch.Tensor, metric: Any
) -> list[list[float]]:
    """The causal trace written by hand: for each block and token, run the corrupted input
    with that block's hidden state at that token replaced by the clean run's."""
    blocks = model.transformer.h
    saved: dict[int, torch.Tensor] = {}

    def keep(layer: int) -> Any:
        def hook(_m: Any, _i: Any, out: Any) -> None:
            saved[layer] = (out[0] if isinstance(out, tuple) else out).detach().clone()

        return hook

    handles = [b.register_forward_hook(keep(k)) for k, b in enumerate(blocks)]
    with torch.no_grad():
        model(clean)
    for handle in handles:
        handle.remove()
    grid: list[list[float]] = []
    for layer, block in enumerate(blocks):
        row = []
        for pos in range(bad.shape[1]):

            def patch(_m: Any, _i: Any, out: Any, layer: int = layer, pos: int = pos) -> Any:
                hidden = (out[0] if isinstance(out, tuple) else out).clone()
                hidden[:, pos] = saved[layer][:, pos]
                return (hidden, *out[1:]) if isinstance(out, tuple) else hidden

            handle = block.register_forward_hook(patch)
            with torch.no_grad():
                row.append(metric(model(bad).logits))
            handle.remove()
        grid.append(row)
    return grid


def test_per_position_patching_matches_a_hand_written_causal_trace_on_gpt2() -> None:
    model = _gpt2()
    clean = torch.tensor([[3, 7, 11, 5, 9, 2]])
    bad = clean.clone()
    bad[0, 1:3] = torch.tensor([40, 41])  # the corrupted "subject": tokens 1 and 2

    def metric(logits: Any) -> float:
        return float(logits[0, -1].log_softmax(-1)[17])

    blocks = ["transformer.h.0", "transformer.h.1"]
    result = lenslab.patch_activations(
        model, {"input_ids": clean}, {"input_ids": bad}, metric, at=blocks, positions="all"
    )
    grid = result.grid("metric")
    assert list(grid.columns) == list(range(6))
    assert list(grid.index) == [result.corrupted[b].label for b in blocks]
    expected = _hooked_trace(model, clean, bad, lambda logits: metric(logits))
    got = grid.to_numpy().ravel().tolist()
    assert got == pytest.approx([v for row in expected for v in row], abs=1e-5)
    effects = result.grid()
    # Token 0 comes before the corruption: its hidden state is the same in both runs.
    assert effects.iloc[0, 0] == pytest.approx(0.0, abs=1e-5)
    # Restoring the last block at the last token restores the clean output entirely.
    assert effects.iloc[-1, -1] == pytest.approx(1.0, abs=1e-5)
    assert set(result.to_pandas().columns) >= {"label", "position", "effect"}
    assert list(result.grid(rows="module").index) == blocks
    assert len(result.rows) == 12
    # The graph overlay gives each op its strongest position.
    assert result.scores[grid.index[-1]] == pytest.approx(float(effects.iloc[-1].max()))


def test_per_position_patching_checks_positions_and_dim() -> None:
    torch.manual_seed(0)
    model = TwoPaths().eval()
    x, y = torch.randn(2, 4), torch.randn(2, 4)
    result = lenslab.patch_activations(model, x, y, _metric, at=["b"], positions=[-1], dim=0)
    assert [r.position for r in result.rows] == [1]
    saved = model.b(x).detach()

    def hook(_m: Any, _i: Any, out: torch.Tensor) -> torch.Tensor:
        out = out.clone()
        out[1] = saved[1]
        return out

    handle = model.b.register_forward_hook(hook)
    with torch.no_grad():
        expected = _metric(model(y))
    handle.remove()
    assert result.rows[0].metric == pytest.approx(expected)
    with pytest.raises(LensError, match="outside"):
        lenslab.patch_activations(model, x, y, _metric, at=["b"], positions=[2], dim=0)
    with pytest.raises(LensError, match="no axis 2"):
        lenslab.patch_activations(model, x, y, _metric, at=["b"], positions="all", dim=2)
    with pytest.raises(LensError, match="per-position"):
        lenslab.patch_activations(model, x, y, _metric, at=["b"]).grid()
