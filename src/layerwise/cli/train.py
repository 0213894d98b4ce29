"""``layerwise train``: read, split, preprocess, fit, report, save.

1. Read DATA (rows); infer or check the task from the target.
2. Hold out a test set (``--test`` file, or ``--test-fraction`` of DATA: 20% of a bundled set by
   default), then a dev set (``--dev-fraction``), stratified by class, drawn with ``--seed``.
3. Fit the preprocessing on the training rows only; turn every split into ``X (n_x, m)``.
4. Build ``Network([n_x, *layers, n_y])`` with the task's output and train it, with a progress
   bar and early stopping on the dev cost.
5. Print the train/dev/test metrics; write model.npz, history.json, metrics.json, cost.png and,
   for 2-feature classification, decision_boundary.png into ``--out``.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from . import checkpoint
from .common import (
    DATA_HELP,
    DEFAULT_LEARNING_RATE,
    EXIT_OK,
    OPTIMIZER_CHOICES,
    TASK_CHOICES,
    batch_size,
    build_network,
    data_options,
    fraction,
    network_options,
    positive,
    read,
    seed_of_args,
)


def add_parser(sub) -> None:
    """Register the sub-command on the ``layerwise`` parser."""
    train = sub.add_parser(
        "train",
        help="train a network and save it",
        description="Train a network on DATA, report train/dev/test metrics and save the "
        "model, history.json, metrics.json and plots to --out.",
    )
    train.add_argument("data", metavar="DATA", nargs="?", help=DATA_HELP)  # not with --resume
    data_options(train)
    train.add_argument(
        "--task", choices=TASK_CHOICES, default="auto", help="default: inferred from the target"
    )
    network_options(train, layers="64,32", hidden="relu")
    train.add_argument("--optimizer", choices=OPTIMIZER_CHOICES, default="adam")
    train.add_argument(
        "--learning-rate",
        type=positive(float),
        metavar="ALPHA",
        help="default: 0.003 for adam, 0.001 rmsprop, 0.05 gd/momentum",
    )
    train.add_argument("--epochs", type=positive(int), default=100)
    train.add_argument(
        "--batch-size",
        type=batch_size,
        default=32,
        metavar="B",
        help="mini-batch size, or 'full' for batch gradient descent (default 32)",
    )
    train.add_argument(
        "--dev-fraction",
        type=fraction,
        default=0.2,
        metavar="F",
        help="share of the training data held out as dev set (default 0.2)",
    )
    train.add_argument("--test", metavar="DATA", help="a separate test file")
    train.add_argument(
        "--test-fraction",
        type=fraction,
        metavar="F",
        help="share held out as test set (default 0.2 for bundled data, otherwise 0)",
    )
    train.add_argument(
        "--early-stopping",
        type=positive(int, allow_zero=True),
        metavar="PATIENCE",
        help="stop after PATIENCE epochs without a better dev cost and keep the "
        "best epoch (default 10 with a dev set; 0 turns it off)",
    )
    train.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    train.add_argument("--out", metavar="DIR", help="output folder (default runs/<data name>)")
    train.add_argument("--quiet", action="store_true", help="print only the final summary")
    checkpoint.add_options(train)  # --checkpoint, --checkpoint-every, --resume
    train.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read, split, preprocess, fit, report, save; the exit code."""
    from ..data import save_model
    from ..persistence import atomic
    from .report import evaluate_split, split_table

    args = checkpoint.prepare(args, _parser())  # --checkpoint / --resume (settings from it)
    p = prepare(args)
    out = _output_folder(args.out or Path("runs") / Path(p.data.name).stem)  # fail before fit
    args.out = str(out.resolve())  # a checkpoint stores it: a resume writes here from anywhere
    dtype = np.dtype(args.dtype)
    net = build_network(args, p.pre, p.seed, dtype)
    learning_rate = args.learning_rate or DEFAULT_LEARNING_RATE[args.optimizer]
    start = time.perf_counter()
    history = checkpoint.fit(  # net.fit, checkpointed when asked
        args,
        net,
        p.pre,
        p.rows,
        *p.xy["train"],
        epochs=args.epochs,
        learning_rate=learning_rate,
        optimizer=args.optimizer,
        batch_size=args.batch_size,
        dev=p.xy.get("dev"),  # the shuffle: the network's own stream, from --seed
        callbacks=_callbacks(args, has_dev=p.dev is not None),
    )
    seconds = time.perf_counter() - start
    splits = {"train": p.train, "dev": p.dev, "test": p.test}
    reports = {  # the splits transformed for training are not transformed again
        name: evaluate_split(net, p.pre, d, p.xy.get(name))
        for name, d in splits.items()
        if d is not None
    }
    settings = _settings(args, p, net, learning_rate, history, seconds)
    headline = {
        s: {k: v for k, v in r.items() if isinstance(v, int | float)} for s, r in reports.items()
    }
    net_file = out / "model.npz"
    save_model(net, net_file, preprocessor=p.pre, training=settings, metrics=headline)
    atomic.atomic_write(out / "history.json", _json_bytes(history.to_dict()))
    atomic.atomic_write(out / "metrics.json", _json_bytes(reports))
    written = [net_file.name, "history.json", "metrics.json"]
    written += _plots(out, history, net, p.pre, p.data)
    print(_describe(p, net, args, learning_rate, history, seconds))
    print()
    print(split_table(reports, p.pre.task))
    print()
    print(f"saved to {out}/: {', '.join(written)}")
    return EXIT_OK


