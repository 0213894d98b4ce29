"""Checkpoints: an interrupted fit, resumed, ends bit for bit as the uninterrupted one.

In-process interruptions: a callback raises after an epoch (the checkpoint of that epoch not yet
written when it raises before the checkpoint), then the same call runs again with resume=True.
The subprocess kill tests are in test_kill.py.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import layerwise as lw
from layerwise import cli
from layerwise.checkpoint import TrainingInterrupted, graceful_stop
from layerwise.checkpoint.state import CheckpointPath, rng_state, set_rng_state
from layerwise.data import load_checkpoint
from layerwise.network import Network

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")


class CrashError(Exception):
    """Stands for the process dying after an epoch."""


class CrashAt:
    """Raises in on_epoch_end of epoch ``at`` (before fit writes that epoch's checkpoint)."""

    def __init__(self, at: int) -> None:
        self.at = at

    def on_train_begin(self, net, epochs) -> None: ...

    def on_epoch_begin(self, net, epoch) -> None: ...

    def on_epoch_end(self, net, epoch, logs) -> None:
        if epoch == self.at:
            raise CrashError(epoch)

    def on_train_end(self, net, history) -> None: ...


def _data(dtype: str, m: int = 60) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(7)
    X = rng.standard_normal((3, m)).astype(dtype)
    Y = (X[0:1] * X[1:2] > 0).astype(dtype)  # (1, m)
    return X[:, :48], Y[:, :48], X[:, 48:], Y[:, 48:]


def _run(X, Y, dev, dtype, crashes=(), path=None, every=1, **options):
    """Train from scratch; crash at each epoch in ``crashes`` and resume, as often as it takes."""
    callbacks = options.pop("callbacks", list)
    pending = list(crashes)
    while True:
        net = Network([3, 5, 1], hidden="tanh", seed=3, dtype=dtype)
        extra = [CrashAt(pending[0])] if pending else []
        try:
            history = net.fit(
                X,
                Y,
                dev=dev,
                callbacks=callbacks() + extra,
                checkpoint=path,
                checkpoint_every=every,
                resume=path is not None,
                **options,
            )
            return net, history
        except CrashError:
            pending.pop(0)


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("batch_size", [None, 7])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("early", [None, "dev_cost", "accuracy"], ids=lambda e: f"early-{e}")
def test_resume_is_bit_for_bit(tmp_path, optimizer, batch_size, dtype, early) -> None:
    X, Y, Xd, Yd = _data(dtype)
    options = dict(
        epochs=14,
        optimizer=optimizer,
        learning_rate={"gd": 0.5, "momentum": 0.5, "rmsprop": 0.05, "adam": 0.05}[optimizer],
        batch_size=batch_size,
        l2=None,
    )
    options.pop("l2")
    if early:  # patience 1: stops early, restores the best epoch's parameters at the end
        options["callbacks"] = lambda: [lw.EarlyStopping(patience=1, min_delta=1e-3, monitor=early)]
    ref, ref_history = _run(X, Y, (Xd, Yd), dtype, **options)
    path = tmp_path / "run.npz"
    net, history = _run(X, Y, (Xd, Yd), dtype, crashes=(2, 5, 5, 9), path=path, **options)
    assert np.array_equal(net.theta, ref.theta)
    assert net.theta.dtype == np.dtype(dtype)
    assert history.cost == ref_history.cost and history.dev_cost == ref_history.dev_cost
    assert history.metrics == ref_history.metrics
    assert (history.stopped_epoch, history.best_epoch) == (
        ref_history.stopped_epoch,
        ref_history.best_epoch,
    )
    assert rng_state(net.shuffle_rng) == rng_state(ref.shuffle_rng)


def test_early_stopping_really_stops_in_the_matrix() -> None:
    # the early-stop cases above must exercise a stop, or they test nothing new
    X, Y, Xd, Yd = _data("float64")
    net = Network([3, 5, 1], hidden="tanh", seed=3)
    history = net.fit(
        X,
        Y,
        epochs=14,
        learning_rate=0.5,
        dev=(Xd, Yd),
        callbacks=[lw.EarlyStopping(patience=1, min_delta=1e-3)],
    )
    assert history.stopped_epoch is not None and history.stopped_epoch < 13


@pytest.mark.parametrize("every", [1, 3, 5])
def test_checkpoint_every_k_epochs_and_the_last(tmp_path, every) -> None:
    X, Y, _, _ = _data("float64")
    path = tmp_path / "c.npz"
    ref, ref_history = _run(X, Y, None, "float64", epochs=11, batch_size=8, optimizer="adam")
    net, history = _run(
        X, Y, None, "float64", crashes=(4, 7), path=path, every=every, epochs=11, batch_size=8,
        optimizer="adam",
    )  # fmt: skip
    assert np.array_equal(net.theta, ref.theta) and history.cost == ref_history.cost
    assert load_checkpoint(path).epochs_done == 11  # the last epoch is always written


def test_a_finished_checkpoint_resumes_to_the_same_result_without_training(tmp_path) -> None:
    X, Y, Xd, Yd = _data("float64")
    path = tmp_path / "c.npz"
    stop = lambda: [lw.EarlyStopping(patience=1, min_delta=1e-3)]  # noqa: E731
    first, h1 = _run(X, Y, (Xd, Yd), "float64", path=path, epochs=14, callbacks=stop)
    before = path.read_bytes()
    again, h2 = _run(X, Y, (Xd, Yd), "float64", path=path, epochs=14, callbacks=stop)
    assert np.array_equal(first.theta, again.theta) and h1.cost == h2.cost
    assert path.read_bytes() == before  # nothing trained, nothing written


def test_a_folder_gets_checkpoint_npz_and_load_checkpoint_reads_it(tmp_path) -> None:
    X, Y, _, _ = _data("float32")
    net = Network([3, 5, 1], seed=0, dtype="float32")
    history = net.fit(X, Y, epochs=3, optimizer="adam", checkpoint=tmp_path)
    ck = load_checkpoint(tmp_path)
    assert (tmp_path / "checkpoint.npz").is_file()
    assert ck.epochs_done == 3 and ck.history.cost == history.cost
    assert np.array_equal(ck.network.theta, net.theta) and ck.network.dtype == np.float32
    assert ck.header["optimizer"]["t"] == 3
    assert set(ck.arrays) == {"theta", "opt.v", "opt.s"}


def test_fit_with_its_own_seed_and_sample_weights_resumes(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    w = np.linspace(0.5, 2, X.shape[1])
    kw = dict(epochs=9, batch_size=5, optimizer="momentum", seed=11, sample_weight=w)
    ref, ref_h = _run(X, Y, None, "float64", **kw)
    net, h = _run(X, Y, None, "float64", crashes=(3, 6), path=tmp_path / "c.npz", **kw)
    assert np.array_equal(net.theta, ref.theta) and h.cost == ref_h.cost


def test_resume_without_a_file_starts_fresh(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    ref, ref_h = _run(X, Y, None, "float64", epochs=4)
    net, h = _run(X, Y, None, "float64", path=tmp_path / "new.npz", epochs=4)
    assert np.array_equal(net.theta, ref.theta) and h.cost == ref_h.cost


@pytest.mark.parametrize(
    ("change", "what"),
    [
        (lambda kw: kw | {"X": kw["X"] + 1e-9}, "data"),
        (lambda kw: kw | {"dev": (kw["dev"][0] + 1e-9, kw["dev"][1])}, "data"),
        (lambda kw: kw | {"dev": (kw["dev"][0], 1 - kw["dev"][1])}, "data"),
        (lambda kw: kw | {"batch_size": 6}, "batch_size"),
        (lambda kw: kw | {"learning_rate": 0.02}, "optimizer"),
        (lambda kw: kw | {"callbacks": [lw.EarlyStopping(patience=4, monitor="cost")]}, "call"),
        (lambda kw: kw | {"seed": 5}, "seed"),
    ],
)
def test_resume_with_other_data_or_settings_is_refused(tmp_path, change, what) -> None:
    X, Y, Xd, Yd = _data("float64")
    kw = dict(X=X, Y=Y, dev=(Xd, Yd), epochs=3, batch_size=8, learning_rate=0.01, callbacks=[])
    net = Network([3, 5, 1], seed=3)
    lw.fit(net, checkpoint=tmp_path / "c.npz", **kw)
    with pytest.raises(ValueError, match=f"written by a run with other .*{what}.*start over"):
        lw.fit(Network([3, 5, 1], seed=3), checkpoint=tmp_path / "c.npz", resume=True, **change(kw))


def test_a_different_network_is_refused(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    Network([3, 5, 1], seed=3).fit(X, Y, epochs=2, checkpoint=tmp_path / "c.npz")
    with pytest.raises(ValueError, match="other network"):
        Network([3, 4, 1], seed=3).fit(X, Y, epochs=2, checkpoint=tmp_path / "c.npz", resume=True)


@pytest.mark.parametrize("every", [0, -1, 1.5, "2"])
def test_checkpoint_every_must_be_a_positive_int(tmp_path, every) -> None:
    X, Y, _, _ = _data("float64")
    with pytest.raises(ValueError, match=r"checkpoint_every must be a positive int .* got"):
        Network([3, 1]).fit(X, Y, epochs=1, checkpoint=tmp_path / "c", checkpoint_every=every)


def test_checkpoint_in_a_missing_folder(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        Network([3, 1]).fit(X, Y, epochs=1, checkpoint=tmp_path / "no" / "c.npz")


def test_checkpoint_path_carries_extra(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    target = CheckpointPath(tmp_path / "c.npz", {"note": [1, 2]})
    Network([3, 1]).fit(X, Y, epochs=1, checkpoint=target)
    assert load_checkpoint(tmp_path / "c.npz").extra == {"note": [1, 2]}


def test_rng_state_round_trip_for_every_kind_of_generator() -> None:
    for make in (
        lambda: np.random.default_rng(1),
        lambda: np.random.Generator(np.random.MT19937(1)),
        lambda: np.random.Generator(np.random.Philox(1)),
        lambda: np.random.RandomState(1),
    ):
        a, b = make(), make()
        a.random(7)
        state = json.loads(json.dumps(rng_state(a)))
        set_rng_state(b, state)
        assert np.array_equal(a.random(5), b.random(5))
    with pytest.raises(ValueError, match="the shuffle generator is a PCG64"):
        set_rng_state(np.random.default_rng(0), rng_state(np.random.RandomState(0)))


def test_a_signal_inside_graceful_stop_finishes_the_epoch_and_checkpoints(tmp_path) -> None:
    X, Y, _, _ = _data("float64")

    class Signal:
        def on_train_begin(self, net, epochs): ...

        def on_epoch_begin(self, net, epoch):
            if epoch == 2:
                os.kill(os.getpid(), signal.SIGTERM)

        def on_epoch_end(self, net, epoch, logs): ...

        def on_train_end(self, net, history): ...

    net = Network([3, 5, 1], seed=3)
    with graceful_stop(), pytest.raises(TrainingInterrupted, match="SIGTERM received: stopped"):
        net.fit(X, Y, epochs=9, callbacks=[Signal()], checkpoint=tmp_path / "c.npz")
    assert load_checkpoint(tmp_path / "c.npz").epochs_done == 3  # epoch 2 finished
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL  # handlers restored
    resumed = Network([3, 5, 1], seed=3)
    h = resumed.fit(X, Y, epochs=9, checkpoint=tmp_path / "c.npz", resume=True)
    ref = Network([3, 5, 1], seed=3)
    ref_h = ref.fit(X, Y, epochs=9)
    assert np.array_equal(resumed.theta, ref.theta) and h.cost == ref_h.cost


def test_a_second_signal_stops_at_once_and_handlers_are_restored(tmp_path) -> None:
    X, Y, _, _ = _data("float64")

    class TwoSignals:
        def on_train_begin(self, net, epochs): ...

        def on_epoch_begin(self, net, epoch):
            if epoch == 1:
                os.kill(os.getpid(), signal.SIGINT)
                os.kill(os.getpid(), signal.SIGINT)  # the second: no waiting for the epoch

        def on_epoch_end(self, net, epoch, logs): ...

        def on_train_end(self, net, history): ...

    before = signal.getsignal(signal.SIGINT)
    with pytest.raises(KeyboardInterrupt) as err, graceful_stop():
        Network([3, 5, 1], seed=3).fit(
            X, Y, epochs=9, callbacks=[TwoSignals()], checkpoint=tmp_path / "c.npz"
        )
    assert not isinstance(err.value, TrainingInterrupted)
    assert load_checkpoint(tmp_path / "c.npz").epochs_done == 1  # epoch 1 never finished
    assert signal.getsignal(signal.SIGINT) is before


# ----- the command line -----------------------------------------------------------------------
def _train(args, capsys) -> tuple[int, str]:
    code = cli.main([str(a) for a in args])
    return code, capsys.readouterr().err


def _model(folder: Path) -> tuple[np.ndarray, list[float]]:
    net = lw.load(folder / "model.npz")
    return net.theta, json.loads((folder / "history.json").read_text())["cost"]


BASE = ["train", "xor", "--epochs", "12", "--layers", "6", "--batch-size", "16", "--quiet"]


@pytest.mark.slow
def test_cli_resume_of_a_finished_run_writes_the_same_model(tmp_path, capsys) -> None:
    # (interrupted runs: the signal test below and test_kill.py)
    code, _ = _train([*BASE, "--out", tmp_path / "ref", "--dtype", "float32"], capsys)
    assert code == 0
    ck = tmp_path / "ck"
    code, _ = _train(
        [*BASE, "--out", tmp_path / "a", "--dtype", "float32", "--checkpoint", ck], capsys
    )
    assert code == 0
    assert load_checkpoint(ck).epochs_done == 12
    (tmp_path / "a" / "model.npz").unlink()
    code, err = _train(["train", "--resume", ck / "checkpoint.npz", "--quiet"], capsys)
    assert code == 0, err  # the folder or its checkpoint file
    theta_ref, cost_ref = _model(tmp_path / "ref")
    theta, cost = _model(tmp_path / "a")
    assert np.array_equal(theta, theta_ref) and cost == cost_ref


@pytest.mark.slow
def test_cli_resume_from_another_folder_writes_where_the_run_did(tmp_path, capsys) -> None:
    first, other = tmp_path / "first", tmp_path / "other"
    first.mkdir(), other.mkdir()
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(first)  # no --out: runs/xor under this folder
        assert _train([*BASE, "--checkpoint", "ck"], capsys)[0] == 0
        (first / "runs" / "xor" / "model.npz").unlink()
        mp.chdir(other)
        code, err = _train(["train", "--resume", first / "ck", "--quiet"], capsys)
    assert code == 0, err
    assert (first / "runs" / "xor" / "model.npz").is_file() and list(other.iterdir()) == []
    # a folder this command does not name is said before training, --quiet or not
    assert err.startswith(f"writing to {first / 'runs' / 'xor'} (the --out stored in the check")


@pytest.mark.slow
@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (
            ["train", "--resume", "{ck}", "--seed", "3"],
            "--resume takes every setting .* remove --seed",
        ),
        (
            ["train", "--resume", "{ck}", "--epochs", "1"],
            "--epochs 1 is fewer than the 2 epochs the checkpoint in .* has done. Hint: pass "
            "--epochs 2 or more",
        ),
        (["train", "xor", "--resume", "{ck}"], "--resume takes every setting .* remove xor"),
        (
            ["train", "xor", "--checkpoint", "{ck}"],
            "holds a checkpoint of another run \\(--layers \\[6\\] in the checkpoint, \\[64, 32\\] "
            "now; --batch-size 16 in the checkpoint, 32 now\\)",
        ),
        (
            [*BASE, "--epochs", "1", "--checkpoint", "{ck}"],
            "--epochs 1 is fewer than the 2 epochs",
        ),
        (
            [*BASE, "--dropout", "0.2", "--checkpoint", "{ck}"],
            "another run \\(--dropout 0 in the checkpoint, 0.2 now\\)",
        ),
        (["train", "--resume", "{ck}", "--dropout", "0.5"], "--resume takes .* remove --dropout"),
        (["train", "--resume", "{fit_ck}"], "written by fit\\(\\), not by `layerwise train`"),
        (["train", "--resume", "{missing}"], "checkpoint .* not found"),
        (["train"], "train needs DATA \\(or --resume DIR"),
    ],
)
def test_cli_checkpoint_errors(tmp_path, capsys, argv, match) -> None:
    ck = tmp_path / "ck"
    assert (
        cli.main([*BASE, "--epochs", "2", "--out", str(tmp_path / "o"), "--checkpoint", str(ck)])
        == 0
    )
    X, Y, _, _ = _data("float64")
    Network([3, 1]).fit(X, Y, epochs=1, checkpoint=tmp_path / "fit.npz")
    names = {"ck": ck, "fit_ck": tmp_path / "fit.npz", "missing": tmp_path / "nothing"}
    capsys.readouterr()
    code = cli.main([a.format(**names) for a in argv])
    err = capsys.readouterr().err
    assert code == 2 and err.startswith("error: ") and err.count("\n") == 1
    assert re.search(match, err), err


def test_cli_checkpoint_every_is_checked_by_argparse(capsys) -> None:
    assert cli.main(["train", "xor", "--checkpoint-every", "0"]) == 2
    assert "argument --checkpoint-every: must be a positive integer, got '0'" in (
        capsys.readouterr().err
    )


def _start(args, cwd) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "layerwise", *map(str, args)],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_cli_signal_checkpoints_prints_how_to_resume_and_resumes(tmp_path, sig) -> None:
    args = ["train", "xor", "--layers", "6", "--batch-size", "8", "--epochs", "100", "--quiet"]
    args += ["--early-stopping", "0", "--out", tmp_path / "out", "--checkpoint", tmp_path / "ck"]
    proc = _start(args, tmp_path)
    deadline = time.monotonic() + 60
    while not (tmp_path / "ck" / "checkpoint.npz").exists():  # training has begun
        assert time.monotonic() < deadline and proc.poll() is None
        time.sleep(0.01)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 128 + sig, err
    assert f"resume with: layerwise train --resume {tmp_path / 'ck'}" in err
    assert "Traceback" not in err and not (tmp_path / "out" / "model.npz").exists()
    done = load_checkpoint(tmp_path / "ck").epochs_done
    assert 1 <= done < 100
    leftovers = [p.name for p in (tmp_path / "ck").iterdir() if p.name != "checkpoint.npz"]
    assert leftovers == []
    resumed = _start(["train", "--resume", tmp_path / "ck", "--quiet"], tmp_path)
    _, err = resumed.communicate(timeout=120)
    assert resumed.returncode == 0, err
    ref_args = [a if a != tmp_path / "out" else tmp_path / "ref" for a in args[:-2]]
    ref = _start(ref_args, tmp_path)
    _, err = ref.communicate(timeout=120)
    assert ref.returncode == 0, err
    theta, cost = _model(tmp_path / "out")
    theta_ref, cost_ref = _model(tmp_path / "ref")
    assert np.array_equal(theta, theta_ref) and cost == cost_ref


@pytest.mark.slow
def test_cli_sigterm_without_checkpoint_stops_cleanly(tmp_path) -> None:
    args = ["train", "xor", "--layers", "6", "--batch-size", "4", "--epochs", "100000"]
    proc = _start([*args, "--out", tmp_path / "out"], tmp_path)
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        line = proc.stderr.readline()  # the progress lines: training has begun
        if line.startswith("epoch 3"):
            break
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode != 0 and "Traceback" not in err
    assert "error: interrupted" in err
    out = tmp_path / "out"  # (created once training ended: nothing, not even the folder)
    assert not out.exists() or sorted(p.name for p in out.iterdir()) == []


def test_a_moved_name_says_where_it_went():
    import layerwise.checkpoint as package

    with pytest.raises(AttributeError, match=r"moved to layerwise\.data\.load_checkpoint"):
        package.load_checkpoint  # noqa: B018
    with pytest.raises(AttributeError, match="has no attribute 'nothing'"):
        package.nothing  # noqa: B018
