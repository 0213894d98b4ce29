"""A signal stops training after the current step, not the current epoch: the checkpoint holds
the unfinished epoch, and the resumed run ends bit for bit as the uninterrupted one.

In-process, a stop request is simulated by replacing ``Checkpointer.stop_requested`` (what the
engine asks after every step) with a counter; the real signals are sent in the last tests.
"""

from __future__ import annotations

import io
import json
import re
import signal
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest

import layerwise as lw
from layerwise import cli
from layerwise.checkpoint import TrainingInterrupted, graceful_stop
from layerwise.checkpoint.state import Checkpointer, rng_state
from layerwise.data import load_checkpoint
from layerwise.engine import paths, whole
from layerwise.network import Network

OPTIMIZERS = ("gd", "momentum", "rmsprop", "adam")
RATES = {"gd": 0.5, "momentum": 0.5, "rmsprop": 0.05, "adam": 0.05}


def _data(dtype: str, m: int = 60) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(7)
    X = rng.standard_normal((3, m)).astype(dtype)
    Y = (X[0:1] * X[1:2] > 0).astype(dtype)  # (1, m)
    return X[:, :48], Y[:, :48], X[:, 48:], Y[:, 48:]


class StopAfter:
    """``stop_requested`` that says yes at the given counts of steps asked about."""

    def __init__(self, at: list[int]) -> None:
        self.at, self.asked = list(at), 0

    def __call__(self) -> bool:
        self.asked += 1
        return bool(self.at) and self.asked == self.at[0]


def _train(X, Y, dev, dtype, path=None, stops=(), net_options=None, **options):
    """Train from scratch; stop after each step count in ``stops`` and resume, as often as it
    takes (each time with new callbacks, and a new optimizer where ``optimizer`` makes one).
    Returns the network, its History and the checkpoints' steps done at each stop."""
    callbacks, optimizer = options.pop("callbacks", list), options.pop("optimizer", "gd")
    counter = StopAfter(list(stops))
    seen = []
    while True:
        net = Network([3, 5, 1], hidden="tanh", seed=3, dtype=dtype, **(net_options or {}))
        try:
            with pytest.MonkeyPatch.context() as mp:
                mp.setattr(Checkpointer, "stop_requested", lambda saver: counter())
                history = net.fit(
                    X, Y, dev=dev, callbacks=callbacks(), checkpoint=path,
                    resume=path is not None, **options,
                    optimizer=optimizer() if callable(optimizer) else optimizer,
                )  # fmt: skip
            return net, history, seen
        except TrainingInterrupted as stop:
            counter.at.pop(0)
            counter.asked = 0  # a new process counts from zero
            seen.append(stop.steps)
            ck = load_checkpoint(path)
            assert (ck.epochs_done, ck.steps_done) == (stop.epochs_done, stop.steps[0])


def _same(a, b) -> None:
    (net, h, _), (ref, ref_h, _) = a, b
    assert np.array_equal(net.theta, ref.theta)
    assert h.cost == ref_h.cost and h.dev_cost == ref_h.dev_cost
    assert h.metrics == ref_h.metrics
    assert (h.stopped_epoch, h.best_epoch) == (ref_h.stopped_epoch, ref_h.best_epoch)
    assert rng_state(net.shuffle_rng) == rng_state(ref.shuffle_rng)
    assert rng_state(net.dropout_rng) == rng_state(ref.dropout_rng)


@pytest.mark.slow
@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("early", [None, "dev_cost", "cost"], ids=lambda e: f"early-{e}")
@pytest.mark.parametrize("extras", ["plain", "l2-weights-blocks", "no-shuffle", "dropout"])
def test_a_run_stopped_after_any_step_resumes_bit_for_bit(
    tmp_path, optimizer, dtype, early, extras
) -> None:
    _stopped_and_resumed(tmp_path, optimizer, dtype, early, extras)


