"""Workers: open (or join) the study, run trials until it holds N finished ones, then stop.

Every worker runs the same loop, in this process (``workers=1``), in K local processes, or on
many machines sharing one PostgreSQL database:

1. count the study's finished (COMPLETE or PRUNED), running and queued (WAITING) trials;
2. a queued trial (the copy of a failed one) is run first, whatever the count;
3. with N finished and nothing running or queued, stop;
4. if the finished and running ones make N, wait, failing trials whose heartbeat went silent
   (``RetryHeartbeatStaleTrialCallback`` then queues their copies);
5. otherwise run one new trial, and go back to 1.

So N is the study's total, shared by every worker that joins it, and the study ends with no
trial left RUNNING or queued. Workers exceed N only when two of them start the last trial at
the same moment (and the copy of a trial that failed meanwhile may then add one more).
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import signal
import sys
import threading
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import optuna
from optuna.samplers import BaseSampler, TPESampler
from optuna.trial import TrialState

from ..spec import Prepared, RunSpec, prepare
from .objective import METRICS, STARTUP, WARMUP, Objective, check_dev_fraction
from .space import RULES, parse_space
from .storage import opened

FINISHED = (TrialState.COMPLETE, TrialState.PRUNED)


@dataclass
class Settings:
    """Everything a worker needs (picklable: local workers are spawned processes); ``spec``
    is the base run: its data, dtype and seed (trials draw its network and fit)."""

    spec: RunSpec
    trials: int
    storage: str
    study: str
    space: dict[str, Any]
    metric: str
    timeout: float | None = None
    heartbeat: int = 10
    grace: int | None = None
    quiet: bool = False

    @property
    def data(self) -> str:
        return self.spec.data.source

    @property
    def seed(self) -> int:
        return self.spec.resolved_seed

    def prepared(self) -> Prepared:
        """The base spec's data, read, split and preprocessed (``spec.prepare``)."""
        return prepare(check_dev_fraction(self.spec))


