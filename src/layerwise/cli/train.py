"""``layerwise train``: read, split, preprocess, fit, report, save.

The options are parsed into a :class:`layerwise.spec.RunSpec`; steps 1-3 are
:func:`layerwise.spec.prepare`, step 4 starts from :func:`layerwise.spec.build_network`.

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
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..spec import DEFAULT_LEARNING_RATE, FitSpec, Prepared, RunSpec, build_network, prepare
from . import checkpoint
from .common import (
    DATA_HELP,
    DEVICE_OPTION,
    DTYPE_CHOICES,
    EXIT_OK,
    OPTIMIZER_CHOICES,
    TASK_CHOICES,
    batch_size,
    data_options,
    flags,
    fraction,
    network_options,
    positive,
)

#: train's options after DATA, the data, --task and the network options: flag -> keywords
OPTIONS: dict[str, dict[str, Any]] = {
    "--optimizer": {"choices": OPTIMIZER_CHOICES, "default": "adam"},
    "--learning-rate": {
        "type": positive(float),
        "metavar": "ALPHA",
        "help": "default: "
        + ", ".join(f"{alpha:g} for {name}" for name, alpha in DEFAULT_LEARNING_RATE.items()),
    },
    "--epochs": {  # (no default here: --resume tells an --epochs given from none)
        "type": positive(int),
        "help": f"default {FitSpec.epochs}; with --resume, train further to this epoch",
    },
    "--batch-size": {
        "type": batch_size,
        "default": 32,
        "metavar": "B",
        "help": "mini-batch size, or 'full' for batch gradient descent (default 32)",
    },
    "--dev-fraction": {
        "type": fraction,
        "default": 0.2,
        "metavar": "F",
        "help": "share of the training data held out as dev set (default 0.2)",
    },
    "--test": {"metavar": "DATA", "help": "a separate test file"},
    "--test-fraction": {
        "type": fraction,
        "metavar": "F",
        "help": "share held out as test set (default 0.2 for bundled data, otherwise 0)",
    },
    "--early-stopping": {
        "type": positive(int, allow_zero=True),
        "metavar": "PATIENCE",
        "help": "stop after PATIENCE epochs without a better dev cost and keep the "
        "best epoch (default 10 with a dev set; 0 turns it off)",
    },
    "--dtype": {"choices": DTYPE_CHOICES, "default": "float64"},
    "--device": DEVICE_OPTION | {"help": DEVICE_OPTION["help"] + "; not with --checkpoint"},
    "--out": {"metavar": "DIR", "help": "output folder (default runs/<data name>)"},
    "--quiet": {"action": "store_true", "help": "print only the final summary"},
}


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
    for flag, keywords in OPTIONS.items():
        train.add_argument(flag, **keywords)
    checkpoint.add_options(train)  # --checkpoint, --checkpoint-every, --resume
    train.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Read, split, preprocess, fit, report, save; the exit code."""
    from ..data import save_model
    from ..persistence import atomic
    from ..spec.report import evaluate_split, split_table

    spec, args = checkpoint.resolve(args, _parser())  # --resume: the checkpoint's spec
    p = prepare(spec)
    if args.checkpoint:  # a resume refused on other rows before anything is written
        checkpoint.check_splits(args, spec, p.rows)
    for note in [] if args.quiet else p.notes:
        print(f"note: {flags(note)}", file=sys.stderr)
    out = _output_folder(_where(args, p))  # fail before fit, create nothing yet
    args.out = str(out.resolve())  # a checkpoint stores it (a resume may run elsewhere)
    net = build_network(spec.network, p.pre, p.seed)
    start = time.perf_counter()
    history = checkpoint.fit(  # net.fit, checkpointed when asked
        args,
        spec,
        net,
        p.pre,
        p.rows,
        *p.xy["train"],
        epochs=spec.fit.epochs,
        learning_rate=spec.fit.alpha,
        optimizer=spec.fit.optimizer,
        batch_size=spec.fit.batch_size,
        dev=p.xy.get("dev"),  # the shuffle: the network's own stream, from the seed
        callbacks=_callbacks(spec.fit, args.quiet, has_dev=p.dev is not None),
    )
    if net.device is not None:  # trained on a device: back on the host to report and save
        net.to(None)
    seconds = time.perf_counter() - start
    out.mkdir(parents=True, exist_ok=True)
    splits = {"train": p.train, "dev": p.dev, "test": p.test}
    reports = {  # the splits transformed for training are not transformed again
        name: evaluate_split(net, p.pre, d, p.xy.get(name))
        for name, d in splits.items()
        if d is not None
    }
    settings = _settings(spec, p, net, history, seconds)
    headline = {
        s: {k: v for k, v in r.items() if isinstance(v, int | float)} for s, r in reports.items()
    }
    net_file = out / "model.npz"
    save_model(net, net_file, preprocessor=p.pre, training=settings, metrics=headline)
    atomic.atomic_write(out / "history.json", _json_bytes(history.to_dict()))
    atomic.atomic_write(out / "metrics.json", _json_bytes(reports))
    written = [net_file.name, "history.json", "metrics.json"]
    written += _plots(out, history, net, p.pre, p.data)
    print(_describe(p, net, spec.fit, history, seconds))
    print()
    print(split_table(reports, p.pre.task))
    print()
    print(f"saved to {out}/: {', '.join(written)}")
    return EXIT_OK