@pytest.mark.parametrize("optimizer", OPTIMIZERS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("extras", ["plain", "l2-weights-blocks", "dropout"])
def test_compiled_steps_stopped_after_any_step_resume_bit_for_bit(
    tmp_path, monkeypatch, optimizer, dtype, extras
) -> None:
    # the steps compiled whole (engine.whole): a stop is still asked after every step
    pytest.importorskip("numba")
    pytest.importorskip("scipy")
    monkeypatch.setattr(paths, "EPOCH", "compiled")
    calls = []
    real = whole.Compiled.run
    monkeypatch.setattr(whole.Compiled, "run", lambda self, *k: calls.append(k) or real(self, *k))
    _stopped_and_resumed(tmp_path, optimizer, dtype, None, extras)
    assert (0, 7) in calls and (2, 3) in calls  # whole epochs, and steps one by one


class SetsL2(lw.Callback):
    """λ set as training begins, after the engine recorded its steps without it."""

    def on_train_begin(self, net, epochs) -> None:
        net.l2 = 0.05


@pytest.mark.parametrize("path", ["tape", "compiled"])
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_settings_set_as_training_begins_hold_in_a_resumed_epoch(
    tmp_path, monkeypatch, path, optimizer
) -> None:
    if path == "compiled":
        pytest.importorskip("numba")
        pytest.importorskip("scipy")
    monkeypatch.setattr(paths, "EPOCH", path)
    X, Y, Xd, Yd = _data("float64")
    options = dict(epochs=4, optimizer=optimizer, learning_rate=RATES[optimizer], batch_size=7)
    options["callbacks"] = lambda: [SetsL2()]
    ref = _train(X, Y, (Xd, Yd), "float64", **options)
    got = _train(X, Y, (Xd, Yd), "float64", tmp_path / "c.npz", [3, 2], **options)
    assert len(got[2]) == 2  # resumed twice, inside an epoch
    _same(got, ref)


class Schedule(lw.Callback):
    """α halved and λ raised at every epoch's end: a schedule a checkpoint carries on."""

    def __init__(self, made: dict) -> None:
        self.made = made  # the optimizer of this process (a resumed one makes its own)

    def on_epoch_end(self, net, epoch, logs) -> None:
        self.made["optimizer"].learning_rate *= 0.5
        net.l2 = 0.01 * (epoch + 1)


@pytest.mark.parametrize("path", ["tape", "compiled"])
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_a_schedule_goes_on_after_a_resume(tmp_path, monkeypatch, path, optimizer) -> None:
    if path == "compiled":
        pytest.importorskip("numba")
        pytest.importorskip("scipy")
    monkeypatch.setattr(paths, "EPOCH", path)
    X, Y, Xd, Yd = _data("float64")
    made: dict = {}

    def make() -> lw.Optimizer:
        made["optimizer"] = lw.get_optimizer(optimizer, RATES[optimizer])
        return made["optimizer"]

    options = dict(epochs=4, optimizer=make, learning_rate=None, batch_size=7)
    options["callbacks"] = lambda: [Schedule(made)]
    ref = _train(X, Y, (Xd, Yd), "float64", **options)
    got = _train(X, Y, (Xd, Yd), "float64", tmp_path / "c.npz", [3, 9, 2], **options)
    assert len(got[2]) == 3  # resumed three times, inside epochs
    _same(got, ref)


def _stopped_and_resumed(tmp_path, optimizer, dtype, early, extras) -> None:
    X, Y, Xd, Yd = _data(dtype)
    options = dict(epochs=12, optimizer=optimizer, learning_rate=RATES[optimizer], batch_size=7)
    net_options = None
    if extras == "l2-weights-blocks":  # L2 terms per step, sample weights, shuffle by blocks
        net_options = {"l2": 0.05}
        options |= dict(sample_weight=np.linspace(0.5, 2, 48), shuffle_block=5)
    elif extras == "no-shuffle":  # mini-batches in the data's order every epoch
        options["shuffle"] = False
    elif extras == "dropout":  # the masks' stream is where the stopped step left it
        net_options = {"keep_prob": 0.6}
    if early:
        options["callbacks"] = lambda: [lw.EarlyStopping(patience=2, min_delta=1e-3, monitor=early)]
    ref = _train(X, Y, (Xd, Yd), dtype, net_options=net_options, **options)
    # 7 steps an epoch, 6 asked about: stops in several epochs, twice in a row in one of them
    stops = np.random.default_rng(zlib.crc32(tmp_path.name.encode())).integers(1, 5, 5).tolist()
    got = _train(X, Y, (Xd, Yd), dtype, tmp_path / "c.npz", [*stops, 1, 1], net_options, **options)
    assert all(0 < k < n for k, n in got[2])
    assert len(got[2]) == 7 or (early and len(got[2]) >= 2)  # early stopping may end it first
    _same(got, ref)


def test_a_full_batch_epoch_is_one_step_and_stops_at_its_end(tmp_path) -> None:
    X, Y, Xd, Yd = _data("float64")
    ref = _train(X, Y, (Xd, Yd), "float64", epochs=5)
    got = _train(X, Y, (Xd, Yd), "float64", tmp_path / "c.npz", epochs=5, stops=[1])
    assert got[2] == []  # never asked: one step is the whole epoch
    _same(got, ref)


def _stop_once(path: Path, at: int, **options) -> TrainingInterrupted:
    """One run of 4 epochs of 7 steps, stopped after ``at`` steps asked about."""
    X, Y, _, _ = _data("float64")
    net = Network([3, 5, 1], hidden="tanh", seed=3)
    with pytest.MonkeyPatch.context() as mp, pytest.raises(TrainingInterrupted) as err:
        counter = StopAfter([at])
        mp.setattr(Checkpointer, "stop_requested", lambda saver: counter())
        net.fit(X, Y, epochs=4, batch_size=7, checkpoint=path, **options)
    return err.value


def test_resume_of_an_unfinished_epoch_needs_more_epochs(tmp_path) -> None:
    path = tmp_path / "c.npz"
    stop = _stop_once(path, 8)  # 6 asked about in epoch 0, then 2 in epoch 1
    assert stop.path == path and stop.epochs_done == 1 and stop.steps == (2, 7)
    assert str(stop).startswith("a stop request received: stopped in epoch 1 after step 2 of 7")
    X, Y, _, _ = _data("float64")
    net = Network([3, 5, 1], hidden="tanh", seed=3)
    with pytest.raises(ValueError, match=r"stopped inside epoch 1; resume with epochs > 1"):
        net.fit(X, Y, epochs=1, batch_size=7, checkpoint=path, resume=True)


def test_a_stopped_epoch_that_diverged_raises_and_writes_no_poisoned_checkpoint(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    X = X * 1e150  # the first update overflows
    path = tmp_path / "c.npz"
    net = Network([3, 5, 1], hidden="relu", seed=3, output="linear", loss="squared_error")
    with pytest.MonkeyPatch.context() as mp, pytest.raises(lw.DivergenceError, match="epoch 0"):
        counter = StopAfter([3])
        mp.setattr(Checkpointer, "stop_requested", lambda saver: counter())
        net.fit(X, Y, epochs=3, batch_size=7, learning_rate=1.0, checkpoint=path)
    assert not path.exists() and np.isfinite(net.theta).all()


def _interrupted_file(tmp_path: Path) -> tuple[Path, dict]:
    path = tmp_path / "c.npz"
    _stop_once(path, 9)
    X, Y, _, _ = _data("float64")
    return path, {"X": X, "Y": Y}


def _rewrite(path: Path, edit) -> None:
    with zipfile.ZipFile(path) as zf:
        files = {n: zf.read(n) for n in zf.namelist()}
    header = json.loads(files["header.json"])
    edit(header, files)
    files["header.json"] = json.dumps(header).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)


def _npy(a: np.ndarray) -> bytes:
    f = io.BytesIO()
    np.lib.format.write_array(f, a)
    return f.getvalue()


HOSTILE = {
    "steps_done 0": lambda h, f: h["epoch"].update(steps_done=0),
    "steps_done of the whole epoch": lambda h, f: h["epoch"].update(steps_done=7),
    "steps_done a string": lambda h, f: h["epoch"].update(steps_done="2"),
    "negative seconds": lambda h, f: h["epoch"].update(seconds=-1.0),
    "penalties of a run without L2": lambda h, f: h["epoch"].update(penalties=[0.1, 0.2]),
    "unknown key": lambda h, f: h["epoch"].update(extra=1),
    "epoch not an object": lambda h, f: h.update(epoch=[2]),
    "seconds beyond float range": lambda h, f: h["epoch"].update(seconds=10**400),
    "penalties beyond float range": lambda h, f: h["epoch"].update(penalties=[10**400] * 2),
    "an unfinished epoch after an early stop": lambda h, f: h["history"].update(stopped_epoch=0),
}


RESUME_ONLY = {  # what only a resume can tell: it knows the run's steps and L2
    "steps_done of the whole epoch",
    "penalties of a run without L2",
    "an unfinished epoch after an early stop",
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_a_damaged_unfinished_epoch_is_refused(tmp_path, name) -> None:
    path, data = _interrupted_file(tmp_path)
    _rewrite(path, HOSTILE[name])
    net = Network([3, 5, 1], hidden="tanh", seed=3)
    with pytest.raises(ValueError, match=r"not a valid layerwise checkpoint: .*(epoch|early)"):
        net.fit(data["X"], data["Y"], epochs=4, batch_size=7, checkpoint=path, resume=True)
    if name not in RESUME_ONLY:
        with pytest.raises(ValueError, match=r"not a valid layerwise checkpoint: .*epoch"):
            load_checkpoint(path)


@pytest.mark.parametrize(
    ("array", "value", "match"),
    [
        ("epoch.order", lambda o: np.where(o == 0, 1, o), "permutation"),
        ("epoch.order", lambda o: o.astype(np.float64), "permutation"),
        ("epoch.order", lambda o: o[:-1], "permutation"),
        ("epoch.order", lambda o: o - 1, "permutation"),
        ("epoch.order", lambda o: o + 10**15, "permutation"),
        ("epoch.logits", lambda z: z[:, :-1], "epoch.logits"),
        ("epoch.logits", lambda z: z.astype(np.float32), "epoch.logits"),
        ("epoch.logits", lambda z: np.full_like(z, np.nan), "NaN"),
    ],
)
def test_a_damaged_epoch_array_is_refused(tmp_path, array, value, match) -> None:
    path, data = _interrupted_file(tmp_path)

    def edit(header, files):
        with zipfile.ZipFile(path) as zf:
            a = np.lib.format.read_array(io.BytesIO(zf.read(f"{array}.npy")))
        new = value(a)
        files[f"{array}.npy"] = _npy(new)
        header["arrays"][array] = {"dtype": new.dtype.name, "shape": list(new.shape)}

    _rewrite(path, edit)
    net = Network([3, 5, 1], hidden="tanh", seed=3)
    with pytest.raises(ValueError, match=match):
        net.fit(data["X"], data["Y"], epochs=4, batch_size=7, checkpoint=path, resume=True)


def test_a_signal_in_process_stops_after_the_step(tmp_path) -> None:
    X, Y, _, _ = _data("float64")

    class Signal:
        def on_train_begin(self, net, epochs): ...

        def on_epoch_begin(self, net, epoch):
            if epoch == 2:
                signal.raise_signal(signal.SIGTERM)

        def on_epoch_end(self, net, epoch, logs): ...

        def on_train_end(self, net, history): ...

    net = Network([3, 5, 1], seed=3)
    options = dict(epochs=6, batch_size=5, checkpoint=tmp_path / "c.npz")
    with graceful_stop(), pytest.raises(TrainingInterrupted) as err:
        net.fit(X, Y, callbacks=[Signal()], **options)
    assert str(err.value).startswith("SIGTERM received: stopped in epoch 2 after step 1 of 10")
    ck = load_checkpoint(tmp_path / "c.npz")
    assert (ck.epochs_done, ck.steps_done) == (2, 1)
    resumed = Network([3, 5, 1], seed=3)
    h = resumed.fit(X, Y, resume=True, **options)
    ref = Network([3, 5, 1], seed=3)
    ref_h = ref.fit(X, Y, epochs=6, batch_size=5)
    assert np.array_equal(resumed.theta, ref.theta) and h.cost == ref_h.cost


@pytest.mark.slow
def test_cli_signal_in_a_long_epoch_stops_after_the_step_and_resumes(tmp_path, capsys) -> None:
    # 24,000 rows trained one example at a time: an epoch takes long enough that a signal
    # lands inside it, not between two
    rng = np.random.default_rng(0)
    X = rng.standard_normal((24_000, 4))
    y = (X[:, 0] * X[:, 1] > 0).astype(int)
    table = tmp_path / "t.csv"
    rows = "\n".join(",".join(f"{v:.6f}" for v in x) + f",{t}" for x, t in zip(X, y, strict=True))
    table.write_text("a,b,c,d,y\n" + rows + "\n")
    args = [table, "--target", "y", "--layers", "8", "--batch-size", "1", "--epochs", "3"]
    args += ["--learning-rate", "0.01", "--early-stopping", "0"]

    def start(*extra) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "layerwise", "train", *map(str, extra)],
            cwd=tmp_path, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
        )  # fmt: skip

    proc = start(*args, "--out", tmp_path / "out", "--checkpoint", tmp_path / "ck")
    deadline = time.monotonic() + 120
    while True:  # the progress line of epoch 0: epoch 1 is under way
        line = proc.stderr.readline()
        assert line and time.monotonic() < deadline, "training never printed epoch 0"
        if line.startswith("epoch 0"):
            break
    time.sleep(0.2)  # past the checkpoint of epoch 0, inside epoch 1
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 128 + signal.SIGINT, err
    assert "SIGINT received: finishing this step" in err
    assert "stopped in epoch 1 after step" in err and "Traceback" not in err
    ck = load_checkpoint(tmp_path / "ck")
    assert ck.epochs_done == 1 and ck.steps_done > 0
    assert cli.main(["train", "--resume", str(tmp_path / "ck"), "--epochs", "1"]) == 2
    assert (  # in flags, not the library's "epochs > 1 ... without resume"
        "error: --epochs 1 is fewer than the 1 epoch and part of the next the checkpoint in "
        f"{tmp_path / 'ck'} has done. Hint: pass --epochs 2 or more" in capsys.readouterr().err
    )
    for folder, extra in (("ck", ("--resume", tmp_path / "ck")), ("ref", (*args, "--out", "ref"))):
        run = start(*extra, "--quiet")
        _, err = run.communicate(timeout=300)
        assert run.returncode == 0, (folder, err)
    a, b = lw.load(tmp_path / "out" / "model.npz"), lw.load(tmp_path / "ref" / "model.npz")
    assert np.array_equal(a.theta, b.theta)
    cost = [json.loads((tmp_path / d / "history.json").read_text())["cost"] for d in ("out", "ref")]
    assert cost[0] == cost[1]


