"""``layerwise sweep``: search hyperparameters with Optuna, on one machine or many.

One machine::

    layerwise sweep digits --trials 20 --workers 2
    layerwise sweep churn.csv --test churn-test.csv --trials 50

Many machines, each running the same command against one PostgreSQL database::

    layerwise sweep digits --trials 200 --storage postgresql://USER:PASSWORD@HOST/sweeps

Report on a study (table, trials.csv, plots, best model retrained)::

    layerwise sweep --show --storage postgresql://USER:PASSWORD@HOST/sweeps --study digits
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..spec import NetworkSpec, RunSpec
from ..sweep import SweepOptions, show, sweep_spec
from ..sweep.objective import METRICS
from .common import (
    DEVICE_OPTION,
    DTYPE_CHOICES,
    TASK_CHOICES,
    data_options,
    data_spec,
    flags,
    fraction,
    positive,
)

EXIT_OK, EXIT_INTERRUPTED = 0, 130
#: sweep's own options after DATA and the data options: flag -> add_argument's keywords
OPTIONS: dict[str, dict[str, Any]] = {
    "--task": {"choices": TASK_CHOICES, "default": "auto"},
    "--trials": {
        "type": positive(int),
        "default": 20,
        "metavar": "N",
        "help": "finished trials of the study, all workers together (default 20)",
    },
    "--space": {"metavar": "FILE", "help": "JSON/YAML file over the default space"},
    "--storage": {
        "metavar": "URL",
        "help": "postgresql://USER:PASSWORD@HOST:PORT/DB to share the study between machines "
        "(default: sqlite file study.db in --out)",
    },
    "--study": {"metavar": "NAME", "help": "study name (default: the data's name)"},
    "--workers": {
        "type": positive(int),
        "default": 1,
        "metavar": "K",
        "help": "worker processes on this machine (default 1)",
    },
    "--timeout": {
        "type": positive(float),
        "metavar": "S",
        "help": "start no trial after S seconds",
    },
    "--metric": {
        "choices": tuple(METRICS),
        "help": "what trials are scored by (default dev_accuracy, dev_cost for regression)",
    },
    "--dev-fraction": {
        "type": fraction,
        "default": 0.2,
        "metavar": "F",
        "help": "share of the training rows every trial is scored on (default 0.2)",
    },
    "--test": {
        "metavar": "FILE",
        "help": "a separate test file: scores the best trial's model once, chooses nothing",
    },
    "--test-fraction": {
        "type": fraction,
        "metavar": "F",
        "help": "share of DATA held out to score the best trial's model once, never to "
        "choose (default 0.2 of any data, files too, unless --test; 0: the reported score "
        "is the dev score that chose the trial)",
    },
    "--dtype": {"choices": DTYPE_CHOICES, "default": "float64"},
    "--device": DEVICE_OPTION,
    "--heartbeat": {
        "type": positive(int),
        "default": 10,
        "metavar": "S",
        "help": "seconds between a running trial's heartbeats (default 10)",
    },
    "--grace": {
        "type": positive(int),
        "metavar": "S",
        "help": "seconds without heartbeat before a trial is failed and retried (default 2x)",
    },
    "--out": {"metavar": "DIR", "help": "output folder (default runs/sweep-<study>)"},
    "--top": {"type": positive(int), "default": 5, "help": "rows of the best-trials table"},
    "--show": {
        "action": "store_true",
        "help": "only report on an existing study (--storage, --study) and retrain its best",
    },
    "--quiet": {"action": "store_true", "help": "no line per trial"},
}


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``sweep`` on the ``layerwise`` command's sub-parsers."""
    p = subparsers.add_parser(
        "sweep",
        help="search hyperparameters with Optuna (one machine or many)",
        description="Train many networks on DATA with hyperparameters drawn by Optuna, until "
        "the study holds --trials finished trials (shared by every worker that joins it); "
        "write the best trials' table, trials.csv, plots and the best model to --out. "
        "The dev set chooses; the best model is then scored once on test rows that chose "
        "nothing (--test FILE, or --test-fraction of DATA, 0.2 by default). "
        "Several machines share a study through --storage postgresql://...",
    )
    p.add_argument(
        "data", metavar="DATA", nargs="?", help="a bundled data set (e.g. digits) or a file"
    )
    data_options(p)
    for flag, keywords in OPTIONS.items():
        p.add_argument(flag, **keywords)
    p.set_defaults(handler=run)
    return p


def spec_of(args: argparse.Namespace) -> RunSpec:
    """The run a sweep varies: its data, dtype, device and seed (the trials draw the
    rest)."""
    if args.data is None:
        raise ValueError(
            "DATA is required (a bundled data set or a file), unless --show. "
            "Hint: layerwise sweep digits --trials 20"
        )
    if args.test and args.test_fraction:  # before the spec says it in its own words
        raise ValueError("use either --test FILE or --test-fraction, not both.")
    data = data_spec(args, args.test)
    network = NetworkSpec(dtype=args.dtype, device=args.device)
    return RunSpec(data, network, seed=args.seed or 0)


def options_of(args: argparse.Namespace) -> SweepOptions:
    """How the sweep searches, from the command line."""
    names = ("trials", "space", "storage", "study", "workers", "timeout", "metric", "out")
    names += ("heartbeat", "grace", "top", "quiet")
    return SweepOptions(**{name: getattr(args, name) for name in names}, wording=flags)


def run(args: argparse.Namespace) -> int:
    """Handle ``layerwise sweep``; errors a user can cause are raised as ValueError/OSError
    for the command's one-line ``error:`` message."""
    try:
        if args.show:
            result = show(args.storage, args.study, data=args.data, out=args.out, top=args.top)
        else:
            result = sweep_spec(spec_of(args), options_of(args))
    except KeyboardInterrupt:
        print(
            "interrupted: the running trial is marked FAIL; the study is intact. "
            "Run the same command to continue it.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    print()
    print(result.text)
    return EXIT_OK
