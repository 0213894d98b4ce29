"""``layerwise train --checkpoint DIR`` and ``layerwise train --resume DIR``.

The checkpoint (``DIR/checkpoint.npz``, see :mod:`layerwise.checkpoint`) stores the command's
own settings as the argument list that reproduces them, the splits (row numbers) and the
preprocessing. ``--resume DIR`` parses that list again (so it is checked like a command line),
reruns the same reading, splitting and preprocessing, checks that the splits are the stored
ones, and continues the fit where the checkpoint left it.

SIGINT (Ctrl-C) or SIGTERM with ``--checkpoint``: the current step finishes, a checkpoint is
written, the command prints how to resume and exits with 128 + the signal's number. Without
``--checkpoint``: it stops at once; files being written are removed, never left half-written.
"""

from __future__ import annotations

import argparse
import csv
import io
import sys
from pathlib import Path
from typing import Any

import numpy as np

from ..checkpoint import FILE_NAME, TrainingInterrupted, checkpoint_file, graceful_stop
from ..checkpoint.state import CheckpointPath
from ..data import load_checkpoint

# train's options as they are written back into an argument list: dest -> flag
OPTIONS = {
    "target": "--target",
    "drop": "--drop",
    "sep": "--sep",
    "seed": "--seed",
    "task": "--task",
    "layers": "--layers",
    "hidden": "--hidden",
    "init": "--init",
    "legacy_rng": "--legacy-rng",
    "l2": "--l2",
    "optimizer": "--optimizer",
    "learning_rate": "--learning-rate",
    "epochs": "--epochs",
    "batch_size": "--batch-size",
    "dev_fraction": "--dev-fraction",
    "test": "--test",
    "test_fraction": "--test-fraction",
    "early_stopping": "--early-stopping",
    "dtype": "--dtype",
    "out": "--out",
    "checkpoint_every": "--checkpoint-every",
}
MAX_ARGS = 100


def add_options(train: argparse.ArgumentParser) -> None:
    """``--checkpoint DIR``, ``--checkpoint-every K`` and ``--resume DIR`` on ``train``."""
    train.add_argument(
        "--checkpoint",
        metavar="DIR",
        help=f"write {FILE_NAME} into DIR every --checkpoint-every epochs; Ctrl-C then stops "
        "after the current step and `layerwise train --resume DIR` continues the same run",
    )
    train.add_argument(
        "--checkpoint-every",
        type=_positive_int,
        default=1,
        metavar="K",
        help="epochs between checkpoints (default 1)",
    )
    train.add_argument(
        "--resume",
        metavar="DIR",
        help="continue the run checkpointed in DIR; every setting comes from the checkpoint",
    )


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text!r}")
    return value


def _argv(args: argparse.Namespace) -> list[str]:
    """The ``train`` argument list that parses back into ``args`` (paths made absolute)."""
    argv = ["train", _absolute(args.data)]
    for dest, flag in OPTIONS.items():
        value = getattr(args, dest)
        if dest == "batch_size" and value is None:
            value = "full"
        if value is None or value is False or (dest == "drop" and not value):
            continue
        if value is True:
            argv.append(flag)
            continue
        if isinstance(value, list) and dest in ("target", "drop"):
            value = _csv_row(value)  # a column name with a comma stays one name
        elif isinstance(value, list):
            value = ",".join(str(x) for x in value) or "none"
        elif dest in ("test", "out"):
            value = _absolute(value)
        argv.append(f"{flag}={value}")  # one word: a value starting with '-' stays a value
    return argv


def _csv_row(names: list[str]) -> str:
    """Names as one CSV row, the way --target and --drop read them."""
    line = io.StringIO()
    csv.writer(line, lineterminator="").writerow(names)
    return line.getvalue()


def _absolute(path: Any) -> str:
    """A path that exists, made absolute (a resume may run elsewhere); a data set name as is."""
    return str(Path(path).resolve()) if Path(path).exists() else str(path)


