"""``layerwise train --checkpoint DIR`` and ``layerwise train --resume DIR``.

The checkpoint (``DIR/checkpoint.npz``, see :mod:`layerwise.checkpoint`) stores the run's spec
(``RunSpec.to_dict()``, files made absolute), the command's own settings (``out``,
``checkpoint_every``), the splits (row numbers) and the preprocessing. ``--resume DIR`` reads the
spec back (checked like a new one), reruns the same reading, splitting and preprocessing, checks
that the splits are the stored ones, and continues the fit where the checkpoint left it.
``--epochs N`` beyond the run's epochs trains further. The same command again (``train DATA ...
--checkpoint DIR``) resumes a checkpoint of the same run in DIR (compared spec against spec) and
starts when there is none. Checkpoints of layerwise 0.1.0, before the spec, stored ``train``'s
argument list instead; it is parsed again as a command line into the same spec (holding only the
run's settings: ``--help`` or ``--resume`` there is refused, never acted on).

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

from ..backend import resolve_device
from ..checkpoint import FILE_NAME, TrainingInterrupted, checkpoint_file, graceful_stop
from ..checkpoint.state import CheckpointPath, OtherRunError
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
    "dropout": "--dropout",
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
#: the options a stored argument list (layerwise 0.1.0) may hold: the run's settings
STORED = frozenset(OPTIONS.values()) | {"--checkpoint", "--quiet"}


def add_options(train: argparse.ArgumentParser) -> None:
    """``--checkpoint DIR``, ``--checkpoint-every K`` and ``--resume DIR`` on ``train``."""
    train.add_argument(
        "--checkpoint",
        metavar="DIR",
        help=f"write {FILE_NAME} into DIR every --checkpoint-every epochs; Ctrl-C then stops "
        "after the current step, and the same command again (or `layerwise train --resume "
        "DIR`) continues the same run",
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
        help="continue the run checkpointed in DIR; every setting comes from the checkpoint "
        "but --epochs (train further) and --out",
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
    own settings. ``--checkpoint DIR`` holding a checkpoint of the same run, or ``--resume
    DIR``, resume it: the settings then hold ``resume_note`` (the line to print) and the
    stored splits. ``parser`` knows ``train``: it reads back the argument list that
    checkpoints of layerwise 0.1.0 (before the spec) stored."""
    device = getattr(args, "device", None)  # "cpu" and "numpy" are NumPy: the one rule
    if (args.checkpoint or args.resume) and resolve_device(device)[0] is not np:
        raise ValueError(
            f"--device {args.device} does not take --checkpoint or --resume: a checkpoint "
            "holds the NumPy engine's epoch state. Hint: leave --device out to checkpoint "
            "the run, or leave out --checkpoint to train on the device."
        )
    if args.resume is None:
        if args.data is None:
            raise ValueError("train needs DATA (or --resume DIR to continue a checkpointed run).")
        spec = spec_of(args)
        if args.checkpoint is None:
            return spec, args
        folder = Path(args.checkpoint)
        _check_folder(folder)
        if not (folder / FILE_NAME).is_file():
            args.resume_note = f"no checkpoint in {folder}: starting"
            return spec, args
        ck = load_resumed(folder)
        _same_run(folder, _stored(spec), _read(folder, ck.extra, parser)[0])
        return spec, _resumed(args, folder, ck, spec, args.checkpoint_every)
    _resume_options(args, parser)
    folder = Path(args.resume)
    ck = load_resumed(folder)  # DIR/checkpoint.npz, or the file itself
    spec, command = _read(folder, ck.extra, parser)
    if args.epochs is not None:  # train further (or refused)
        spec = replace(spec, fit=replace(spec.fit, epochs=args.epochs))
    resumed = _resumed(args, folder, ck, spec, command["checkpoint_every"])
    resumed.stored_out = command["out"]
    return spec, resumed


def _resume_options(args: argparse.Namespace, parser: argparse.ArgumentParser) -> None:
    """``--resume DIR`` takes every setting from the checkpoint, but ``--epochs`` (to train
    further) and ``--out``."""
    defaults = parser.parse_args(["train", "-"])
    given = [
        flag
        for dest, flag in OPTIONS.items() | {("checkpoint", "--checkpoint")}
        if dest not in ("epochs", "out") and getattr(args, dest) != getattr(defaults, dest)
    ]
    if args.data is not None or given:
        extra = " ".join(sorted(given)) or args.data
        raise ValueError(
            f"--resume takes every setting from the checkpoint (but --epochs and --out); remove "
            f"{extra}. Hint: to train with other settings, start a new run."
        )


def _read(folder: Path, extra: dict[str, Any], parser) -> tuple[RunSpec, dict[str, Any]]:
    """The spec and command settings a checkpoint of ``layerwise train`` stores."""
    if "spec" in extra:
        return _read_spec(folder, extra)
    return _read_argv(folder, extra.get("argv"), parser)


def _resumed(
    args: argparse.Namespace, folder: Path, ck, spec: RunSpec, every: int
) -> argparse.Namespace:
    """The command's settings for resuming ``ck`` (from ``folder``) as ``spec`` asks."""
    epochs, done = spec.fit.epochs, ck.epochs_done
    least = done + (ck.steps_done > 0)  # (a signal stopped it inside the next epoch)
    if epochs < least:
        part = " and part of the next" if ck.steps_done else ""
        raise ValueError(
            f"--epochs {epochs} is fewer than the {done} epoch{'s' * (done != 1)}{part} the "
            f"checkpoint in {folder} has done. Hint: pass --epochs {least} or more to continue "
            "that run, or start a new run in another --checkpoint folder."
        )
    resumed = argparse.Namespace(**vars(args))
    resumed.checkpoint_every = every
    resumed.checkpoint, resumed.resume = str(folder), str(folder)
    resumed.stored_splits = ck.extra.get("splits")
    resumed.resume_note = f"resuming from {checkpoint_file(folder)} at epoch {done}"
    return resumed