@dataclass
class Prepared:
    """DATA read, split and preprocessed: the raw splits (``Dataset`` rows), the fitted
    ``Preprocessor`` and the transformed splits ``xy[name] = (X (n_x, m), Y (n_y, m))``."""

    data: Any
    pre: Any
    train: Any
    dev: Any | None
    test: Any | None
    xy: dict[str, tuple[np.ndarray, np.ndarray]]
    seed: int
    test_fraction: float
    rows: tuple[np.ndarray, np.ndarray, np.ndarray]  # row numbers of train, dev, test in DATA


def _parser() -> argparse.ArgumentParser:
    """A parser that knows this command, to read back the settings a checkpoint stores."""
    parser = argparse.ArgumentParser(prog="layerwise")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def prepare(args: argparse.Namespace) -> Prepared:
    """Steps 1-3 of ``train`` (read, split, preprocess), for every command that trains."""
    from ..data import Preprocessor, class_labels, infer_task, split_indices
    from ..data.tables import TABLE_SUFFIXES
    from ..random import make_rng

    if args.test and args.test_fraction:
        raise ValueError("use either --test FILE or --test-fraction, not both.")
    seed = seed_of_args(args)
    data = read(args.data, args.target, True, args.drop, None, sep=args.sep)
    task = infer_task(data.target, args.task)
    test_fraction = args.test_fraction
    if test_fraction is None:
        test_fraction = 0.2 if data.origin == "bundled" and not args.test else 0.0
    classes = data.target.to_numpy() if task in ("binary", "multiclass") else None  # (m, 1)
    rng = make_rng(seed)  # one generator for both splits
    rest, test_index = split_indices(data.m, test_fraction, rng, classes)
    test = data.take(test_index) if test_index.size else None
    if args.test:
        sep = args.sep if Path(args.test).suffix.lower() in TABLE_SUFFIXES else None
        test = read(args.test, data.target_names, True, [], data.image, ignore=args.drop, sep=sep)
    train_index, dev_index = split_indices(  # positions in rest
        rest.size, args.dev_fraction, rng, None if classes is None else classes[rest]
    )
    train_set = data.take(rest[train_index])
    dev = data.take(rest[dev_index]) if dev_index.size else None
    _check_splits(args, data, task, train_set, dev, test_index.size)
    # the classes of the whole file, so that a rare class missing from the train split is kept
    class_names = data.classes or (
        class_labels(data.target) if task in ("binary", "multiclass") else None
    )
    pre = Preprocessor(task, data.scaling, dropped=args.drop).fit(
        train_set.features, train_set.target, classes=class_names, image=data.image
    )
    dtype = np.dtype(args.dtype)
    xy = {
        name: (pre.transform(d.features, dtype), pre.transform_target(d.target, dtype))
        for name, d in (("train", train_set), ("dev", dev))
        if d is not None
    }
    rows = (rest[train_index], rest[dev_index], test_index)
    return Prepared(data, pre, train_set, dev, test, xy, seed, test_fraction, rows)


def _settings(args, p: Prepared, net, learning_rate: float, history, seconds: float) -> dict:
    """What the model file records of how it was trained."""
    return {
        "data": str(args.data),
        "task": p.pre.task,
        "layers": args.layers,
        "hidden": args.hidden,
        "init": args.init,
        "legacy_rng": net.legacy_rng,
        "optimizer": args.optimizer,
        "learning_rate": learning_rate,
        "epochs": args.epochs,
        "epochs_run": history.epochs,
        "best_epoch": history.best_epoch,
        "batch_size": args.batch_size,
        "dev_fraction": args.dev_fraction,
        "test_fraction": p.test_fraction,
        "test": args.test,
        "seed": p.seed,
        "dtype": args.dtype,
        "l2": args.l2,
        "seconds": round(seconds, 3),
    }