class TrialSeededSampler(BaseSampler):
    """Optuna's TPE sampler, seeded afresh for each trial from ``(seed, trial number)``.

    Trial numbers are unique in a study, so workers sharing a study never draw from the same
    random stream, and one worker with a seed draws the same trials in the same order.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._tpe = self._make(0)

    def _make(self, number: int) -> TPESampler:
        seed = int(np.random.SeedSequence([self.seed, number]).generate_state(1)[0])
        return TPESampler(seed=seed)

    def before_trial(self, study, trial) -> None:
        self._tpe = self._make(trial.number)
        self._tpe.before_trial(study, trial)

    def infer_relative_search_space(self, study, trial):
        return self._tpe.infer_relative_search_space(study, trial)

    def sample_relative(self, study, trial, search_space):
        return self._tpe.sample_relative(study, trial, search_space)

    def sample_independent(self, study, trial, param_name, param_distribution):
        return self._tpe.sample_independent(study, trial, param_name, param_distribution)

    def after_trial(self, study, trial, state, values) -> None:
        self._tpe.after_trial(study, trial, state, values)


def setup_of(settings: Settings, prepared: Prepared) -> dict[str, Any]:
    """What the study records so that joining workers, and ``--show``, use the same setup."""
    data = settings.spec.data
    return {
        "data": data.source,
        "target": None if data.target is None else list(data.target),
        "drop": list(data.drop),
        "task": prepared.pre.task,
        "seed": settings.seed,
        "dev_fraction": data.dev_fraction,
        "test_fraction": prepared.test_fraction,  # as resolved: 0.2 unless given
        "missing": data.missing,
        "unseen": data.unseen,
        "min_frequency": data.min_frequency,
        "dtype": settings.spec.network.dtype,
        "metric": settings.metric,
        "space": settings.space,
        "fingerprint": prepared.fingerprint(),
    } | {  # optional keys: a study of 0.1.0 has neither
        key: value for key, value in (("sep", data.sep), ("test", data.test)) if value is not None
    }


def open_study(settings: Settings, prepared: Prepared, storage) -> optuna.Study:
    """Create the study in ``storage``, or join it after checking that it was made for the
    same data, split and metric (ValueError naming the first difference otherwise)."""
    study = optuna.create_study(
        storage=storage,
        study_name=settings.study,
        direction=METRICS[settings.metric],
        sampler=TrialSeededSampler(settings.seed),
        pruner=optuna.pruners.MedianPruner(n_startup_trials=STARTUP, n_warmup_steps=WARMUP),
        load_if_exists=True,
    )
    mine = setup_of(settings, prepared)
    theirs = study.user_attrs.get("setup")
    if theirs is None:
        study.set_user_attr("setup", mine)
        return study
    check_same_setup(settings.study, theirs, mine, settings.data)
    return study


def check_same_setup(name: str, theirs: dict, mine: dict, data: str) -> None:
    """Raise ValueError when a worker's data, split or metric differ from the study's."""
    a, b = theirs["fingerprint"], mine["fingerprint"]
    if (a["features"], a["target"], a["task"], a["classes"]) != (
        b["features"],
        b["target"],
        b["task"],
        b["classes"],
    ):
        raise ValueError(
            f"study {name!r} was made for {theirs['data']} ({len(a['features'])} features "
            f"{_short(a['features'])} -> {a['target']}, {a['task']}), but {data} has "
            f"{len(b['features'])} features {_short(b['features'])} -> {b['target']}, "
            f"{b['task']}. Hint: give this data its own --study name."
        )
    # a study before these options read tables without gaps, as "impute" reads them
    defaults = {"missing": "impute", "unseen": "ignore", "min_frequency": None, "test": None}
    keys = ("seed", "dev_fraction", "test", "test_fraction", "metric", "dtype")
    keys += ("missing", "unseen", "min_frequency")
    for key in keys:
        value, own = _stored(theirs, key, defaults.get(key)), _stored(mine, key, defaults.get(key))
        if value != own:
            raise ValueError(
                f"study {name!r} was run with {key} {value!r}, this worker has "
                f"{own!r}: its trials would not be comparable. Hint: pass the study's "
                f"--{key.replace('_', '-')}, or use another --study name."
            )
    if a["examples"] != b["examples"]:
        raise ValueError(
            f"study {name!r} split its data into {a['examples']} examples, this worker's data "
            f"gives {b['examples']}: not the same rows. Hint: every worker needs the same file."
        )


def _stored(setup: dict, key: str, default: Any) -> Any:
    """A setup's ``key`` as compared between workers: the test file by its name (machines
    may keep it in different folders; the split sizes compare its rows), and the test
    fraction of a study made before it was stored resolved (None: 0.2 of a bundled set, which
    left test rows, else 0)."""
    value = setup.get(key, default)
    if key == "test" and value is not None:
        return Path(value).name
    if key == "test_fraction" and value is None:
        return 0.2 if setup["fingerprint"]["examples"]["test"] and not setup.get("test") else 0.0
    return value


def _short(names: list[str]) -> str:
    return "[" + ", ".join(names[:4]) + (", ...]" if len(names) > 4 else "]")


def counts(study: optuna.Study) -> tuple[int, int, int]:
    """(finished, running, waiting) trials of the study."""
    states = [t.state for t in study.get_trials(deepcopy=False)]
    finished = sum(state in FINISHED for state in states)
    return finished, states.count(TrialState.RUNNING), states.count(TrialState.WAITING)


def searched(params: dict[str, Any]) -> dict[str, Any]:
    """A trial's drawn settings for display: the widths ``units_1, units_2, ...`` as one
    ``layers`` list, in the space's order."""
    shown: dict[str, Any] = {}
    widths = [params[k] for k in sorted(params, key=_layer) if k.startswith("units_")]
    for name in RULES:
        if name in ("n_layers", "units"):
            if ("n_layers" in params or widths) and "layers" not in shown:
                shown["layers"] = widths
        elif name in params:
            shown[name] = params[name]
    return shown


def _layer(key: str) -> int:
    return int(key.split("_")[1]) if key.startswith("units_") else 0


def describe(trial: optuna.trial.FrozenTrial, metric: str) -> str:
    """One line per finished trial, as workers print them."""
    shown = ", ".join(
        f"{k} {v:.3g}" if isinstance(v, float) else f"{k} {v}"
        for k, v in searched(trial.params).items()
    )
    retry = optuna.storages.RetryHeartbeatStaleTrialCallback.retried_trial_number(trial)
    head = f"trial {trial.number}" + (f" (retry of {retry})" if retry is not None else "")
    epochs = trial.user_attrs.get("epochs", "?")
    if trial.state == TrialState.COMPLETE:
        what = f"{metric} {trial.value:.4f} after {epochs} epochs"
    elif trial.state == TrialState.PRUNED:
        history = trial.user_attrs.get("history") or {}
        stop = len(history.get("cost", [])) or "?"
        what = "diverged" if "diverged" in trial.user_attrs else f"pruned after epoch {stop}"
    else:
        what = trial.state.name.lower()
    return f"{head}: {what} ({shown})"