def _same_run(folder: Path, spec: RunSpec, stored: RunSpec) -> None:
    """Refuse a checkpoint in ``--checkpoint DIR`` of another run, naming what differs (the
    epochs may grow: the run trains further)."""
    now, then = spec.to_dict(), stored.to_dict()
    for d in (now, then):  # (to_dict leaves keep_prob out without dropout)
        d["network"].setdefault("keep_prob", 1.0)
    differs = [
        f"{_flag(part, key)} {_value(key, then[part].get(key))} in the checkpoint, "
        f"{_value(key, now[part][key])} now"
        for part in ("data", "network", "fit")
        for key in now[part]
        if now[part][key] != then[part].get(key) and (part, key) != ("fit", "epochs")
    ]
    if now["seed"] != then["seed"]:
        differs.append(f"--seed {then['seed']!r} in the checkpoint, {now['seed']!r} now")
    if differs:
        raise ValueError(
            f"--checkpoint {folder} holds a checkpoint of another run ({'; '.join(differs)}). "
            f"Hint: run the same command to continue it (or `layerwise train --resume {folder}`"
            "), or choose another --checkpoint folder to start a new run."
        )


def _flag(part: str, key: str) -> str:
    """A spec's field as the flag that sets it (the data file: DATA)."""
    if key == "keep_prob":
        return "--dropout"
    return "DATA" if key == "source" else "--" + key.replace("_", "-")


def _value(key: str, value: Any) -> str:
    """A spec's value as its flag takes it: keep_prob as --dropout's rate (1 - keep_prob)."""
    if key != "keep_prob":
        return repr(value)
    rates = [round(1 - p, 12) for p in (value if isinstance(value, list | tuple) else [value])]
    return ",".join(f"{r:g}" for r in rates)


def _check_folder(folder: Path) -> None:
    """``--checkpoint DIR``: a folder we can write to (created when missing)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise ValueError(
            f"--checkpoint {folder} must be a folder we can write to, but {err.strerror or err}."
        ) from err


def _read_spec(folder: Path, extra: dict[str, Any]) -> tuple[RunSpec, dict[str, Any]]:
    """The spec and the command's settings (``out``, ``checkpoint_every``) a checkpoint of
    ``layerwise train`` stores."""
    command = extra.get("command")
    every = command.get("checkpoint_every") if isinstance(command, dict) else None
    if not (
        isinstance(command, dict)
        and set(command) == {"out", "checkpoint_every"}
        and isinstance(command["out"], str)
        and Path(command["out"]).is_absolute()  # (as train stores it: never cwd-dependent)
        and type(every) is int
        and every >= 1
    ):
        raise ValueError(
            f"{folder}: the checkpoint's command settings must be out (an absolute folder) and "
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
    ):
        raise ValueError(
            f"{folder} holds a checkpoint written by fit(), not by `layerwise train`; resume it "
            "with fit(..., checkpoint=PATH, resume=True)."
        )
    refused = [
        a
        for a in argv[1:]  # (a value may be a negative number; -h is train's one short option)
        if (a.startswith("--") and a.split("=")[0] not in STORED) or a.startswith("-h")
    ]
    if refused:  # (--help would print the help, --resume loop: neither is a run's setting)
        raise ValueError(
            f"{folder}: the checkpoint's settings hold {', '.join(map(repr, refused))}, not "
            "one of train's data, network or fit options; it is not a valid checkpoint of "
            "`layerwise train`. Hint: start a new run."
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


def check_splits(args: argparse.Namespace, spec: RunSpec, splits: tuple) -> dict[str, list]:
    """The run's train/dev/test row numbers; a resume refused when they are not the stored
    ones (checked before anything is written)."""
    names = ("train", "dev", "test")
    current = {k: [int(i) for i in rows] for k, rows in zip(names, splits, strict=True)}
    stored = getattr(args, "stored_splits", None)
    if stored is not None and stored != current:
        raise ValueError(
            f"the data of {spec.data.source} changed since the checkpoint in {args.checkpoint} was "
            "written (other train/dev/test rows); resume needs the same data. Hint: choose "
            "another --checkpoint folder to start a new run on this data."
        )
    return current


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
    extra = _extra(args, spec, check_splits(args, spec, splits), pre)
    target = CheckpointPath(checkpoint_file(args.checkpoint), extra)  # DIR/checkpoint.npz
    try:
        with graceful_stop(enabled=True):
            return net.fit(  # resume: a checkpoint on disk is this run's (checked), or none
                X, Y, checkpoint=target, checkpoint_every=args.checkpoint_every, resume=True,
                **options,
            )  # fmt: skip
    except OtherRunError as err:  # the library's words (resume=False) in the command line's
        raise ValueError(
            f"the checkpoint in {args.checkpoint} was written by a run with other "
            f"{', '.join(err.differs)}; resuming needs the same data and settings. Hint: "
            "choose another --checkpoint folder to start a new run."
        ) from None
    except TrainingInterrupted as stop:
        print(
            f"\n{stop}.\nresume with: layerwise train --resume {args.checkpoint} (or the "
            "same command again)",
            file=sys.stderr,
            flush=True,
        )
        raise SystemExit(128 + stop.signum) from None
