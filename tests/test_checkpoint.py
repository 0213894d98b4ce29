"""Checkpoints: an interrupted fit, resumed, ends bit for bit as the uninterrupted one.

In-process interruptions: a callback raises after an epoch (the checkpoint of that epoch not yet
written when it raises before the checkpoint), then the same call runs again with resume=True.
The subprocess kill tests are in test_kill.py.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import re
import signal
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest

import layerwise as lw
from layerwise import cli
from layerwise.activations import Activation
from layerwise.checkpoint import TrainingInterrupted, graceful_stop
from layerwise.checkpoint.callbacks import callback_state, restore_callback
from layerwise.checkpoint.code import custom_code
from layerwise.checkpoint.state import (
    Checkpointer,
    CheckpointPath,
    OtherRunError,
    _plain,
    checked_contents,
    digest,
    rng_state,
    set_rng_state,
)
from layerwise.data import load_checkpoint
from layerwise.network import Network
from layerwise.persistence import CHECKPOINT, read_archive, write_archive

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


# ----- what a checkpoint holds, field by field --------------------------------------------------
@pytest.fixture(scope="module")
def stored(tmp_path_factory) -> tuple[dict, dict]:
    """The header and arrays of an Adam run of 3 epochs with a dev set and EarlyStopping."""
    X, Y, Xd, Yd = _data("float64")
    path = tmp_path_factory.mktemp("stored") / "c.npz"
    Network([3, 5, 1], hidden="tanh", seed=3).fit(
        X, Y, dev=(Xd, Yd), epochs=3, optimizer="adam", checkpoint=path,
        callbacks=[lw.EarlyStopping(patience=5, monitor="dev_cost")],
    )  # fmt: skip
    return read_archive(path, CHECKPOINT)


def _checked(stored, edit):
    header, arrays = copy.deepcopy(stored[0]), dict(stored[1])
    edit(header, arrays)
    return checked_contents(header, arrays)


def _set(*keys_value):
    """An edit setting header[k1][k2]... to the last argument (popping it when it is _POP)."""
    *keys, value = keys_value

    def edit(header, arrays):
        target = header
        for k in keys[:-1]:
            target = target[k]
        if value is _POP:
            target.pop(keys[-1])
        else:
            target[keys[-1]] = value

    return edit


def _network(key, value):
    """An edit of the network's config, its fingerprint's copy too (compared first)."""

    def edit(header, arrays):
        header["network"][key] = header["fingerprint"]["network"][key] = value

    return edit


def _array(name, value):
    return lambda header, arrays: arrays.__setitem__(name, value)


def _truncated_to_one_epoch(header, arrays):
    header["epochs_done"] = 1
    history = header["history"]
    for key in ("cost", "dev_cost", "epoch_seconds"):
        history[key] = history[key][:1]
    history["metrics"] = {k: x[:1] for k, x in history["metrics"].items()}
    history["stopped_epoch"] = 1  # 0 is the only epoch of a run of one


_POP = object()
_OTHER_NET = {"layer_dims": [1, 1]}
CONTENTS = {  # an edit of a valid checkpoint, and the whole message it is refused with
    "no network": (_set("network", _POP), "network is missing"),
    "a layer of 0 units": (
        _set("network", "layer_dims", [3, 0, 1]),
        "layer_dims [3, 0, 1] / dtype 'float64' are not valid",
    ),
    "one layer size": (
        _set("network", "layer_dims", [3]),
        "layer_dims [3] / dtype 'float64' are not valid",
    ),
    "10,001 layer sizes": (
        _set("network", "layer_dims", [1] * 10_001),
        "layer_dims [1, 1, 1, 1, 1, 1, ...] / dtype 'float64' are not valid",
    ),
    "10,000 layer sizes (then theta does not fit)": (
        _network("layer_dims", [1] * 10_000),
        "theta must be float64 of shape (19998,) for layer_dims [1, 1, 1,",
    ),
    "float16": (
        _set("network", "dtype", "float16"),
        "layer_dims [3, 5, 1] / dtype 'float16' are not valid",
    ),
    "another network in the fingerprint": (
        _set("fingerprint", "network", _OTHER_NET),
        "its network {'activations': [{'name': 'tanh'}, {'name': 'sigmoid'}], 'dtype': "
        "'float64', 'init': 'xavier', 'l2': 0.0, ...} is not the one its fingerprint holds, "
        "{'layer_dims': [1, 1]}",
    ),
    "no theta": (
        lambda h, a: a.pop("theta"),
        "theta must be float64 of shape (26,) for layer_dims [3, 5, 1]",
    ),
    "theta of another dtype": (
        _array("theta", np.zeros(26, np.float32)),
        "theta must be float64 of shape (26,) for layer_dims [3, 5, 1]",
    ),
    "theta of another shape": (
        _array("theta", np.zeros(25)),
        "theta must be float64 of shape (26,) for layer_dims [3, 5, 1]",
    ),
    "a moment of another shape": (
        _array("opt.v", np.zeros(25)),
        "opt.v must have theta's shape and dtype",
    ),
    "a callback's array of another dtype": (
        _array("cb0.best_theta", np.zeros(26, np.float32)),
        "cb0.best_theta must have theta's shape and dtype",
    ),
    "optimizer not an object": (_set("optimizer", [1]), "optimizer is missing"),
    "optimizer without config": (_set("optimizer", "config", _POP), "optimizer is missing"),
    "a negative step count": (
        _set("optimizer", "t", -1),
        "optimizer {'config': {'beta1': 0.9, 'beta2': 0.999, 'epsilon': 1e-08, 'learning_rate': "
        "0.01, ...}, 't': -1} is not valid",
    ),
    "an unknown optimizer": (
        _set("optimizer", "config", "name", "sgd"),
        "optimizer {'config': {'beta1': 0.9, 'beta2': 0.999, 'epsilon': 1e-08, 'learning_rate': "
        "0.01, ...}, 't': 3} is not valid",
    ),
    "moments of another optimizer": (
        _set("optimizer", "config", "name", "momentum"),
        "momentum keeps ('v',), the checkpoint holds ['s', 'v']",
    ),
    "a negative epoch count": (_set("epochs_done", -1), "epochs_done must be a count, got -1"),
    "callbacks not a list": (_set("callbacks", {}), "callbacks and rng are missing"),
    "no rng": (_set("rng", _POP), "callbacks and rng are missing"),
    "dropout without its stream": (
        _network("keep_prob", [0.5]),
        "its network drops units, but the dropout generator's state is missing",
    ),
    "extra not an object": (_set("extra", []), "extra must be an object"),
    "fingerprint not an object": (_set("fingerprint", None), "fingerprint must be an object"),
    "history not an object": (_set("history", []), "history must be an object with metrics"),
    "history without metrics": (
        _set("history", "metrics", _POP),
        "history must be an object with metrics",
    ),
    "a curve one short": (_set("history", "cost", [0.5, 0.5]), "a History curve must list 3"),
    "a curve missing": (_set("history", "cost", None), "a History curve must list 3 finite"),
    "a curve holding text": (
        _set("history", "epoch_seconds", ["1", "2", "3"]),
        "a History curve must list 3 finite numbers",
    ),
    "stopped after the epochs done": (
        _set("history", "stopped_epoch", 3),
        "history.stopped_epoch must be an epoch number, got 3",
    ),
    "best epoch negative": (
        _set("history", "best_epoch", -1),
        "history.best_epoch must be an epoch number, got -1",
    ),
    "best epoch not an int": (
        _set("history", "best_epoch", 1.0),
        "history.best_epoch must be an epoch number, got 1.0",
    ),
    "stopped in the second epoch of a run of one": (
        _truncated_to_one_epoch,
        "history.stopped_epoch must be an epoch number, got 1",
    ),
}


@pytest.mark.parametrize("name", CONTENTS)
def test_each_field_of_a_checkpoint_is_checked_with_its_own_message(stored, name) -> None:
    edit, message = CONTENTS[name]
    with pytest.raises(ValueError, match=f"^{re.escape(message)}"):
        _checked(stored, edit)


def test_the_history_of_a_checkpoint_comes_back_whole(stored) -> None:
    def edit(header, arrays):
        header["history"] |= {"stopped_epoch": 0, "best_epoch": 0}
        header["fingerprint"].pop("network")  # (older files: nothing to compare)

    history, done = _checked(stored, edit)
    saved = stored[0]["history"]
    assert done == 3 and history.stopped_epoch == 0 and history.best_epoch == 0
    assert history.cost == saved["cost"] and history.dev_cost == saved["dev_cost"]
    assert history.epoch_seconds == saved["epoch_seconds"] and len(history.epoch_seconds) == 3
    assert history.metrics == saved["metrics"]


def test_the_header_holds_the_history_and_the_callbacks_by_name(tmp_path) -> None:
    X, Y, Xd, Yd = _data("float64")
    stop = lw.EarlyStopping(patience=1, min_delta=0.5, monitor="dev_cost", restore_best=False)
    history = Network([3, 5, 1], hidden="tanh", seed=3).fit(
        X, Y, dev=(Xd, Yd), epochs=9, checkpoint=tmp_path / "c.npz", callbacks=[stop]
    )
    header = read_archive(tmp_path / "c.npz", CHECKPOINT)[0]
    assert header["history"]["stopped_epoch"] == history.stopped_epoch == 1
    assert header.keys() == {
        *("format", "format_version", "library_version", "network", "epochs_done"),
        *("optimizer", "rng", "history", "callbacks", "fingerprint", "extra", "arrays"),
    }
    assert (header["format"], header["format_version"]) == ("layerwise-checkpoint", 1)
    assert header["library_version"] == lw.__version__
    assert header["callbacks"] == [{"best": stop.best, "best_epoch": 0, "wait": 1}]
    assert header["fingerprint"]["callbacks"] == [
        {
            "type": "EarlyStopping",
            "patience": 1,
            "monitor": "dev_cost",
            "min_delta": 0.5,
            "restore_best": False,
        }
    ]


def test_early_stopping_state_round_trip() -> None:
    net = Network([3, 5, 1], seed=3)
    before = lw.EarlyStopping()
    before.on_train_begin(net, 5)
    assert callback_state(before) == ({"best": None, "best_epoch": None, "wait": 0}, {})
    before.best, before.best_epoch, before.wait, before.best_theta = 0.25, 3, 1, net.theta
    state, arrays = callback_state(before)
    assert state == {"best": 0.25, "best_epoch": 3, "wait": 1} and arrays.keys() == {"best_theta"}
    after = lw.EarlyStopping()
    restore_callback(after, state, arrays)
    assert (after.best, after.best_epoch, after.wait) == (0.25, 3, 1)
    assert after.best_theta is net.theta and after.start_theta is None
    restore_callback(after, {"best": None, "best_epoch": None, "wait": 0}, {})
    assert (after.best, after.best_epoch, after.wait, after.best_theta) == (math.inf, None, 0, None)


class _Patient(lw.EarlyStopping):
    """An EarlyStopping that starts with its own fields only: no best value, no θ kept."""

    def on_train_begin(self, net, epochs) -> None:
        self.best_epoch, self.wait = None, 0


def test_the_state_of_an_early_stopping_without_a_best_value_or_theta() -> None:
    patient = _Patient()
    patient.on_train_begin(Network([3, 1]), 5)
    assert callback_state(patient) == ({"best": None, "best_epoch": None, "wait": 0}, {})


@pytest.mark.parametrize(
    "state",
    [
        {"best": "0.5", "best_epoch": 1, "wait": 0},
        {"best": 0.5, "best_epoch": 1.0, "wait": 0},
        {"best": 0.5, "best_epoch": 1, "wait": None},
    ],
)
def test_an_early_stopping_state_is_checked(state) -> None:
    with pytest.raises(ValueError, match=f"^EarlyStopping state {re.escape(repr(state))} is not"):
        restore_callback(lw.EarlyStopping(), state, {})


class Counting:
    """A custom callback that keeps state: the epochs it saw, across a resume."""

    def __init__(self) -> None:
        self.seen: list[int] = []

    def on_train_begin(self, net, epochs) -> None: ...

    def on_epoch_begin(self, net, epoch) -> None: ...

    def on_epoch_end(self, net, epoch, logs) -> None:
        self.seen.append(epoch)

    def on_train_end(self, net, history) -> None: ...

    def checkpoint_state(self) -> dict:
        return {"seen": list(self.seen)}

    def restore_state(self, state: dict) -> None:
        self.seen = list(state["seen"])


def test_a_custom_callback_keeps_its_state_across_a_resume(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    counting = Counting()
    _run(X, Y, None, "float64", crashes=(2,), path=tmp_path / "c.npz", epochs=4,
         callbacks=lambda: [counting])  # fmt: skip
    assert counting.seen == [0, 1, 2, 3]  # 2 twice without its state: [0, 1, 2, 2, 3]
    header = read_archive(tmp_path / "c.npz", CHECKPOINT)[0]
    assert header["callbacks"] == [{"seen": [0, 1, 2, 3]}]
    assert header["fingerprint"]["callbacks"] == [{"type": "Counting"}]


def test_a_checkpoint_is_written_every_k_epochs_the_last_and_no_other(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    path, written = tmp_path / "c.npz", []

    class Look(Counting):
        def on_epoch_begin(self, net, epoch) -> None:
            written.append(read_archive(path, CHECKPOINT)[0]["epochs_done"] if path.exists() else 0)

    Network([3, 5, 1], seed=3).fit(
        X, Y, epochs=5, batch_size=8, callbacks=[Look()], checkpoint=path, checkpoint_every=2
    )
    assert written == [0, 0, 2, 2, 4] and load_checkpoint(path).epochs_done == 5


class _StopAfterRead(dict):
    """STOP whose signal arrives between the two reads of epoch_end (a signal in the write)."""

    def __init__(self) -> None:
        super().__init__(signum=None)
        self.reads = 0

    def __getitem__(self, key):
        self.reads += 1
        return None if self.reads == 1 else signal.SIGINT


def _saver(path: Path, every: int = 1) -> Checkpointer:
    X, Y, _, _ = _data("float64")
    return Checkpointer(
        path, every, False, net=Network([3, 1], seed=0), optimizer=lw.GradientDescent(0.1),
        rng=np.random.default_rng(0), callbacks=[], data=[X, Y, None, None], settings={},
    )  # fmt: skip


def test_every_field_of_the_history_comes_back_from_the_file(tmp_path) -> None:
    history = lw.History(
        cost=[0.5, 0.25], dev_cost=[0.75, 0.5], metrics={"accuracy": [0.5, 1.0]},
        epoch_seconds=[0.125, 0.25], stopped_epoch=1, best_epoch=0,
    )  # fmt: skip
    _saver(tmp_path / "c.npz").save(2, history)
    assert load_checkpoint(tmp_path / "c.npz").history == history


def test_a_signal_between_the_check_and_the_write_still_writes_then_stops(tmp_path) -> None:
    path = tmp_path / "c.npz"
    saver = _saver(path, every=5)
    with pytest.MonkeyPatch.context() as mp, pytest.raises(TrainingInterrupted) as err:
        mp.setattr("layerwise.checkpoint.state.STOP", _StopAfterRead())
        saver.epoch_end(0, lw.History(cost=[0.5]), last=False)
    assert err.value.path == path and err.value.epochs_done == 1 and err.value.signum == 2
    assert read_archive(path, CHECKPOINT)[0]["epochs_done"] == 1


def test_other_run_error_names_what_differs_and_the_way_out() -> None:
    err = OtherRunError(Path("c.npz"), ["data", "seed"])
    assert str(err) == (
        "checkpoint c.npz was written by a run with other data, seed; resume with the same "
        "data and settings, or pass resume=False (or delete the file) to start over."
    )
    assert err.differs == ["data", "seed"]


def test_training_interrupted_says_where_it_stopped() -> None:
    between = TrainingInterrupted(Path("c.npz"), 3, signal.SIGINT)
    assert str(between) == "SIGINT received: stopped after epoch 2, checkpoint written to c.npz"
    inside = TrainingInterrupted(Path("c.npz"), 3, 0, (4, 7))
    assert str(inside) == (
        "a stop request received: stopped in epoch 3 after step 4 of 7, checkpoint written to c.npz"
    )


def test_numpy_scalars_go_into_the_header_as_numbers_and_nothing_else() -> None:
    assert _plain(np.float32(0.5)) == 0.5 and type(_plain(np.int64(2))) is int
    with pytest.raises(TypeError, match=r"^cannot store object in a checkpoint header\.$"):
        _plain(object())


@pytest.mark.parametrize("dtype", ["<u4", "<u8", "<i4", "<i8", "|u1"])
def test_a_generator_state_takes_each_integer_array_type(dtype) -> None:
    key = [i % 250 + 1 for i in range(624)]
    state = rng_state(np.random.Generator(np.random.MT19937(1)))
    state["state"]["key"] = {"__ndarray__": dtype, "data": key}
    rng = np.random.Generator(np.random.MT19937(0))
    set_rng_state(rng, state)
    assert rng_state(rng)["state"]["key"]["data"] == key


def test_a_generator_state_of_another_kind_or_type_is_refused() -> None:
    state = rng_state(np.random.Generator(np.random.MT19937(1)))
    with pytest.raises(ValueError, match=r"a PCG64, the checkpoint holds {'bit_generator': 'MT19"):
        set_rng_state(np.random.default_rng(0), state)
    state["state"]["key"]["__ndarray__"] = "<f8"
    with pytest.raises(
        ValueError, match=r"^the shuffle generator's state is not valid \(unexpected array type "
    ):
        set_rng_state(np.random.Generator(np.random.MT19937(0)), state)
    with pytest.raises(ValueError, match=r"type '<f8'\)$"):
        set_rng_state(np.random.Generator(np.random.MT19937(0)), state)


# ----- the code a run trains with ---------------------------------------------------------------
def softsign(Z: np.ndarray) -> np.ndarray:
    return Z / (1 + np.abs(Z))


def _scaled_derivative(Z: np.ndarray, A: np.ndarray, scale: float) -> np.ndarray:
    return scale / (1 + np.abs(Z)) ** 2


class ClippedGD(lw.GradientDescent):
    """Gradient descent by name, a subclass by code."""


def test_custom_code_names_each_records_functions_and_the_optimizer_class() -> None:
    record = Activation("softsign", softsign, partial(_scaled_derivative, scale=1.0))
    net = Network([3, 5, 1], hidden=record, seed=3)
    where = f"{__name__}."
    assert custom_code(net, ClippedGD(0.1)) == {
        "records": [["softsign", where + "softsign", where + "_scaled_derivative"]],
        "optimizer": where + "ClippedGD",
    }
    assert custom_code(Network([3, 5, 1]), lw.GradientDescent(0.1)) is None
    assert custom_code(Network([3, 5, 1]), ClippedGD(0.1)) == {"optimizer": where + "ClippedGD"}
    adam = lw.Adam(0.1)  # the library's class, its rule replaced on the instance
    adam._apply = partial(_replaced_rule, adam)
    base = "layerwise.optimizers.Optimizer."
    assert custom_code(Network([3, 5, 1]), adam) == {
        "optimizer": [base + "step", where + "_replaced_rule", base + "_slots"]
    }


def _replaced_rule(opt, theta, grad, key, t) -> None:
    theta -= opt.learning_rate * grad


class _Derivative:
    """A callable object: named by its module and class."""

    def __call__(self, Z: np.ndarray, A: np.ndarray) -> np.ndarray:
        return 1 / (1 + np.abs(Z)) ** 2


def test_custom_code_names_a_callable_object_by_its_class() -> None:
    net = Network([3, 5, 1], hidden=Activation("softsign", softsign, _Derivative()), seed=3)
    assert custom_code(net, lw.GradientDescent(0.1)) == {
        "records": [["softsign", f"{__name__}.softsign", f"{__name__}._Derivative"]]
    }
    double = np.asarray(2.0).__mul__  # a method-wrapper: no module of its own
    net = Network([3, 5, 1], hidden=Activation("double", double, _Derivative()), seed=3)
    assert custom_code(net, lw.GradientDescent(0.1)) == {
        "records": [["double", "None.ndarray.__mul__", f"{__name__}._Derivative"]]
    }


# ----- what fit writes, and what a resume says -------------------------------------------------
def test_the_fingerprint_names_each_part_of_the_run(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    Network([3, 1], seed=0).fit(X, Y, epochs=1, batch_size=8, seed=5, checkpoint=tmp_path / "c")
    fingerprint = read_archive(tmp_path / "c", CHECKPOINT)[0]["fingerprint"]
    assert fingerprint.keys() == {
        *("data", "network", "optimizer", "code", "callbacks", "seed"),
        *("batch_size", "shuffle", "shuffle_block"),
    }
    assert fingerprint["code"] is None and fingerprint["callbacks"] == []
    assert fingerprint["optimizer"] == {"name": "gd", "learning_rate": 0.01}


@pytest.mark.parametrize(
    ("seed", "stored"),
    [(5, 5), (np.int64(5), 5), (None, None), (np.random.default_rng(1), "Generator")],
)
def test_the_fingerprint_holds_fits_own_seed(tmp_path, seed, stored) -> None:
    X, Y, _, _ = _data("float64")
    Network([3, 1], seed=0).fit(X, Y, epochs=1, seed=seed, checkpoint=tmp_path / "c")
    assert read_archive(tmp_path / "c", CHECKPOINT)[0]["fingerprint"]["seed"] == stored


def test_numpy_scalars_in_the_settings_are_stored_as_numbers(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    saver = Checkpointer(
        tmp_path / "c", 1, False, net=Network([3, 1]), optimizer=lw.GradientDescent(0.1),
        rng=np.random.default_rng(0), callbacks=[], data=[X, Y, None, None],
        settings={"batch_size": np.int64(8), "rate": np.float32(0.5)},
    )  # fmt: skip
    assert (saver.fingerprint["batch_size"], saver.fingerprint["rate"]) == (8, 0.5)


def test_the_data_digest_is_stable_across_versions() -> None:
    # a checkpoint written by one version must resume with the next: the digest never changes
    a = np.arange(6, dtype=np.float64).reshape(2, 3)
    column = np.ascontiguousarray(a[:, :1])
    expected = hashlib.sha256(
        b"<f8(2, 3);" + a.tobytes() + b"none;" + b"<f8(2, 1);" + column.tobytes()
    )
    assert digest(a, None, a[:, :1]) == expected.hexdigest()


def test_checkpoint_every_names_the_rule_and_a_hint(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    with pytest.raises(ValueError) as err:
        Network([3, 1]).fit(X, Y, epochs=1, checkpoint=tmp_path / "c", checkpoint_every=0)
    assert str(err.value) == (
        "checkpoint_every must be a positive int (epochs), got 0. "
        "Hint: 1 writes a checkpoint after every epoch."
    )


def test_a_run_never_resumed_or_resumed_between_epochs_adds_no_seconds(tmp_path) -> None:
    """The epochs' seconds of a run that resumed no unfinished epoch are its own: they fit
    inside the wall time of the fit call that ran them (a second carried in by mistake would
    not)."""
    X, Y, _, _ = _data("float64")

    def timed(fit):
        start = time.perf_counter()
        history = fit()
        return history, time.perf_counter() - start

    runs = [
        timed(lambda: _run(X, Y, None, "float64", path=None, epochs=2)[1]),
        timed(lambda: _run(X, Y, None, "float64", path=tmp_path / "c.npz", epochs=2)[1]),
        timed(
            lambda: Network([3, 5, 1], hidden="tanh", seed=3).fit(
                X, Y, epochs=2, checkpoint=tmp_path / "c.npz", resume=False
            )
        ),
        timed(
            lambda: _run(X, Y, None, "float64", crashes=(2,), path=tmp_path / "c.npz", epochs=4)[1]
        ),
    ]
    for history, wall in runs:
        assert 0 < sum(history.epoch_seconds) <= wall


def _edited(tmp_path: Path, edit, callbacks=list) -> Path:
    X, Y, _, _ = _data("float64")
    path = tmp_path / "c.npz"
    Network([3, 5, 1], seed=3).fit(X, Y, epochs=2, callbacks=callbacks(), checkpoint=path)
    header, arrays = read_archive(path, CHECKPOINT)
    edit(header)
    header.pop("arrays")
    write_archive(path, header, arrays, CHECKPOINT)
    return path


def _resume(path: Path, callbacks=list) -> None:
    X, Y, _, _ = _data("float64")
    Network([3, 5, 1], seed=3).fit(X, Y, epochs=3, callbacks=callbacks(), checkpoint=path,
                                   resume=True)  # fmt: skip


def test_a_resume_names_the_file_it_refuses(tmp_path) -> None:
    path = _edited(tmp_path, lambda h: h.update(epochs_done=-1))
    with pytest.raises(ValueError) as err:
        _resume(path)
    assert str(err.value) == (
        f"{path} is not a valid layerwise checkpoint: epochs_done must be a count, got -1."
    )
    path = _edited(tmp_path, lambda h: h["fingerprint"].update(seed=99))
    with pytest.raises(OtherRunError, match="other seed;") as other:
        _resume(path)
    assert other.value.path == path and other.value.differs == ["seed"]


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h: h["optimizer"]["config"].update(learning_rate=-1.0), "optimizer learning_rate"),
        (lambda h: h["optimizer"]["config"].update(learning_rate="0.1"), "optimizer learning_rate"),
        (lambda h: h["optimizer"]["config"].update(beta1=1.0), "optimizer beta1"),
        (lambda h: h["network"].update(l2=-1.0), "network l2"),
    ],
)
def test_a_resume_checks_the_settings_it_puts_back(tmp_path, edit, message) -> None:
    path = _edited(tmp_path, edit)
    with pytest.raises(ValueError, match=f"not a valid layerwise checkpoint: {message} must "):
        _resume(path)


def test_a_resume_puts_back_the_settings_a_callback_left(tmp_path) -> None:
    path = _edited(tmp_path, lambda h: (h["optimizer"]["config"].update(learning_rate=0.02),
                                        h["network"].update(l2=0.3)))  # fmt: skip
    X, Y, _, _ = _data("float64")
    net, opt = Network([3, 5, 1], seed=3), lw.GradientDescent(0.01)
    net.fit(X, Y, epochs=2, optimizer=opt, checkpoint=path, resume=True)  # (nothing left to run)
    assert (opt.learning_rate, net.l2) == (0.02, 0.3)


def test_a_resume_refuses_an_unfinished_epoch_after_an_early_stop(tmp_path) -> None:
    path = _edited(
        tmp_path, lambda h: (h.update(epoch={"steps_done": 1, "penalties": [], "seconds": 0.0}),
                             h["history"].update(stopped_epoch=1)),
    )  # fmt: skip
    with pytest.raises(ValueError) as err:
        _resume(path)
    assert str(err.value) == (
        f"{path} is not a valid layerwise checkpoint: a run that stopped early holds an "
        "unfinished epoch."
    )


def test_a_resume_checks_each_callback_state(tmp_path) -> None:
    stop = lambda: [lw.EarlyStopping(patience=5, monitor="cost")]  # noqa: E731
    path = _edited(tmp_path, lambda h: h.update(callbacks=[[1]]), stop)
    with pytest.raises(ValueError) as err:
        _resume(path, stop)
    assert str(err.value) == f"{path}: callback state [1] is not valid."
    path = _edited(tmp_path, lambda h: h.update(callbacks=[]), stop)
    with pytest.raises(ValueError, match="zip"):  # one state per callback, or none is restored
        _resume(path, stop)