@pytest.mark.parametrize("edit", ["unknown array", "epoch arrays without the entry"])
def test_arrays_a_checkpoint_does_not_hold_are_refused(tmp_path, edit) -> None:
    path, _ = _interrupted_file(tmp_path)

    def change(header, files):
        if edit == "unknown array":
            files["evil.npy"] = _npy(np.zeros(3))
            header["arrays"]["evil"] = {"dtype": "float64", "shape": [3]}
        else:
            del header["epoch"]

    _rewrite(path, change)
    with pytest.raises(ValueError, match=r"not a valid layerwise checkpoint: unexpected array"):
        load_checkpoint(path)


def test_early_stopping_on_the_cost_keeps_the_start_of_an_epoch_stopped_inside(tmp_path) -> None:
    # the training cost of an epoch is earned by θ at its start; if that epoch was stopped
    # and resumed, θ at its start comes from the checkpoint, not from where it resumed
    X, Y, Xd, Yd = _data("float64")
    options = dict(epochs=8, batch_size=7, learning_rate=0.5)
    options["callbacks"] = lambda: [lw.EarlyStopping(patience=3, monitor="cost")]
    ref = _train(X, Y, (Xd, Yd), "float64", **options)
    assert ref[1].best_epoch == 7  # the last epoch is the best: its start is what is kept
    got = _train(X, Y, (Xd, Yd), "float64", tmp_path / "c.npz", [7 * 6 + 3], **options)
    assert got[2] == [(3, 7)]
    _same(got, ref)