def prepare(args: argparse.Namespace, parser: argparse.ArgumentParser) -> argparse.Namespace:
    """Check the checkpoint options before any work; for ``--resume`` return the settings the
    checkpoint holds (with ``checkpoint`` pointing at the resumed folder), parsed again by
    ``parser`` (one that knows ``train``)."""
    if args.resume is None:
        if args.data is None:
            raise ValueError("train needs DATA (or --resume DIR to continue a checkpointed run).")
        if args.checkpoint is not None:
            folder = Path(args.checkpoint)
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as err:
                raise ValueError(
                    f"--checkpoint {folder} must be a folder we can write to, but "
                    f"{err.strerror or err}."
                ) from err
            if (folder / FILE_NAME).exists():
                raise ValueError(
                    f"--checkpoint {folder} already holds a checkpoint; continue that run with "
                    f"`layerwise train --resume {folder}`, or choose another folder."
                )
        return args
    defaults = parser.parse_args(["train", "-"])
    given = [
        flag
        for dest, flag in OPTIONS.items() | {("checkpoint", "--checkpoint")}
        if getattr(args, dest) != getattr(defaults, dest)
    ]
    if args.data is not None or given:
        extra = " ".join(sorted(given)) or args.data
        raise ValueError(
            f"--resume takes every setting from the checkpoint; remove {extra}. Hint: to train "
            "with other settings, start a new run."
        )
    folder = Path(args.resume)
    ck = load_checkpoint(folder)  # the folder's checkpoint.npz, or the file itself
    argv = ck.extra.get("argv")
    if (
        not isinstance(argv, list)
        or not 2 <= len(argv) <= MAX_ARGS
        or not all(isinstance(a, str) for a in argv)
        or argv[0] != "train"
        or "--resume" in argv
    ):
        raise ValueError(
            f"{folder} holds a checkpoint written by fit(), not by `layerwise train`; resume it "
            "with fit(..., checkpoint=PATH, resume=True)."
        )
    try:
        resumed = parser.parse_args(argv)
    except SystemExit:
        raise ValueError(f"{folder}: the checkpoint's settings {argv!r} do not parse.") from None
    resumed.checkpoint, resumed.resume = str(folder), str(folder)
    resumed.quiet = resumed.quiet or args.quiet
    resumed.traceback = args.traceback
    resumed.stored_splits = ck.extra.get("splits")
    return resumed


def fit(args: argparse.Namespace, net, pre, splits: tuple[np.ndarray, ...], X, Y, **options):
    """``net.fit(X, Y, **options)``, checkpointed as ``args`` asks; on SIGINT/SIGTERM print how
    to resume and exit with 128 + the signal's number."""
    if args.checkpoint is None:
        with graceful_stop(enabled=False):
            return net.fit(X, Y, **options)
    names = ("train", "dev", "test")
    stored = getattr(args, "stored_splits", None)
    current = {k: [int(i) for i in rows] for k, rows in zip(names, splits, strict=True)}
    if stored is not None and stored != current:
        raise ValueError(
            f"the data of {args.data} changed since the checkpoint in {args.checkpoint} was "
            "written (other train/dev/test rows); resume needs the same data."
        )
    extra = {"argv": _argv(args), "splits": current, "preprocessing": pre.to_header()}
    extra["preprocessing_arrays"] = {k: v.tolist() for k, v in pre.arrays().items()}
    target = CheckpointPath(checkpoint_file(args.checkpoint), extra)  # DIR/checkpoint.npz
    try:
        with graceful_stop(enabled=True):
            return net.fit(
                X,
                Y,
                checkpoint=target,
                checkpoint_every=args.checkpoint_every,
                resume=args.resume is not None,
                **options,
            )
    except TrainingInterrupted as stop:
        print(
            f"\n{stop}.\nresume with: layerwise train --resume {args.checkpoint}",
            file=sys.stderr,
            flush=True,
        )
        raise SystemExit(128 + stop.signum) from None
