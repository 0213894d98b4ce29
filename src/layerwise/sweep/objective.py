"""One trial: read the data as ``layerwise train`` does, build a network, fit it, report.

The data are read, split (test, then dev, stratified, from ``seed``) and preprocessed once per
worker, exactly as ``layerwise train`` does with the same seed and fractions, so every worker
of a study, on any machine, sees the same train/dev/test rows. Each trial trains a
``Network`` through ``Network.fit`` with its dev set, reports the dev metric after every epoch
to Optuna (:class:`ReportToTrial`), stops when Optuna's pruner says so, and records its
``History`` as the trial's user attribute ``"history"``.
"""

from __future__ import annotations

import argparse
import os
import socket
import time
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import numpy as np

import layerwise as lw

from ..cli import train
from ..cli.common import build_network
from ..data import Preprocessor

# metric -> Optuna direction
METRICS = {"dev_accuracy": "maximize", "dev_cost": "minimize"}


@dataclass
class Prepared:
    """The data of a sweep, preprocessed: ``X (n_x, m)``, ``Y (n_y, m)``, dev likewise.

    ``data``/``train``/``dev``/``test`` are the raw :class:`layerwise.data.Dataset` rows
    (``test`` None when no test split), for the final report of the best model.
    """

    data: Any
    train: Any
    dev: Any
    test: Any
    pre: Preprocessor
    X: np.ndarray
    Y: np.ndarray
    X_dev: np.ndarray
    Y_dev: np.ndarray
    seed: int
    dtype: np.dtype

    def fingerprint(self) -> dict[str, Any]:
        """What a study's trials depend on: columns, target, task, classes, split sizes."""
        pre = self.pre
        return {
            "features": [str(c) for c in self.data.features.columns],
            "target": pre.target_names,
            "task": pre.task,
            "classes": None if pre.classes is None else [str(c) for c in pre.classes],
            "n_x": pre.n_x,
            "examples": {"train": self.train.m, "dev": self.dev.m, "test": self.test_m},
        }

    @property
    def test_m(self) -> int:
        return 0 if self.test is None else self.test.m


def prepare(
    data: str,
    *,
    target: list[str] | None = None,
    drop: list[str] = (),
    task: str = "auto",
    seed: int = 0,
    dev_fraction: float = 0.2,
    test_fraction: float | None = None,
    dtype: str = "float64",
) -> Prepared:
    """Read ``data`` (a bundled name or a file) and split and preprocess it like
    ``layerwise train`` with the same seed and fractions (``test_fraction`` None: 0.2 for a
    bundled data set, 0 for a file)."""
    if not 0 < dev_fraction < 1:
        raise ValueError(
            f"dev_fraction must be in (0, 1): every trial is scored on the dev set; got "
            f"{dev_fraction}. Hint: 0.2 holds out a fifth of the training rows."
        )
    args = argparse.Namespace(  # exactly what `layerwise train` would be given
        data=data,
        target=target,
        drop=list(drop),
        sep=None,
        task=task,
        seed=seed,
        init="auto",
        dev_fraction=dev_fraction,
        test=None,
        test_fraction=test_fraction,
        dtype=dtype,
        quiet=False,
    )
    p = train.prepare(args)
    (X, Y), (X_dev, Y_dev) = p.xy["train"], p.xy["dev"]
    return Prepared(
        p.data, p.train, p.dev, p.test, p.pre, X, Y, X_dev, Y_dev, seed, np.dtype(dtype)
    )


# Optuna's MedianPruner as the sweep sets it up: no pruning before STARTUP trials have
# completed, nor before epoch WARMUP (0-based) of a trial.
STARTUP, WARMUP = 5, 5


