"""The ``layerwise`` command: train, evaluate, predict, summary, gradcheck, datasets.

Files and the ecosystem hold one example per row; this module (with the estimators) is where rows
become the course's columns ``X (n_x, m)``. Errors a user can cause (a missing file, an unknown
column, text or NaN in features, a broken model file, a target with one class) print one line,
``error: ...``, and exit with code 2; ``gradcheck`` exits with 1 above its threshold. See
docs/cli.md for a reference with examples.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import cli_checkpoint

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
TASK_CHOICES = ("auto", "binary", "multiclass", "multilabel", "regression")
INIT_CHOICES = ("auto", "he", "xavier", "small_random", "zeros", "course")
DEFAULT_LEARNING_RATE = {"gd": 0.05, "momentum": 0.05, "rmsprop": 0.001, "adam": 0.003}


def _int_list(text: str) -> list[int]:
    """``"64,32"`` -> [64, 32]; ``""``/``"none"`` -> [] (no hidden layer: logistic regression)."""
    if text.strip().lower() in ("", "none"):
        return []
    try:
        dims = [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected hidden layer sizes like 64,32, got {text!r}"
        ) from None
    if min(dims) < 1:
        raise argparse.ArgumentTypeError(f"layer sizes must be >= 1, got {text!r}")
    return dims


def _names(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _batch_size(text: str) -> int | None:
    """``"full"`` or ``0`` -> None (batch gradient descent); otherwise a positive int."""
    if text.lower() in ("full", "0", "none"):
        return None
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected an integer or 'full', got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"batch size must be >= 1 or 'full', got {text!r}")
    return value


def _fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text!r}")
    return value


def _positive(kind, allow_zero: bool = False):
    """An argparse type: a finite ``kind`` (int or float) > 0, or >= 0 with ``allow_zero``."""

    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {kind.__name__}, got {text!r}") from None
        if not (value >= 0 if allow_zero else value > 0) or not np.isfinite(value):
            raise argparse.ArgumentTypeError(
                f"must be {'>=' if allow_zero else '>'} 0, got {text!r}"
            )
        return value

    return parse


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="layerwise",
        description="Train, evaluate and use fully connected networks written from scratch "
        "in NumPy. Start with: layerwise train digits",
    )
    parser.add_argument("--version", action="version", version=f"layerwise {__version__}")
    parser.add_argument(
        "--traceback", action="store_true", help="show the Python traceback on errors"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    data_help = "a bundled data set (see `layerwise datasets`), a file or an image folder"
    train = sub.add_parser(
        "train",
        help="train a network and save it",
        description="Train a network on DATA, report train/dev/test metrics and save the "
        "model, history.json, metrics.json and plots to --out.",
    )
    train.add_argument("data", metavar="DATA", nargs="?", help=data_help)  # not with --resume
    _data_options(train)
    train.add_argument(
        "--task", choices=TASK_CHOICES, default="auto", help="default: inferred from the target"
    )
    _network_options(train, layers="64,32", hidden="relu")
    train.add_argument("--optimizer", choices=tuple(DEFAULT_LEARNING_RATE), default="adam")
    train.add_argument(
        "--learning-rate",
        type=_positive(float),
        metavar="ALPHA",
        help="default: 0.003 for adam, 0.001 rmsprop, 0.05 gd/momentum",
    )
    train.add_argument("--epochs", type=_positive(int), default=100)
    train.add_argument(
        "--batch-size",
        type=_batch_size,
        default=32,
        metavar="B",
        help="mini-batch size, or 'full' for batch gradient descent (default 32)",
    )
    train.add_argument(
        "--dev-fraction",
        type=_fraction,
        default=0.2,
        metavar="F",
        help="share of the training data held out as dev set (default 0.2)",
    )
    train.add_argument("--test", metavar="DATA", help="a separate test file")
    train.add_argument(
        "--test-fraction",
        type=_fraction,
        metavar="F",
        help="share held out as test set (default 0.2 for bundled data, otherwise 0)",
    )
    train.add_argument(
        "--early-stopping",
        type=_positive(int, allow_zero=True),
        metavar="PATIENCE",
        help="stop after PATIENCE epochs without a better dev cost and keep the "
        "best epoch (default 10 with a dev set; 0 turns it off)",
    )
    train.add_argument("--dtype", choices=("float64", "float32"), default="float64")
    train.add_argument("--out", metavar="DIR", help="output folder (default runs/<data name>)")
    train.add_argument("--quiet", action="store_true", help="print only the final summary")
    cli_checkpoint.add_options(train)  # --checkpoint, --checkpoint-every, --resume
    train.set_defaults(handler=cmd_train)

    evaluate = sub.add_parser("evaluate", help="metrics of a saved model on labelled data")
    evaluate.add_argument("model", metavar="MODEL")
    evaluate.add_argument("data", metavar="DATA", help=data_help)
    evaluate.add_argument("--drop", type=_names, default=[], metavar="COLS")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.set_defaults(handler=cmd_evaluate)

    predict = sub.add_parser("predict", help="predictions of a saved model, one row per example")
    predict.add_argument("model", metavar="MODEL")
    predict.add_argument("data", metavar="DATA", help=data_help)
    predict.add_argument("--proba", action="store_true", help="class probabilities")
    predict.add_argument("-o", "--output", metavar="FILE", help="CSV file (default: stdout)")
    predict.add_argument("--drop", type=_names, default=[], metavar="COLS")
    predict.set_defaults(handler=cmd_predict)

    summary = sub.add_parser("summary", help="layers, shapes, activations, parameter count")
    summary.add_argument("model", metavar="MODEL")
    summary.set_defaults(handler=cmd_summary)

    check = sub.add_parser(
        "gradcheck",
        help="check backpropagation against finite differences",
        description="Build a network for DATA (or load --model), compare its "
        "gradients with centred differences on a few examples, print the "
        "relative difference and exit 1 above --threshold.",
    )
    check.add_argument(
        "data", metavar="DATA", nargs="?", default="planar", help=f"{data_help} (default planar)"
    )
    _data_options(check)
    check.add_argument("--task", choices=TASK_CHOICES, default="auto")
    _network_options(check, layers="5,3", hidden="tanh")
    check.add_argument("--model", metavar="MODEL", help="check a saved model instead")
    check.add_argument("--examples", type=_positive(int), default=8, metavar="M")
    check.add_argument("--epsilon", type=_positive(float), default=1e-7)
    check.add_argument("--threshold", type=_positive(float), default=1e-7)
    check.set_defaults(handler=cmd_gradcheck)

    datasets = sub.add_parser("datasets", help="data sets that train without any file")
    datasets.set_defaults(handler=cmd_datasets)
    return parser


def _data_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--target",
        type=_names,
        metavar="COL",
        help="target column(s), comma-separated (default: the last column)",
    )
    p.add_argument("--drop", type=_names, default=[], metavar="COLS", help="columns to ignore")
    p.add_argument(
        "--seed",
        type=_positive(int, allow_zero=True),
        help="seed of splits, weights and shuffles (default 0)",
    )


def _network_options(p: argparse.ArgumentParser, layers: str, hidden: str) -> None:
    p.add_argument(
        "--layers",
        type=_int_list,
        default=_int_list(layers),
        metavar="SIZES",
        help=f"hidden layer sizes (default {layers}; 'none' for no hidden layer)",
    )
    p.add_argument(
        "--hidden",
        type=_names,
        default=[hidden],
        metavar="ACT",
        help=f"hidden activation, or one per layer (default {hidden})",
    )
    p.add_argument(
        "--init",
        choices=INIT_CHOICES,
        default="auto",
        help="'course' = xavier scale drawn in the course's RandomState order, "
        "seed 1 unless --seed",
    )
    p.add_argument(
        "--legacy-rng",
        action="store_true",
        help="draw initial weights with np.random.RandomState(seed)",
    )
    p.add_argument(
        "--l2",
        type=_positive(float, allow_zero=True),
        default=0.0,
        metavar="LAMBDA",
        help="L2 regularization",
    )


# ----- commands ----------------------------------------------------------------------------------
def cmd_train(args: argparse.Namespace) -> int:
    from .cli_train import train

    return train(args)


def cmd_evaluate(args: argparse.Namespace) -> int:
    from .persistence import load_model
    from .reporting import evaluate_split, format_evaluation

    model = _load_with_preprocessing(args.model, load_model)
    pre = model.preprocessor
    data = _read(args.data, pre.target_names, True, args.drop, pre.image)
    report = evaluate_split(model.network, pre, data)
    report["data"] = str(args.data)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_evaluation(report, pre))
    return EXIT_OK


def cmd_predict(args: argparse.Namespace) -> int:
    from .persistence import load_model

    model = _load_with_preprocessing(args.model, load_model)
    net, pre = model.network, model.preprocessor
    data = _read(args.data, pre.target_names, False, args.drop, pre.image)
    AL = net.predict_proba(pre.transform(data.features, net.dtype))  # (n_y, m)
    if args.proba:
        header = [str(c) for c in pre.classes or []]
        rows = pre.probabilities(AL).tolist()  # (m, n_classes), raises for regression
    elif pre.task in ("binary", "multiclass"):
        header, rows = ["prediction"], [[label] for label in pre.decode(AL).tolist()]
    elif pre.task == "multilabel":
        header, rows = [str(c) for c in pre.classes], pre.decode(AL).tolist()
    else:
        header, rows = list(pre.target_names), pre.decode(AL).tolist()
    if data.files is not None:
        header, rows = (
            ["file", *header],
            [[f, *row] for f, row in zip(data.files, rows, strict=True)],
        )
    if args.output:
        from .persistence import atomic_write

        text = io.StringIO(newline="")
        _write_csv(text, header, rows)
        atomic_write(args.output, text.getvalue().encode("utf-8"))
        print(f"wrote {len(rows)} predictions to {args.output}", file=sys.stderr)
    else:
        _write_csv(sys.stdout, header, rows)
    return EXIT_OK


def _write_csv(f, header: list[str], rows: list[list[Any]]) -> None:
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)


def cmd_summary(args: argparse.Namespace) -> int:
    from .persistence import load_model
    from .reporting import format_summary

    print(format_summary(load_model(args.model), args.model))
    return EXIT_OK


def cmd_gradcheck(args: argparse.Namespace) -> int:
    from .gradient_check import gradient_check
    from .initializers import make_rng
    from .network import Network
    from .persistence import load_model
    from .preprocessing import Preprocessor

    seed = _seed(args)
    if args.model:
        model = _load_with_preprocessing(args.model, load_model)
        pre, saved = model.preprocessor, model.network
        data = _read(args.data, pre.target_names, True, args.drop, pre.image)
        # a float64 copy: float32 rounding swamps ε
        net = Network.from_config(saved.config() | {"dtype": "float64"}, saved.theta)
    else:
        data = _read(args.data, args.target, True, args.drop, None)
        pre = Preprocessor(args.task, data.scaling).fit(
            data.features, data.target, classes=data.classes, image=data.image
        )
        net = _build_network(args, pre, seed, np.float64)
    if net.n_parameters() > 200_000:
        raise ValueError(
            f"the network has {net.n_parameters():,} parameters; checking each takes two "
            "forward passes. Hint: check a smaller network of the same kind (--layers 5,3)."
        )
    pick = make_rng(seed).permutation(data.m)[: args.examples]
    sample = data.take(np.sort(pick))
    X = pre.transform(sample.features)  # (n_x, M)
    Y = pre.transform_target(sample.target)  # (n_y, M)
    result = gradient_check(net, X, Y, epsilon=args.epsilon)
    ok = result.difference <= args.threshold
    print(
        f"network: {net.layer_dims} {[a.name for a in net.activations]}, loss {net.loss.name}, "
        f"{net.n_parameters():,} parameters, {X.shape[1]} examples of {data.name}"
    )
    print(result.report())
    verdict = "passed" if ok else "FAILED"
    print(
        f"{verdict}: relative difference {result.difference:.3e} "
        f"{'<=' if ok else '>'} threshold {args.threshold:.0e}"
    )
    return EXIT_OK if ok else EXIT_CHECK_FAILED


def cmd_datasets(args: argparse.Namespace) -> int:
    from .datasets import DATASETS
    from .reporting import table

    rows = [
        [b.name, b.task, b.shape[0], b.shape[1], b.n_classes or "-", b.description]
        for b in DATASETS.values()
    ]
    print(table(["name", "task", "examples", "features", "classes", "description"], rows))
    print(
        "\nTrain one with: layerwise train NAME (e.g. layerwise train digits). Files work too: "
        "CSV/TSV, Parquet, .npy/.npz, HDF5, a folder of images."
    )
    return EXIT_OK


# ----- shared helpers ---------------------------------------------------------------------------
def _seed(args: argparse.Namespace) -> int:
    """--seed, or 1 for the course's init (its notebooks seed 1), or 0."""
    if args.seed is not None:
        return args.seed
    return 1 if getattr(args, "init", None) == "course" else 0