def _parser() -> argparse.ArgumentParser:
    """A parser that knows this command, to read back the settings a checkpoint stores."""
    parser = argparse.ArgumentParser(prog="layerwise")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return parser


def _settings(spec: RunSpec, p: Prepared, net, history, seconds: float) -> dict:
    """What the model file records of how it was trained."""
    data, network, fit = spec.data, spec.network, spec.fit
    return {
        "data": data.source,
        "task": p.pre.task,
        "layers": list(network.layers),
        "hidden": list(network.hidden),
        "init": network.init,
        "legacy_rng": net.legacy_rng,
        "optimizer": fit.optimizer,
        "learning_rate": fit.alpha,
        "epochs": fit.epochs,
        "epochs_run": history.epochs,
        "best_epoch": history.best_epoch,
        "batch_size": fit.batch_size,
        "dev_fraction": data.dev_fraction,
        "test_fraction": p.test_fraction,
        "test": data.test,
        "seed": p.seed,
        "dtype": network.dtype,
        "l2": network.l2,
        **({"keep_prob": network.keep_prob} if network.keep_prob != 1.0 else {}),
        "seconds": round(seconds, 3),
    }


def _where(args: argparse.Namespace, p: Prepared) -> Path:
    """The output folder, said before training when the run uses a checkpoint: ``--out``, or
    a resume's stored one (named: it may lie outside the folders this command names), or
    ``runs/<data name>``; said with whether the run starts or resumes (with --quiet only a
    folder that the checkpoint chose)."""
    stored = getattr(args, "stored_out", None)
    out = Path(args.out or stored or Path("runs") / Path(p.data.name).stem)
    chosen = stored and not args.out  # a folder this command does not name: always said
    if getattr(args, "resume_note", None) and (chosen or not args.quiet):
        if not args.quiet:
            print(args.resume_note, file=sys.stderr)
        why = " (the --out stored in the checkpoint; --out DIR writes elsewhere)"
        print(f"writing to {out}{why if chosen else ''}", file=sys.stderr)
    return out


def _output_folder(out: Path) -> Path:
    """Check that ``--out`` can be created and written to, so that a bad folder fails before
    training rather than after it; create nothing (a refused run leaves no folder behind)."""
    out = Path(out)
    existing = next(p for p in (out, *out.parents) if p.exists() or p == Path(p.anchor))
    problem = None
    if not existing.is_dir():
        problem = f"{existing} is not a folder"
    elif not os.access(existing, os.W_OK | os.X_OK):
        problem = f"{existing} is not writable"
    elif existing == out:
        try:
            with tempfile.TemporaryFile(dir=out):
                pass
        except OSError as err:
            problem = str(err.strerror or err)
    if problem:
        raise ValueError(
            f"--out {out} must be a folder we can write to, but {problem}. "
            "Hint: pick another --out folder."
        )
    return out


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, indent=1) + "\n").encode()


def _callbacks(fit: FitSpec, quiet: bool, has_dev: bool) -> list:
    from ..callbacks import EarlyStopping, ProgressBar

    callbacks: list[Any] = [] if quiet else [ProgressBar(file=sys.stderr)]
    patience = fit.patience(has_dev)
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


def _describe(p: Prepared, net, fit: FitSpec, history, seconds: float) -> str:
    data, pre, train_set, dev, test = p.data, p.pre, p.train, p.dev, p.test
    kind = pre.task + (f" ({len(pre.classes)} classes)" if pre.is_classifier else "")
    sizes = (
        f"train {train_set.m}"
        + (f" / dev {dev.m}" if dev else "")
        + (f" / test {test.m}" if test else "")
    )
    acts = "/".join(dict.fromkeys(a.name for a in net.activations))
    batch = "full batch" if fit.batch_size is None else f"batch {fit.batch_size}"
    on = f", on {p.spec.network.device}" if p.spec.network.device else ""
    stop = f"{history.epochs} of {fit.epochs} epochs"
    if history.stopped_epoch is not None:
        stop = f"stopped early after {history.epochs} of {fit.epochs} epochs"
    if history.best_epoch is not None:
        stop += f" (best epoch {history.best_epoch} kept)"
    return "\n".join(
        [
            f"data: {data.name}, {data.m} examples, {data.features.shape[1]} columns -> n_x = "
            f"{pre.n_x}; {kind}; {sizes}",
            f"network: {net.layer_dims} {acts}, init {net.init}"
            + (" (legacy RandomState)" if net.legacy_rng else "")
            + f", {net.n_parameters():,} parameters, {net.dtype}",
            f"training: {fit.optimizer}, learning rate {fit.alpha:g}, {batch}, {stop}, "
            f"{seconds:.1f} s{on}",
        ]
    )
