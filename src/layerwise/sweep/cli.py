"""``layerwise sweep``: search hyperparameters with Optuna, on one machine or many.

One machine::

    layerwise sweep digits --trials 20 --workers 2

Many machines, each running the same command against one PostgreSQL database::

    layerwise sweep digits --trials 200 --storage postgresql://USER:PASSWORD@HOST/sweeps

Report on a study (table, trials.csv, plots, best model retrained)::

    layerwise sweep --show --storage postgresql://USER:PASSWORD@HOST/sweeps --study digits
"""

from __future__ import annotations

import argparse
import sys

from ..cli.common import TASK_CHOICES, data_options, fraction, positive

EXIT_OK, EXIT_INTERRUPTED = 0, 130


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Register ``sweep`` on the ``layerwise`` command's sub-parsers."""
    p = subparsers.add_parser(
        "sweep",
        help="search hyperparameters with Optuna (one machine or many)",
        description="Train many networks on DATA with hyperparameters drawn by Optuna, until "
        "the study holds --trials finished trials (shared by every worker that joins it); "
        "write the best trials' table, trials.csv, plots and the best model to --out. "
        "Several machines share a study through --storage postgresql://...",
    )
    p.add_argument(
        "data", metavar="DATA", nargs="?", help="a bundled data set (e.g. digits) or a file"
    )
    data_options(p)
    p.add_argument("--task", choices=TASK_CHOICES, default="auto")
    p.add_argument(
        "--trials",
        type=positive(int),
        default=20,
        metavar="N",
        help="finished trials of the study, all workers together (default 20)",
    )
    p.add_argument("--space", metavar="FILE", help="JSON/YAML file over the default space")
    p.add_argument(
        "--storage",
        metavar="URL",
        help="postgresql://USER:PASSWORD@HOST:PORT/DB to share the study between machines "
        "(default: sqlite file study.db in --out)",
    )
    p.add_argument("--study", metavar="NAME", help="study name (default: the data's name)")
    p.add_argument(
        "--workers",
        type=positive(int),
        default=1,
        metavar="K",
        help="worker processes on this machine (default 1)",
    )
    p.add_argument(
        "--timeout",
        type=positive(float),
        metavar="S",
        help="start no trial after S seconds",
    )
    p.add_argument(
        "--metric",
        choices=("dev_accuracy", "dev_cost"),
        help="what trials are scored by (default dev_accuracy, dev_cost for regression)",
    )
    p.add_argument(
        "--dev-fraction",
        type=fraction,
        default=0.2,
        metavar="F",
        help="share of the training rows every trial is scored on (default 0.2)",
    )
    p.add_argument(
        "--test-fraction",
        type=fraction,
        metavar="F",
        help="held out for the best model's report (default 0.2 for bundled data, else 0)",
    )
    p.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    p.add_argument(
        "--heartbeat",
        type=positive(int),
        default=10,
        metavar="S",
        help="seconds between a running trial's heartbeats (default 10)",
    )
    p.add_argument(
        "--grace",
        type=positive(int),
        metavar="S",
        help="seconds without heartbeat before a trial is failed and retried (default 2x)",
    )
    p.add_argument("--out", metavar="DIR", help="output folder (default runs/sweep-<study>)")
    p.add_argument("--top", type=positive(int), default=5, help="rows of the best-trials table")
    p.add_argument(
        "--show",
        action="store_true",
        help="only report on an existing study (--storage, --study) and retrain its best",
    )
    p.add_argument("--quiet", action="store_true", help="no line per trial")
    p.set_defaults(handler=run)
    return p


def run(args: argparse.Namespace) -> int:
    """Handle ``layerwise sweep``; errors a user can cause are raised as ValueError/OSError
    for the command's one-line ``error:`` message."""
    from . import show, sweep

    try:
        if args.show:
            result = show(args.storage, args.study, data=args.data, out=args.out, top=args.top)
        else:
            if args.data is None:
                raise ValueError(
                    "DATA is required (a bundled data set or a file), unless --show. "
                    "Hint: layerwise sweep digits --trials 20"
                )
            result = sweep(
                args.data,
                trials=args.trials,
                space=args.space,
                storage=args.storage,
                study=args.study,
                workers=args.workers,
                timeout=args.timeout,
                seed=0 if args.seed is None else args.seed,
                metric=args.metric,
                out=args.out,
                target=args.target,
                drop=args.drop,
                task=args.task,
                dev_fraction=args.dev_fraction,
                test_fraction=args.test_fraction,
                dtype=args.dtype,
                heartbeat=args.heartbeat,
                grace=args.grace,
                top=args.top,
                quiet=args.quiet,
            )
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
