"""One trial: the base spec with the trial's drawn settings, its network fitted, reported.

The data are read, split (test, then dev, stratified, from ``seed``) and preprocessed once per
worker by :func:`layerwise.spec.prepare`, as ``layerwise train`` does with the same spec, so
every worker of a study, on any machine, sees the same train/dev/test rows. Each trial trains a
``Network`` through ``Network.fit`` with its dev set, reports the dev metric after every epoch
to Optuna (:class:`ReportToTrial`), stops when Optuna's pruner says so, and records its
``History`` as the trial's user attribute ``"history"``.
"""

from __future__ import annotations

import os
import socket
import time

import layerwise as lw

from ..spec import Prepared, RunSpec, build_network

# metric -> Optuna direction
METRICS = {"dev_accuracy": "maximize", "dev_cost": "minimize"}


def check_dev_fraction(spec: RunSpec) -> RunSpec:
    """``spec`` if its data hold out a dev set: every trial is scored on it."""
    if not 0 < spec.data.dev_fraction < 1:
        raise ValueError(
            f"dev_fraction must be in (0, 1): every trial is scored on the dev set; got "
            f"{spec.data.dev_fraction}. Hint: 0.2 holds out a fifth of the training rows."
        )
    return spec


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
    prepared: Prepared, spec: RunSpec, metric: str, callbacks=()
) -> tuple[lw.Network, lw.History]:
    """Build and fit the network of one trial's ``spec`` (the base spec with the trial's drawn
    settings, see ``space.onto``), with early stopping on ``metric`` when its patience is > 0;
    the same seed each trial, so a trial re-run with the same settings trains the same network,
    bit for bit."""
    net = build_network(spec.network, prepared.pre, prepared.seed)
    callbacks = list(callbacks)
    fit = spec.fit
    if patience := fit.patience(has_dev=True):
        callbacks.append(lw.EarlyStopping(patience, monitor=metric))
    history = net.fit(
        prepared.X,
        prepared.Y,
        epochs=fit.epochs,
        learning_rate=fit.alpha,
        optimizer=fit.optimizer,
        batch_size=fit.batch_size,
        dev=(prepared.X_dev, prepared.Y_dev),
        callbacks=callbacks,
    )
    if net.device is not None:  # trained on the spec's device: scored and saved on the host
        net.to(None)
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

        from .space import onto, suggest

        spec = onto(self.prepared.spec, suggest(trial, self.params))
        trial.set_user_attr("worker", worker_name())
        trial.set_user_attr("pid", os.getpid())
        trial.set_user_attr("seed", self.prepared.seed)
        completed = trial.study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
        check_from = WARMUP if len(completed) >= STARTUP else None
        reporter = ReportToTrial(trial, self.metric, check_from, self.stop)
        start = time.perf_counter()
        try:
            net, history = train_network(self.prepared, spec, self.metric, [reporter])
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