def _read(source, target, require_target: bool, drop, image):
    from .readers import read_data

    return read_data(source, target, require_target=require_target, drop=drop, image=image)


def _load_with_preprocessing(path: str, load_model):
    model = load_model(path)
    if model.preprocessor is None:
        raise ValueError(
            f"{path} holds a network without preprocessing (saved with Network.save); the "
            "command needs a model saved by `layerwise train`. `layerwise summary` works on it."
        )
    return model


def _build_network(args: argparse.Namespace, pre, seed: int, dtype):
    from .network import Network

    init, legacy = ("xavier", True) if args.init == "course" else (args.init, args.legacy_rng)
    hidden = args.hidden[0] if len(args.hidden) == 1 else args.hidden
    if not args.layers:
        hidden = []
    return Network(
        [pre.n_x, *args.layers, pre.n_y],
        hidden=hidden,
        output=pre.output,
        init=init,
        seed=seed,
        legacy_rng=legacy,
        dtype=dtype,
        l2=args.l2,
    )


def _one_line(err: BaseException) -> str:
    text = str(err) or type(err).__name__
    if isinstance(err, OSError) and err.filename and str(err.filename) not in text:
        text = f"{text}: {err.filename}"
    return " ".join(text.split())


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    from .training import DivergenceError

    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error argparse printed
        return int(exit_.code or 0)
    try:
        code = args.handler(args)
        sys.stdout.flush()  # a closed pipe surfaces here, not at interpreter exit
        return code
    except BrokenPipeError:  # `layerwise predict ... | head`: the reader left; stop quietly
        with contextlib.suppress(OSError, ValueError, io.UnsupportedOperation):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except (ValueError, TypeError, OSError, ImportError, DivergenceError, MemoryError) as err:
        if args.traceback:
            raise
        print(f"error: {_one_line(err)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:
        if args.traceback:
            raise
        print(
            f"error: internal error ({type(err).__name__}: {_one_line(err)}); rerun with "
            "--traceback and report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