@contextlib.contextmanager
def quiet_optuna():
    """Optuna's INFO lines off (workers print one line per trial), its experimental-feature
    warnings (heartbeat failure checks) silenced; restored afterwards."""
    level = optuna.logging.get_verbosity()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            yield
    finally:
        optuna.logging.set_verbosity(level)


class StopOnInterrupt:
    """Ctrl-C, the clean way: the first one is noted (``requested``), the running trial ends
    after its epoch (FAIL, marked ``interrupted``) and the worker starts no other; a second one
    interrupts at once. Only in the main thread (elsewhere Python delivers no signals)."""

    def __init__(self) -> None:
        self.requested, self._previous = False, None

    def __enter__(self) -> StopOnInterrupt:
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def _handle(self, signum, frame) -> None:
        if self.requested:
            raise KeyboardInterrupt
        self.requested = True

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def check(self) -> None:
        if self.requested:
            raise KeyboardInterrupt


def work(settings: Settings, prepared: Prepared | None = None, label: str = "") -> int:
    """Run trials until the study holds ``settings.trials`` finished ones (or the timeout);
    return how many this worker ran."""
    prepared = prepared or settings.prepared()
    with (
        quiet_optuna(),
        opened(settings.storage, settings.heartbeat, settings.grace) as storage,
        StopOnInterrupt() as stop,
    ):
        study = open_study(settings, prepared, storage)
        objective = Objective(prepared, parse_space(settings.space), settings.metric, stop)
        deadline = None if settings.timeout is None else time.monotonic() + settings.timeout
        prefix = f"[{label}] " if label else ""
        ran = 0

        def show(study, trial) -> None:
            if not settings.quiet:
                print(prefix + describe(trial, settings.metric), flush=True)

        while deadline is None or time.monotonic() < deadline:
            stop.check()
            finished, running, waiting = counts(study)
            if not waiting:
                if finished >= settings.trials and not running:
                    break
                if finished + running >= settings.trials:
                    optuna.storages.fail_stale_trials(study)  # a dead worker's trial, if any
                    time.sleep(min(1.0, settings.heartbeat / 2))
                    continue
            study.optimize(objective, n_trials=1, callbacks=[show])  # a queued trial first
            ran += 1
        stop.check()
    return ran


def _child(settings: Settings, label: str) -> None:
    """A spawned local worker: one-line errors, exit code 2 (130 on Ctrl-C)."""
    try:
        work(settings, label=label)
    except KeyboardInterrupt:
        sys.exit(130)
    except (ValueError, OSError, ImportError) as err:
        print(f"error: [{label}] {' '.join(str(err).split())}", file=sys.stderr, flush=True)
        sys.exit(2)


BLAS_THREADS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def run_local_workers(settings: Settings, workers: int) -> list[int]:
    """Run ``workers`` processes of :func:`work` on this machine; return their exit codes
    (negative: killed by that signal).

    Each worker's BLAS gets ``cores // workers`` threads (unless the environment already sets
    them): K workers with a thread per core each would fight over the same cores.
    """
    context = multiprocessing.get_context("spawn")  # no forked SQLAlchemy connections
    procs = [
        context.Process(target=_child, args=(settings, f"worker {i + 1}"), daemon=False)
        for i in range(workers)
    ]
    threads = str(max(1, (os.cpu_count() or 1) // workers))
    saved = {name: os.environ.get(name) for name in BLAS_THREADS}
    try:
        for name, value in saved.items():
            if value is None:
                os.environ[name] = threads  # read by the spawned interpreters at start
        for p in procs:
            p.start()
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
    try:
        for p in procs:
            p.join()
    except KeyboardInterrupt:  # the workers got the same Ctrl-C: let them mark their trials
        for p in procs:
            p.join(timeout=30)
        raise
    return [p.exitcode for p in procs]