def _check_splits(args, data, task: str, train_set, dev, n_test: int) -> None:
    """Tiny or thinly spread data: a training split left with one class is an error that says
    why; a dev set far smaller than asked, or a task guessed from a handful of numbers, a note."""
    held = (
        f"{data.name} has {data.m} examples: {n_test} went to the test set "
        f"(--test-fraction), {0 if dev is None else dev.m} to the dev set (--dev-fraction "
        f"{args.dev_fraction:g})"
    )
    if task in ("binary", "multiclass"):
        from ..data import class_labels

        left = class_labels(train_set.target)
        if len(left) < 2:
            raise ValueError(
                f"the training split holds only one class ({left[0]!r}): {held}, and "
                f"{train_set.m} to training. Hint: for so few examples use --dev-fraction 0 "
                "(and --test-fraction 0), or add data."
            )
    if args.quiet:
        return
    asked = round(args.dev_fraction * (train_set.m + (0 if dev is None else dev.m)))
    if dev is not None and dev.m < asked / 2:
        print(
            f"note: the dev set has {dev.m} example{'s' * (dev.m != 1)} instead of about "
            f"{asked}: most classes "
            "have too few examples to be split by class. Hint: check --task and --target.",
            file=sys.stderr,
        )
    from pandas.api import types

    dtype = data.target.dtypes.iloc[0]
    numeric = types.is_numeric_dtype(dtype) and not types.is_bool_dtype(dtype)
    classes = len(class_labels(data.target)) if task in ("binary", "multiclass") else 0
    if args.task == "auto" and classes and numeric and data.m < 10 * classes:
        print(
            f"note: --task auto chose {task} for the {classes} distinct numbers of "
            f"{data.target_names[0]!r} in {data.m} rows; if they are quantities, use "
            "--task regression.",
            file=sys.stderr,
        )


def _output_folder(out: Path) -> Path:
    """Create ``--out`` and check that a file can be written there, so that a bad folder fails
    before training rather than after it."""
    out = Path(out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=out):
            pass
    except OSError as err:
        raise ValueError(
            f"--out {out} must be a folder we can write to, but {err.strerror or err}. "
            "Hint: pick another --out folder."
        ) from err
    return out


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=1) + "\n").encode()


def _callbacks(args: argparse.Namespace, has_dev: bool) -> list:
    from ..callbacks import EarlyStopping, ProgressBar

    callbacks: list[Any] = [] if args.quiet else [ProgressBar(file=sys.stderr)]
    patience = args.early_stopping
    if patience is None:
        patience = 10 if has_dev else 0
    if patience:
        callbacks.append(EarlyStopping(patience, monitor="dev_cost" if has_dev else "cost"))
    return callbacks


def _plots(out: Path, history, net, pre, data) -> list[str]:
    """cost.png always; decision_boundary.png for classification on two numeric features."""
    from ..plots import plot_cost, plot_decision_boundary  # NumPy only; matplotlib on use

    try:
        plot_cost(history.to_dict(), out / "cost.png")
    except ImportError:
        print("note: plots skipped; pip install 'layerwise[plot]' for them", file=sys.stderr)
        return []
    written = ["cost.png"]
    if pre.is_classifier and len(pre.numeric) == 2 and not pre.categorical and pre.n_y <= 10:
        import pandas as pd

        X_raw = data.features[pre.numeric].to_numpy(dtype=np.float64).T  # (2, m)

        def predict(grid: np.ndarray) -> np.ndarray:  # points (2, k) -> class codes (k,)
            frame = pd.DataFrame(grid.T, columns=pre.numeric)
            return pre.decode_codes(net.predict_proba(pre.transform(frame, net.dtype)))

        plot_decision_boundary(
            predict,
            X_raw,
            pre.codes(data.target),
            out / "decision_boundary.png",
            class_names=[str(c) for c in pre.classes],
            feature_names=pre.numeric,
            title=f"Decision boundary: {data.name}",
        )
        written.append("decision_boundary.png")
    return written


def _describe(p: Prepared, net, args, learning_rate, history, seconds) -> str:
    data, pre, train_set, dev, test = p.data, p.pre, p.train, p.dev, p.test
    kind = pre.task + (f" ({len(pre.classes)} classes)" if pre.is_classifier else "")
    sizes = (
        f"train {train_set.m}"
        + (f" / dev {dev.m}" if dev else "")
        + (f" / test {test.m}" if test else "")
    )
    acts = "/".join(dict.fromkeys(a.name for a in net.activations))
    batch = "full batch" if args.batch_size is None else f"batch {args.batch_size}"
    stop = f"{history.epochs} of {args.epochs} epochs"
    if history.stopped_epoch is not None:
        stop = f"stopped early after {history.epochs} of {args.epochs} epochs"
    if history.best_epoch is not None:
        stop += f" (best epoch {history.best_epoch} kept)"
    return "\n".join(
        [
            f"data: {data.name}, {data.m} examples, {data.features.shape[1]} columns -> n_x = "
            f"{pre.n_x}; {kind}; {sizes}",
            f"network: {net.layer_dims} {acts}, init {net.init}"
            + (" (legacy RandomState)" if net.legacy_rng else "")
            + f", {net.n_parameters():,} parameters, {net.dtype}",
            f"training: {args.optimizer}, learning rate {learning_rate:g}, {batch}, {stop}, "
            f"{seconds:.1f} s",
        ]
    )
