"""Text, table and notebook views of a history."""

from __future__ import annotations

import pytest
import torch

from lenslab import LayerPass, LensError, ModelHistory, lens
from toy_models import DynamicIf, TwoLayer


def test_repr_is_one_line() -> None:
    h = lens(TwoLayer(), torch.randn(2, 4))
    text = repr(h)
    assert "\n" not in text and "TwoLayer" in text and "5 layer passes (3 ops," in text
    assert repr(h["fc1"]) == "<LayerPass linear_1_1:1 2x8 @fc1>"


def test_summary_lists_every_pass() -> None:
    h = lens(TwoLayer(), torch.randn(2, 4))
    text = h.summary()
    # One counting vocabulary: layer passes are all entries, ops the tensor operations.
    assert text.splitlines()[0] == "TwoLayer: 5 layer passes (3 ops, 1 inputs, 1 outputs)"
    for layer in h:
        assert layer.label in text


def test_to_pandas_has_one_row_per_pass() -> None:
    h = lens(DynamicIf(), torch.randn(2, 4))
    frame = h.to_pandas()
    assert len(frame) == len(h)
    assert list(frame["label"]) == [layer.label for layer in h]
    assert frame.loc[frame["label"] == "gt_1_3:1", "bool_value"].item() is True


def test_to_pandas_without_pandas_says_how_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    h = lens(TwoLayer(), torch.randn(2, 4))
    monkeypatch.setitem(__import__("sys").modules, "pandas", None)  # import pandas -> ImportError
    with pytest.raises(LensError, match=r"pip install 'lenslab\[pandas\]'"):
        h.to_pandas()


def test_layer_pass_has_every_contract_attribute() -> None:
    h = lens(DynamicIf(), torch.randn(2, 4))
    names = [
        "label",
        "layer_label",
        "short_label",
        "type",
        "func_name",
        "pass_index",
        "num_passes",
        "shape",
        "dtype",
        "activation",
        "grad",
        "parents",
        "children",
        "module",
        "module_stack",
        "is_input",
        "is_output",
        "has_input_ancestor",
        "params",
        "time_s",
        "source",
        "is_terminal_bool",
        "bool_value",
    ]
    for layer in h:
        assert isinstance(layer, LayerPass)
        for name in names:
            getattr(layer, name)


def test_notebook_display_shows_the_widget() -> None:
    h = lens(TwoLayer(), torch.randn(2, 4))
    assert isinstance(h, ModelHistory)
    assert h.show(depth=2).view_options == {"depth": 2}
    data, _metadata = h._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in data


def test_keep_args_keeps_callables_and_arguments_for_replay() -> None:
    x = torch.randn(2, 4)
    h = lens(TwoLayer(), x, keep_args=True)
    func, args, kwargs = h.capture.trace.kept_args[h["fc1"].index]
    torch.testing.assert_close(func(*args, **kwargs), h["fc1"].activation)
    assert lens(TwoLayer(), x).capture.trace.kept_args == {}
