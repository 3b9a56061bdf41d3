"""``lenslab.extract`` and ``h.rerun``: many inputs, equal to single ``lens()`` calls."""

from __future__ import annotations

import errno
import os
import pathlib
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

import lenslab
import lenslab.dataset.extract
from lenslab import LensError, lens

HERE = pathlib.Path(__file__).parent


class Net(nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.conv = nn.Conv2d(3, 4, 3, padding=1)
        self.head = nn.Linear(4, 5)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = torch.relu(self.conv(x))
        return self.head(y.mean(dim=(2, 3)))


class Branchy(nn.Module):
    """An ``if`` on the input: the graph depends on the data."""

    def __init__(self) -> None:
        super().__init__()
        self.fc = nn.Linear(4, 4)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.fc(x)
        if x.sum() > 0:
            y = torch.sigmoid(y) * 3
        return y + 1


def _net() -> Net:
    torch.manual_seed(0)
    return Net().eval()


def _single(model: nn.Module, x: torch.Tensor, key: str, postfunc=None) -> np.ndarray:  # type: ignore[no-untyped-def]
    """The reference: one lens() call per input."""
    rows = [
        lens(model, x[i : i + 1], save=[key], postfunc=postfunc)[key].activation
        for i in range(len(x))
    ]
    return torch.cat(rows).numpy()


def test_extract_equals_single_lens_calls_for_every_kind_of_data() -> None:
    model, x = _net(), torch.randn(7, 3, 6, 6)
    mean = lambda t: t.mean(dim=(2, 3))  # noqa: E731
    want = {"conv": _single(model, x, "conv", mean), "head": _single(model, x, "head")}
    kinds = {
        "tensor": x,
        "dataset": TensorDataset(x),
        "loader": DataLoader(TensorDataset(x), batch_size=3),
        "dicts": [{"x": x[i : i + 2]} for i in range(0, 7, 2)],
    }
    for kind, data in kinds.items():
        for key, postfunc in (("conv", mean), ("head", None)):
            ex = lenslab.extract(
                model,
                data,
                [key],
                batch_size=None if kind in ("loader", "dicts") else 3,
                postfunc=postfunc,
                progress=False,
            )
            np.testing.assert_allclose(ex[key], want[key], rtol=1e-5, atol=1e-6, err_msg=kind)
            assert ex.labels[key] == lens(model, x[:1])[key].label


def test_substring_keys_give_one_array_per_pass() -> None:
    model, x = _net(), torch.randn(4, 3, 6, 6)
    ex = lenslab.extract(model, x, ["relu", "linear"], progress=False)
    assert sorted(ex) == ["linear_1_4:1", "relu_1_2:1"]
    np.testing.assert_allclose(ex["linear_1_4:1"], _single(model, x, "head"), rtol=1e-5, atol=1e-6)


def test_store_equals_memory_and_describes_itself(tmp_path: pathlib.Path) -> None:
    import zarr

    model, x = _net(), torch.randn(7, 3, 6, 6)
    mem = lenslab.extract(model, x, ["conv", "head"], batch_size=3, progress=False)
    ex = lenslab.extract(
        model, x, ["conv", "head"], batch_size=3, to=tmp_path / "s", progress=False
    )
    for key in mem:
        np.testing.assert_array_equal(ex[key][:], mem[key])
    group = zarr.open_group(str(tmp_path / "s"), mode="r")
    meta = group.attrs["lenslab"]
    assert meta["labels"] == {"conv": "conv2d_1_1:1", "head": "linear_1_4:1"}
    assert meta["shapes"]["conv"] == [4, 6, 6] and meta["fingerprint"]["model_type"] == "Net"
    assert group["conv"].chunks == (3, 4, 6, 6)
    assert list(group["_done"][:]) == [1, 1, 1]


def test_a_store_refuses_another_call(tmp_path: pathlib.Path) -> None:
    model, x = _net(), torch.randn(4, 3, 6, 6)
    lenslab.extract(model, x, ["conv"], to=tmp_path / "s", progress=False)
    with pytest.raises(LensError, match=r"different extract call \(layers"):
        lenslab.extract(model, x, ["head"], to=tmp_path / "s", progress=False)
    with pytest.raises(LensError, match="weights_sum"):
        lenslab.extract(Net().eval(), x, ["conv"], to=tmp_path / "s", progress=False)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine")
    with pytest.raises(LensError, match="holds other files"):
        lenslab.extract(model, x, ["conv"], to=tmp_path / "other", progress=False)


def test_bad_data_gives_clear_errors(tmp_path: pathlib.Path) -> None:
    model = _net()
    with pytest.raises(LensError, match="no items"):
        lenslab.extract(model, torch.empty(0, 3, 6, 6), ["conv"], progress=False)
    with pytest.raises(LensError, match="gave no batches"):
        lenslab.extract(model, iter([]), ["conv"], progress=False)
    with pytest.raises(LensError, match="matches no layer pass"):
        lenslab.extract(model, torch.randn(2, 3, 6, 6), ["convv"], progress=False)
    (tmp_path / "file").write_text("")
    with pytest.raises(LensError, match=str(tmp_path / "file")):
        lenslab.extract(
            model, torch.randn(2, 3, 6, 6), ["conv"], to=tmp_path / "file" / "s", progress=False
        )
    batches = [torch.randn(2, 3, 6, 6), torch.randn(2, 3, 8, 8)]  # the conv output changes shape
    with pytest.raises(LensError, match="batch 1"):
        lenslab.extract(model, batches, ["conv"], to=tmp_path / "grow", progress=False)


def test_rerun_raises_on_a_divergent_graph_and_names_the_op() -> None:
    model = Branchy()
    h = lens(model, torch.ones(2, 4), save=["fc"])
    same = h.rerun(torch.full((2, 4), 2.0))
    assert [la.label for la in same] == [la.label for la in h]
    torch.testing.assert_close(same["fc"].activation, model.fc(torch.full((2, 4), 2.0)))
    assert same["sigmoid_1_4"].activation is None  # save as before
    with pytest.raises(LensError, match=r"differs at sigmoid_1_4:1"):
        h.rerun(-torch.ones(2, 4))
    other = h.rerun(-torch.ones(2, 4), strict=False)
    assert "sigmoid_1_4:1" not in other and other["fc"].activation is not None
    with pytest.raises(LensError, match="batch 1"):
        lenslab.extract(model, [torch.ones(2, 4), -torch.ones(2, 4)], ["fc"], progress=False)


def test_rerun_resolves_new_save_keys_on_the_known_graph() -> None:
    model = _net()
    h = lens(model, torch.randn(2, 3, 6, 6), save=None)
    x2 = torch.randn(5, 3, 6, 6)
    h2 = h.rerun(x2, save=["relu_1_2", "head"])
    torch.testing.assert_close(h2["relu_1_2"].activation, torch.relu(model.conv(x2)))
    assert h2["head"].activation.shape == (5, 5) and h2["conv"].activation is None


def test_disk_full_names_the_store_and_a_rerun_resumes(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lenslab.dataset import zarrstore

    model, x = _net(), torch.randn(8, 3, 6, 6)
    writes = {"n": 0}
    original = zarrstore.ZarrSink.write

    def failing(self, batch, arrays):  # type: ignore[no-untyped-def]
        writes["n"] += 1
        if writes["n"] == 3:
            with zarrstore._named(self.path):
                raise OSError(errno.ENOSPC, "No space left on device")
        original(self, batch, arrays)

    monkeypatch.setattr(zarrstore.ZarrSink, "write", failing)
    with pytest.raises(LensError, match=rf"{tmp_path / 's'}.*No space left.*resume"):
        lenslab.extract(model, x, ["conv"], batch_size=2, to=tmp_path / "s", progress=False)
    monkeypatch.setattr(zarrstore.ZarrSink, "write", original)
    ex = lenslab.extract(model, x, ["conv"], batch_size=2, to=tmp_path / "s", progress=False)
    np.testing.assert_allclose(ex["conv"][:], _single(model, x, "conv"), rtol=1e-5, atol=1e-6)


_CHILD = textwrap.dedent(
    """
    import os, signal, sys, torch
    sys.path.insert(0, {here!r})
    import lenslab
    from test_extract import Net

    class Killed(Net):
        calls = 0
        def forward(self, x):
            Killed.calls += 1
            if Killed.calls == int(os.environ.get("KILL_AT", "0")):
                os.kill(os.getpid(), signal.SIGKILL)
            return super().forward(x)

    Killed.__name__ = Killed.__qualname__ = "Net"  # the same model as far as the store knows
    if "MASTER_ADDR" in os.environ:  # launched by torchrun: join the group as a user's script would
        import torch.distributed as dist
        dist.init_process_group("gloo")
    torch.manual_seed(0)
    model = Killed().eval()
    torch.manual_seed(1)
    x = torch.randn(10, 3, 6, 6)
    lenslab.extract(model, x, ["conv", "head"], batch_size=2, to=sys.argv[1], progress=False)
    if "MASTER_ADDR" in os.environ:
        dist.barrier()
        dist.destroy_process_group()
    """
)


def _script(tmp_path: pathlib.Path) -> tuple[list[str], dict[str, str]]:
    script = tmp_path / "child.py"
    script.write_text(_CHILD.format(here=str(HERE)))
    paths = os.pathsep.join([str(HERE.parents[1] / "python_pkg"), str(HERE)])
    return [sys.executable, str(script)], {**os.environ, "PYTHONPATH": paths}


def _in_process(store: pathlib.Path) -> lenslab.dataset.extract.Extraction:
    """What the child runs, here: the same model, inputs and call."""
    torch.manual_seed(0)
    model = Net().eval()
    torch.manual_seed(1)
    x = torch.randn(10, 3, 6, 6)
    return lenslab.extract(model, x, ["conv", "head"], batch_size=2, to=store, progress=False)


def _same_stores(a_path: pathlib.Path, b_path: pathlib.Path) -> None:
    import zarr

    a, b = zarr.open_group(str(a_path), mode="r"), zarr.open_group(str(b_path), mode="r")
    for key in ("conv", "head"):
        np.testing.assert_array_equal(a[key][:], b[key][:])
    assert list(a["_done"][:]) == [1] * 5


def test_sigkill_mid_run_then_rerun_equals_an_uninterrupted_store(tmp_path: pathlib.Path) -> None:
    import zarr

    command, env = _script(tmp_path)
    killed = subprocess.run(
        [*command, str(tmp_path / "a")],
        env={**env, "KILL_AT": "4"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr  # the first batch plans, 2 more are written
    done = list(zarr.open_group(str(tmp_path / "a"), mode="r")["_done"][:])
    assert 0 < sum(done) < 5
    _in_process(tmp_path / "a")  # the same call again: resumes
    _in_process(tmp_path / "b")  # uninterrupted
    _same_stores(tmp_path / "a", tmp_path / "b")


def test_two_processes_fill_one_store_like_one_process(tmp_path: pathlib.Path) -> None:
    command, env = _script(tmp_path)
    procs = [
        subprocess.Popen(
            [*command, str(tmp_path / "two")],
            env={**env, "RANK": str(r), "WORLD_SIZE": "2"},
            stderr=subprocess.PIPE,
            text=True,
        )
        for r in (0, 1)
    ]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    _in_process(tmp_path / "one")
    _same_stores(tmp_path / "two", tmp_path / "one")


def test_torchrun_two_processes_fill_one_store_like_one_process(tmp_path: pathlib.Path) -> None:
    command, env = _script(tmp_path)
    launch = [
        sys.executable,
        "-m",
        "torch.distributed.run",
        "--standalone",
        "--nproc_per_node",
        "2",
        *command[1:],
        str(tmp_path / "torchrun"),
    ]
    run = subprocess.run(launch, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    _in_process(tmp_path / "one")
    _same_stores(tmp_path / "torchrun", tmp_path / "one")


def test_dataset_stats_equal_statistics_of_all_activations_at_once() -> None:
    model = _net()
    x = torch.randn(9, 3, 6, 6) * 1e4 + 1e6  # a large offset: naive sums of squares would cancel
    stats = lenslab.dataset_stats(model, x, batch_size=2, progress=False)
    runs = [lens(model, x[i : i + 2]) for i in range(0, 9, 2)]  # the same batches, kept whole

    def whole(key: str) -> torch.Tensor:
        return torch.cat([h[key].activation for h in runs])

    for key in ("conv", "relu_1_2", "head"):
        value = whole(key).double()
        row = stats[key]
        assert row["mean"] == pytest.approx(float(value.mean()), rel=1e-9)
        assert row["std"] == pytest.approx(float(value.std(unbiased=False)), rel=1e-6)
        assert (row["min"], row["max"]) == (float(value.min()), float(value.max()))
        assert row["frac_zero"] == pytest.approx(float((value == 0).double().mean()))
    relu = whole("relu_1_2")
    never = int((relu.amax(dim=(0, 2, 3)) <= 0).sum())
    assert stats["relu_1_2"]["never_active"] == never and stats["relu_1_2"]["units"] == 4
    table = stats.to_pandas()
    assert table.loc["linear_1_4:1", "count"] == 9 * 5
    assert stats.scores("std")["conv2d_1_1:1"] == pytest.approx(stats["conv"]["std"])


def test_dataset_stats_colour_the_graph() -> None:
    model = _net()
    stats = lenslab.dataset_stats(
        model, torch.randn(4, 3, 6, 6), layers=["relu", "head"], progress=False
    )
    assert sorted(stats) == ["linear_1_4:1", "relu_1_2:1"]
    from lenslab.export.view_options import view_options

    sent = view_options(stats.history, {"stats": (stats, "frac_zero")}, static=False)["stats"]
    assert sent["name"] == "dataset frac_zero" and set(sent["scores"]) == {
        "linear_1_4:1",
        "relu_1_2:1",
    }
    with pytest.raises(LensError, match="another model"):
        view_options(lens(nn.Sequential(nn.Tanh()), torch.randn(2)), {"stats": stats}, static=False)
    with pytest.raises(LensError, match="unknown statistic"):
        stats.scores("median")


def test_a_rank_without_batches_waits_for_rank_0s_store(
    tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lenslab.dataset import zarrstore

    model, x = _net(), torch.randn(3, 3, 6, 6)  # one batch: rank 1 of 2 has none
    monkeypatch.setattr(zarrstore, "WAIT_S", 0.5)
    monkeypatch.setenv("WORLD_SIZE", "2")
    monkeypatch.setenv("RANK", "1")
    with pytest.raises(LensError, match="rank 1 waited"):
        lenslab.extract(model, x, ["conv"], to=tmp_path / "s", progress=False)
    monkeypatch.setenv("RANK", "0")
    lenslab.extract(model, x, ["conv"], to=tmp_path / "s", progress=False)
    monkeypatch.setenv("RANK", "1")
    ex = lenslab.extract(model, x, ["conv"], to=tmp_path / "s", progress=False)
    np.testing.assert_allclose(ex["conv"][:], _single(model, x, "conv"), rtol=1e-5, atol=1e-6)