def test_a_dropout_checkpoint_without_the_masks_stream_is_refused(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    path = tmp_path / "c.npz"
    Network([3, 5, 1], hidden="tanh", seed=3, keep_prob=0.5).fit(
        X, Y, epochs=2, batch_size=7, checkpoint=path
    )
    assert "dropout_rng" in json.loads(zipfile.ZipFile(path).read("header.json"))
    _rewrite(path, lambda h, f: h.pop("dropout_rng"))
    net = Network([3, 5, 1], hidden="tanh", seed=3, keep_prob=0.5)
    with pytest.raises(ValueError, match=r"checkpoint: .*the dropout generator's state is missing"):
        net.fit(X, Y, epochs=3, batch_size=7, checkpoint=path, resume=True)
    with pytest.raises(ValueError, match=r"dropout generator's state is missing"):
        load_checkpoint(path)


def test_a_run_without_shuffling_stopped_after_a_step_resumes_bit_for_bit(tmp_path) -> None:
    X, Y, Xd, Yd = _data("float64")
    options = dict(epochs=3, learning_rate=0.5, batch_size=7, shuffle=False)
    ref = _train(X, Y, (Xd, Yd), "float64", **options)
    got = _train(X, Y, (Xd, Yd), "float64", tmp_path / "c.npz", [3, 2], **options)
    assert got[2] == [(3, 7), (5, 7)]  # epoch 0 after step 3, then epoch 0 after step 5
    _same(got, ref)
    path = tmp_path / "c.npz"
    _stop_once(path, 3, shuffle=False)
    assert "epoch.order" not in load_checkpoint(path).arrays

    def with_order(header, files):  # the order a run without shuffling does not store
        files["epoch.order.npy"] = _npy(np.arange(48))
        header["arrays"]["epoch.order"] = {"dtype": "int64", "shape": [48]}

    _rewrite(path, with_order)
    with pytest.raises(ValueError, match=r"checkpoint: epoch\.order is only stored for shuffled"):
        Network([3, 5, 1], hidden="tanh", seed=3).fit(
            X, Y, epochs=4, batch_size=7, shuffle=False, checkpoint=path, resume=True
        )


def test_steps_done_is_zero_between_epochs_and_k_inside_one(tmp_path) -> None:
    X, Y, _, _ = _data("float64")
    Network([3, 5, 1], seed=3).fit(X, Y, epochs=1, batch_size=7, checkpoint=tmp_path / "a.npz")
    assert load_checkpoint(tmp_path / "a.npz").steps_done == 0
    path, _ = _interrupted_file(tmp_path)
    assert load_checkpoint(path).steps_done == 3  # 6 asked about in epoch 0, then 3


@pytest.mark.parametrize(
    ("name", "edit"),
    [
        ("no penalty", lambda h, f: h["epoch"].update(penalties=[])),
        ("penalties of 0", lambda h, f: h["epoch"].update(penalties=[0.0, 0])),
        ("no seconds", lambda h, f: h["epoch"].update(seconds=0)),
    ],
)
def test_the_smallest_values_of_an_unfinished_epoch_are_valid(tmp_path, name, edit) -> None:
    path, _ = _interrupted_file(tmp_path)
    _rewrite(path, edit)
    assert load_checkpoint(path).steps_done == 3


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda h, f: h.update(epoch={"steps_done": 2}), "epoch {'steps_done': 2} is not valid"),
        (lambda h, f: h["epoch"].update(steps_done=0), "epoch.steps_done must be a positive count"),
        (lambda h, f: h["epoch"].update(penalties=[-0.5]), "epoch.penalties must list finite"),
        (lambda h, f: h["epoch"].update(penalties=0.5), "epoch.penalties must list finite"),
        (lambda h, f: h["epoch"].update(seconds=-1), "epoch.seconds must be a finite number ≥ 0"),
    ],
)
def test_an_unfinished_epoch_is_refused_with_its_own_message(tmp_path, edit, message) -> None:
    path, _ = _interrupted_file(tmp_path)
    _rewrite(path, edit)
    with pytest.raises(ValueError, match=f"valid layerwise checkpoint: {re.escape(message)}"):
        load_checkpoint(path)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            lambda h, f: h["epoch"].update(steps_done=7),
            "epoch.steps_done must be below the epoch's 7 steps, got 7.",
        ),
        (
            lambda h, f: (h["arrays"].pop("epoch.order"), f.pop("epoch.order.npy")),
            "epoch.order must be a permutation of 0..47.",
        ),
        (
            lambda h, f: h["epoch"].update(penalties=[0.5, 0.5]),
            "epoch.penalties must hold one L2 term per step done, got 2.",
        ),
    ],
)
def test_a_resume_checks_the_unfinished_epoch_against_the_run(tmp_path, edit, message) -> None:
    path, data = _interrupted_file(tmp_path)
    _rewrite(path, edit)
    net = Network([3, 5, 1], hidden="tanh", seed=3)
    refused = f"^{re.escape(str(path))} is not a valid layerwise checkpoint: {re.escape(message)}$"
    with pytest.raises(ValueError, match=refused):
        net.fit(data["X"], data["Y"], epochs=4, batch_size=7, checkpoint=path, resume=True)
