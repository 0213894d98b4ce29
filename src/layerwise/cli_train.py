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
from pathlib import Path
from typing import Any

import numpy as np

from . import cli_checkpoint
from .cli import DEFAULT_LEARNING_RATE, EXIT_OK, _build_network, _read, _seed


def train(args: argparse.Namespace) -> int:
    from .data import split_indices
    from .initializers import make_rng
    from .persistence import atomic_write, save
    from .preprocessing import Preprocessor, class_labels, infer_task
    from .reporting import evaluate_split, split_table

    args = cli_checkpoint.prepare(args)  # --checkpoint / --resume (settings from it)
    if args.test and args.test_fraction:
        raise ValueError("use either --test FILE or --test-fraction, not both.")
    seed = _seed(args)
    data = _read(args.data, args.target, True, args.drop, None)
    task = infer_task(data.target, args.task)
    test_fraction = args.test_fraction
    if test_fraction is None:
        test_fraction = 0.2 if data.origin == "bundled" and not args.test else 0.0
    classes = data.target.to_numpy() if task in ("binary", "multiclass") else None  # (m, 1)
    rng = make_rng(seed)  # one generator for both splits
    rest, test_index = split_indices(data.m, test_fraction, rng, classes)
    test = data.take(test_index) if test_index.size else None
    if args.test:
        test = _read(args.test, data.target_names, True, args.drop, data.image)
    train_index, dev_index = split_indices(  # positions in rest
        rest.size, args.dev_fraction, rng, None if classes is None else classes[rest]
    )
    train_set = data.take(rest[train_index])
    dev = data.take(rest[dev_index]) if dev_index.size else None

    # the classes of the whole file, so that a rare class missing from the train split is kept
    class_names = data.classes or (
        class_labels(data.target) if task in ("binary", "multiclass") else None
    )
    pre = Preprocessor(task, data.scaling).fit(
        train_set.features, train_set.target, classes=class_names, image=data.image
    )
    dtype = np.dtype(args.dtype)
    X, Y = pre.transform(train_set.features, dtype), pre.transform_target(train_set.target, dtype)
    dev_xy = None
    if dev is not None:
        dev_xy = (pre.transform(dev.features, dtype), pre.transform_target(dev.target, dtype))
    out = _output_folder(args.out or Path("runs") / Path(data.name).stem)  # fail before fit
    net = _build_network(args, pre, seed, dtype)
    callbacks = _callbacks(args, has_dev=dev is not None)
    learning_rate = args.learning_rate or DEFAULT_LEARNING_RATE[args.optimizer]
    start = time.perf_counter()
    splits = (rest[train_index], rest[dev_index], test_index)
    history = cli_checkpoint.fit(  # net.fit, checkpointed when asked
        args,
        net,
        pre,
        splits,
        X,
        Y,
        epochs=args.epochs,
        learning_rate=learning_rate,
        optimizer=args.optimizer,
        batch_size=args.batch_size,
        dev=dev_xy,  # the shuffle: the network's own stream, from --seed
        callbacks=callbacks,
    )
    seconds = time.perf_counter() - start

    splits = {"train": train_set, "dev": dev, "test": test}
    transformed = {"train": (X, Y), "dev": dev_xy}  # already done for training: not again
    reports = {
        name: evaluate_split(net, pre, d, transformed.get(name))
        for name, d in splits.items()
        if d is not None
    }
    settings = {
        "data": str(args.data),
        "task": pre.task,
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
        "test_fraction": test_fraction,
        "test": args.test,
        "seed": seed,
        "dtype": args.dtype,
        "l2": args.l2,
        "seconds": round(seconds, 3),
    }
    headline = {
        s: {k: v for k, v in r.items() if isinstance(v, int | float)} for s, r in reports.items()
    }
    net_file = out / "model.npz"
    save(net, net_file, preprocessor=pre, training=settings, metrics=headline)
    atomic_write(out / "history.json", _json_bytes(history.to_dict()))
    atomic_write(out / "metrics.json", _json_bytes(reports))
    written = [net_file.name, "history.json", "metrics.json", *_plots(out, history, net, pre, data)]

    print(_describe(data, pre, train_set, dev, test, net, args, learning_rate, history, seconds))
    print()
    print(split_table(reports, pre.task))
    print()
    print(f"saved to {out}/: {', '.join(written)}")
    return EXIT_OK


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
    from .training import EarlyStopping, ProgressBar

    callbacks: list[Any] = [] if args.quiet else [ProgressBar(file=sys.stderr)]
    patience = args.early_stopping
    if patience is None:
        patience = 10 if has_dev else 0
    if patience:
        callbacks.append(EarlyStopping(patience, monitor="dev_cost" if has_dev else "cost"))
    return callbacks


def _plots(out: Path, history, net, pre, data) -> list[str]:
    """cost.png always; decision_boundary.png for classification on two numeric features."""
    from .plots import plot_cost, plot_decision_boundary  # NumPy only; matplotlib on use

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


def _describe(data, pre, train_set, dev, test, net, args, learning_rate, history, seconds) -> str:
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
        stop += f" (best epoch {history.best_epoch + 1} kept)"
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
