"""``layerwise train --checkpoint DIR`` and ``layerwise train --resume DIR``.

The checkpoint (``DIR/checkpoint.npz``, see :mod:`layerwise.checkpoint`) stores the run's spec
(``RunSpec.to_dict()``, files made absolute), the command's own settings (``out``,
``checkpoint_every``), the splits (row numbers) and the preprocessing. ``--resume DIR`` reads the
spec back (checked like a new one), reruns the same reading, splitting and preprocessing, checks
that the splits are the stored ones, and continues the fit where the checkpoint left it.
Checkpoints of layerwise 0.1.0, before the spec, stored ``train``'s argument list instead; it is
parsed again as a command line into the same spec.

SIGINT (Ctrl-C) or SIGTERM with ``--checkpoint``: the current step finishes, a checkpoint is
written, the command prints how to resume and exits with 128 + the signal's number. Without
``--checkpoint``: it stops at once; files being written are removed, never left half-written.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from ..checkpoint import FILE_NAME, TrainingInterrupted, checkpoint_file, graceful_stop
from ..checkpoint.state import CheckpointPath
from ..spec import RunSpec
from .common import spec_of
from .files import load_resumed

# train's options that --resume takes from the checkpoint: dest -> flag (for its message)
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


def _absolute(path: str | None) -> str | None:
    """A path that exists, made absolute (a resume may run elsewhere); a data set name as is."""
    return str(Path(path).resolve()) if path is not None and Path(path).exists() else path


def _stored(spec: RunSpec) -> RunSpec:
    """The spec as the checkpoint stores it: its files made absolute."""
    data = replace(spec.data, source=_absolute(spec.data.source), test=_absolute(spec.data.test))
    return replace(spec, data=data)


def resolve(
    args: argparse.Namespace, parser: argparse.ArgumentParser
) -> tuple[RunSpec, argparse.Namespace]:
    """Check the checkpoint options before any work; return the run's spec and the command's
    own settings: for ``--resume`` those the checkpoint holds (with ``checkpoint`` pointing at
    the resumed folder). ``parser`` knows ``train``: it reads back the argument list that
    checkpoints of layerwise 0.1.0 (before the spec) stored."""
    if args.resume is None:
        if args.data is None:
            raise ValueError("train needs DATA (or --resume DIR to continue a checkpointed run).")
        if args.checkpoint is not None:
            _check_folder(Path(args.checkpoint))
        return spec_of(args), args
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
    ck = load_resumed(folder)  # DIR/checkpoint.npz, or the file itself
    if "spec" in ck.extra:
        spec, command = _read_spec(folder, ck.extra)
    else:
        spec, command = _read_argv(folder, ck.extra.get("argv"), parser)
    resumed = argparse.Namespace(**vars(args))
    resumed.out, resumed.checkpoint_every = command["out"], command["checkpoint_every"]
    resumed.checkpoint, resumed.resume = str(folder), str(folder)
    resumed.stored_splits = ck.extra.get("splits")
    return spec, resumed


def _check_folder(folder: Path) -> None:
    """``--checkpoint DIR``: a folder we can write to, holding no checkpoint yet."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(
            f"--checkpoint {folder} must be a folder we can write to, but {err.strerror or err}."
        ) from err
    if (folder / FILE_NAME).exists():
        raise ValueError(
            f"--checkpoint {folder} already holds a checkpoint; continue that run with "
            f"`layerwise train --resume {folder}`, or choose another folder."
        )


def _read_spec(folder: Path, extra: dict[str, Any]) -> tuple[RunSpec, dict[str, Any]]:
    """The spec and the command's settings (``out``, ``checkpoint_every``) a checkpoint of
    ``layerwise train`` stores."""
    command = extra.get("command")
    every = command.get("checkpoint_every") if isinstance(command, dict) else None
    if not (
        isinstance(command, dict)
        and set(command) == {"out", "checkpoint_every"}
        and isinstance(command["out"], str)
        and type(every) is int
        and every >= 1
    ):
        raise ValueError(
            f"{folder}: the checkpoint's command settings must be out (a folder) and "
            f"checkpoint_every (an integer >= 1), got {command!r}."
        )
    try:
        spec = RunSpec.from_dict(extra["spec"])
    except (TypeError, ValueError) as err:
        raise ValueError(f"{folder}: the checkpoint's spec does not read back: {err}") from None
    return spec, command


def _read_argv(folder: Path, argv: Any, parser) -> tuple[RunSpec, dict[str, Any]]:
    """The spec of a checkpoint that stored ``train``'s argument list (layerwise 0.1.0, before
    the spec), parsed again as a command line."""
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
    command = {"out": resumed.out, "checkpoint_every": resumed.checkpoint_every}
    return spec_of(resumed), command


def _extra(args: argparse.Namespace, spec: RunSpec, splits: dict, pre) -> dict[str, Any]:
    """What a checkpoint of ``layerwise train`` holds besides the fit's own state."""
    return {
        "spec": _stored(spec).to_dict(),
        "command": {"out": args.out, "checkpoint_every": args.checkpoint_every},
        "splits": splits,
        "preprocessing": pre.to_header(),
        "preprocessing_arrays": {k: v.tolist() for k, v in pre.arrays().items()},
    }


def fit(
    args: argparse.Namespace,
    spec: RunSpec,
    net,
    pre,
    splits: tuple[np.ndarray, ...],
    X,
    Y,
    **options,
):
    """``net.fit(X, Y, **options)``, checkpointed as ``args`` asks (storing ``spec``); on
    SIGINT/SIGTERM print how to resume and exit with 128 + the signal's number."""
    if args.checkpoint is None:
        with graceful_stop(enabled=False):
            return net.fit(X, Y, **options)
    names = ("train", "dev", "test")
    stored = getattr(args, "stored_splits", None)
    current = {k: [int(i) for i in rows] for k, rows in zip(names, splits, strict=True)}
    if stored is not None and stored != current:
        raise ValueError(
            f"the data of {spec.data.source} changed since the checkpoint in {args.checkpoint} was "
            "written (other train/dev/test rows); resume needs the same data."
        )
    extra = _extra(args, spec, current, pre)
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