class ReportToTrial(lw.Callback):
    """Report ``monitor`` to an Optuna trial after every epoch; stop when the pruner says so.

    The pruner is only asked from epoch ``check_from`` on (None: never), since before it the
    answer is known to be no, and each question reads the study's running trials from storage.
    ``pruned_epoch`` is the epoch (0-based) at which training stopped for the pruner, or None.
    ``stop`` (with a ``requested`` flag, see ``runner.StopOnInterrupt``) ends the trial with
    KeyboardInterrupt after the epoch in which Ctrl-C was pressed.
    """

    def __init__(self, trial, monitor: str, check_from: int | None = 0, stop=None) -> None:
        self.trial, self.monitor, self.check_from = trial, monitor, check_from
        self.stop, self.pruned_epoch = stop, None

    def on_epoch_end(self, net: lw.Network, epoch: int, logs: dict[str, float]) -> bool:
        if self.stop is not None and self.stop.requested:
            raise KeyboardInterrupt  # Ctrl-C during the epoch: end the trial here
        self.trial.report(float(logs[self.monitor]), epoch)
        if self.check_from is None or epoch < self.check_from:
            return False
        if self.trial.should_prune():
            self.pruned_epoch = epoch
            return True
        return False


def train_network(
    prepared: Prepared, settings: dict[str, Any], metric: str, callbacks=()
) -> tuple[lw.Network, lw.History]:
    """Build and fit the network of one trial's ``settings`` (see ``space.suggest``), with
    early stopping on ``metric`` when ``settings["patience"]`` > 0; the same seed each trial, so
    a trial re-run with the same settings trains the same network, bit for bit."""
    options = SimpleNamespace(
        init=settings["init"],
        legacy_rng=False,
        hidden=[settings["hidden"]],
        layers=settings["layers"],
        l2=settings["l2"],
    )
    net = build_network(options, prepared.pre, prepared.seed, prepared.dtype)
    callbacks = list(callbacks)
    if settings["patience"]:
        callbacks.append(lw.EarlyStopping(settings["patience"], monitor=metric))
    history = net.fit(
        prepared.X,
        prepared.Y,
        epochs=settings["epochs"],
        learning_rate=settings["learning_rate"],
        optimizer=settings["optimizer"],
        batch_size=settings["batch_size"],
        dev=(prepared.X_dev, prepared.Y_dev),
        callbacks=callbacks,
    )
    return net, history


def score(history: lw.History, metric: str) -> float:
    """The trial's value: ``metric`` at the epoch kept (the best one with early stopping)."""
    curve = history.history[metric]
    return float(curve[history.best_epoch if history.best_epoch is not None else -1])


def worker_name() -> str:
    """``host:pid``: which process ran a trial."""
    return f"{socket.gethostname()}:{os.getpid()}"


class Objective:
    """The function Optuna calls with each trial; returns the dev metric of the kept epoch.

    A pruned trial, or one whose training diverged, raises ``optuna.TrialPruned``.
    """

    def __init__(self, prepared: Prepared, params: dict, metric: str, stop=None) -> None:
        self.prepared, self.params, self.metric, self.stop = prepared, params, metric, stop

    def __call__(self, trial) -> float:
        import optuna
        from optuna.trial import TrialState

        from .space import suggest

        settings = suggest(trial, self.params)
        trial.set_user_attr("worker", worker_name())
        trial.set_user_attr("pid", os.getpid())
        trial.set_user_attr("seed", self.prepared.seed)
        completed = trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        check_from = WARMUP if len(completed) >= STARTUP else None
        reporter = ReportToTrial(trial, self.metric, check_from, self.stop)
        start = time.perf_counter()
        try:
            net, history = train_network(self.prepared, settings, self.metric, [reporter])
        except lw.DivergenceError as err:
            trial.set_user_attr("diverged", " ".join(str(err).split()))
            raise optuna.TrialPruned(f"diverged: {err}") from None
        except KeyboardInterrupt:  # Ctrl-C: Optuna marks the trial FAIL; say why
            trial.set_user_attr("interrupted", True)
            raise
        trial.set_user_attr("history", history.to_dict())
        trial.set_user_attr("epochs", history.epochs)
        trial.set_user_attr("seconds", round(time.perf_counter() - start, 3))
        trial.set_user_attr("n_parameters", net.n_parameters())
        if reporter.pruned_epoch is not None:
            raise optuna.TrialPruned(f"pruned after epoch {reporter.pruned_epoch + 1}")
        return score(history, self.metric)
