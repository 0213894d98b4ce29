"""Trials per minute of ``layerwise sweep`` with 1 and 2 local workers, and the storage choice.

Two measurements, each repeated ``--reps`` times (median and range printed as Markdown):

1. **storage**: K processes run stand-in trials of ``--epochs`` epochs on one study (each epoch a
   little NumPy work, ``trial.report`` and ``trial.should_prune``, as the sweep's callback does),
   against the local SQLite file as ``layerwise.sweep`` opens it (write-ahead log, heartbeat)
   and against Optuna's ``JournalFileBackend``; errors (e.g. "database is locked") are counted.
2. **sweep**: ``layerwise.sweep.sweep("digits", trials=N, workers=K)`` with the default space,
   trials per minute from the study's own timestamps (first trial start to last trial end).

    .venv/bin/python benchmarks/bench_sweep.py                 # both, a few minutes
    .venv/bin/python benchmarks/bench_sweep.py --quick         # smoke run
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import optuna

from layerwise.sweep import sweep
from layerwise.sweep.storage import opened


def _storage(kind: str, folder: Path):
    if kind == "sqlite":
        return opened(f"sqlite:///{folder / 'study.db'}", heartbeat=10)
    from contextlib import nullcontext

    from optuna.storages.journal import JournalFileBackend

    return nullcontext(optuna.storages.JournalStorage(JournalFileBackend(str(folder / "j.log"))))


def _stand_in_worker(kind: str, folder: str, trials: int, epochs: int, errors) -> None:
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    A = rng.standard_normal((64, 64))

    def objective(trial) -> float:
        x = trial.suggest_float("x", 0, 1)
        for epoch in range(epochs):
            for _ in range(20):
                A @ A  # a little work per epoch
            trial.report(x * epoch, epoch)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return x

    with _storage(kind, Path(folder)) as storage:
        study = optuna.load_study(study_name="bench", storage=storage)
        done = 0
        while done < trials:
            try:
                study.optimize(objective, n_trials=1)
                done += 1
            except Exception:
                with errors.get_lock():
                    errors.value += 1


def storage_run(kind: str, workers: int, trials: int, epochs: int) -> tuple[float, int]:
    """Trials per minute of ``workers`` processes on one study; errors raised in them."""
    with tempfile.TemporaryDirectory() as folder:
        with _storage(kind, Path(folder)) as storage, warnings.catch_warnings():
            warnings.simplefilter("ignore")
            optuna.create_study(
                study_name="bench", storage=storage, pruner=optuna.pruners.MedianPruner()
            )
        context = multiprocessing.get_context("spawn")
        errors = context.Value("i", 0)
        per = trials // workers
        procs = [
            context.Process(target=_stand_in_worker, args=(kind, folder, per, epochs, errors))
            for _ in range(workers)
        ]
        start = time.perf_counter()
        for p in procs:
            p.start()
        for p in procs:
            p.join()
        seconds = time.perf_counter() - start
        return 60 * per * workers / seconds, errors.value


def sweep_run(workers: int, trials: int) -> float:
    """Trials per minute of a digits sweep, from its trials' start and end times."""
    with tempfile.TemporaryDirectory() as folder:
        result = sweep("digits", trials=trials, workers=workers, out=folder, quiet=True)
        done = [t for t in result.study.trials if t.datetime_complete is not None]
        first = min(t.datetime_start for t in done)
        last = max(t.datetime_complete for t in done)
        return 60 * len(done) / (last - first).total_seconds()


def _row(name: str, values: list[float], extra: str = "") -> str:
    median = statistics.median(values)
    return f"| {name} | {median:.1f} | {min(values):.1f}–{max(values):.1f} | {extra} |"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--trials", type=int, default=12, help="trials of each digits sweep")
    parser.add_argument("--quick", action="store_true", help="one repetition, fewer trials")
    parser.add_argument("--skip-sweep", action="store_true")
    args = parser.parse_args()
    optuna.logging.set_verbosity(optuna.logging.ERROR)
    reps = 1 if args.quick else args.reps
    trials = 4 if args.quick else args.trials

    print("## Storage: stand-in trials (30 epochs each), trials per minute\n")
    print("| storage, workers | median | range | errors |")
    print("|---|---|---|---|")
    for kind in ("sqlite", "journal"):
        for workers in (1, 2):
            runs = [storage_run(kind, workers, 8 if args.quick else 24, 30) for _ in range(reps)]
            rates, errors = [r for r, _ in runs], sum(e for _, e in runs)
            print(_row(f"{kind}, {workers}", rates, str(errors)), flush=True)
    if args.skip_sweep:
        return 0
    print(f"\n## layerwise sweep digits --trials {trials}: trials per minute\n")
    print("| workers | median | range | |")
    print("|---|---|---|---|")
    for workers in (1, 2):
        rates = [sweep_run(workers, trials) for _ in range(reps)]
        print(_row(str(workers), rates), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
