"""What the commands share: exit codes, argument types, data and network options, helpers.

Library errors speak of the library's arguments (``target=``, ``drop=``, ``task='binary'``);
:func:`one_line` translates them to this command line's flags (``--target``, ...).
"""

from __future__ import annotations

import argparse
import csv
import re
import shlex

import numpy as np

from .._validation import FLOAT_DTYPES
from ..backend import FORMS as DEVICE_FORMS
from ..data.columns import MISSING_CHOICES, UNSEEN_CHOICES
from ..data.safe_text import printable
from ..optimizers import OPTIMIZERS
from ..spec import INIT_NAMES, TASK_NAMES, DataSpec, FitSpec, NetworkSpec, RunSpec
from .files import load_with_preprocessing as load_with_preprocessing  # (where commands took it)

EXIT_OK, EXIT_CHECK_FAILED, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
# The choices are the core's tables, plus the words of a spec: "auto" (the task inferred from
# the target, the init from the activations) and "course" (see --init).
TASK_CHOICES = TASK_NAMES
INIT_CHOICES = INIT_NAMES
OPTIMIZER_CHOICES = tuple(OPTIMIZERS)
DTYPE_CHOICES = tuple(sorted((str(d) for d in FLOAT_DTYPES), reverse=True))  # float64 first


def device(text: str) -> str | None:
    """``--device``: a device spec as typed; ``none`` (any case) is None, NumPy. The spec
    checks the rest (``NetworkSpec.device``)."""
    return None if text.lower() == "none" else text


#: --device of the commands that train (train, sweep): the forms are the backend's own table
DEVICE_OPTION = {
    "type": device,
    "metavar": "SPEC",
    "help": "where the network trains: " + DEVICE_FORMS + ". The saved model is the same "
    "NumPy file whatever the device (default: NumPy)",
}
DATA_HELP = "a bundled data set (see `layerwise datasets`), a file or an image folder"
#: library argument -> flag, for messages (``target=`` -> ``--target``)
FLAGS = {
    "target": "--target",
    "drop": "--drop",
    "keep": "--keep",
    "sep": "--sep",
    "task": "--task",
    "learning_rate": "--learning-rate",
    "batch_size": "--batch-size",
    "epochs": "--epochs",
    "dev_fraction": "--dev-fraction",
    "test_fraction": "--test-fraction",
    "test": "--test",
    "missing": "--missing",
    "unseen": "--unseen",
    "min_frequency": "--min-frequency",
    "device": "--device",
}


def int_list(text: str) -> list[int]:
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


def rates(text: str) -> list[float]:
    """``--dropout``: ``"0.2"`` or ``"0.2,0.5"`` -> [0.2, 0.5], each 0 <= rate < 1."""
    try:
        values = [float(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected dropout rates like 0.2 or 0.2,0.5, got {text!r}"
        ) from None
    if not all(0 <= r < 1 for r in values):  # (nan fails too)
        raise argparse.ArgumentTypeError(
            f"dropout rates must be >= 0 and < 1 (the share of units dropped), got {text!r}"
        )
    return values


def names(text: str) -> list[str]:
    """``"a, b"`` -> ["a", "b"]: the text is read as one CSV row, so a name holding a comma is
    quoted as in a CSV header (``'"income, net",age'`` -> ["income, net", "age"])."""
    try:
        row = next(csv.reader([text], skipinitialspace=True, strict=True), [])
    except csv.Error as err:
        raise argparse.ArgumentTypeError(
            f'expected names like a,b or "a, with comma",b, got {text!r} ({err})'
        ) from None
    return [part.strip() for part in row if part.strip()]


def separator(text: str) -> str:
    """``--sep``: one character, or ``tab``, ``space``, ``whitespace``."""
    from ..data.tables import check_sep

    try:
        return check_sep(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected one character (or tab, space, whitespace), got {text!r}"
        ) from None


def name_options(p: argparse.ArgumentParser, target: bool = True) -> None:
    """--target (optional), --drop and --sep. --target and --drop may be repeated; each value
    is a comma-separated list, read as a CSV row (quote a name that holds a comma)."""
    if target:
        p.add_argument(
            "--target",
            type=names,
            action="extend",
            metavar="COL",
            help="target column(s), comma-separated or repeated; quote a name holding a comma: "
            "--target '\"income, net\"' (default: the last column)",
        )
    drop_help = "columns to ignore, comma-separated or repeated (quote a name holding a comma)"
    p.add_argument(
        "--drop",
        type=names,
        action="extend",
        default=[],
        metavar="COLS",
        help=drop_help
        + (
            "; saved with the model, so evaluate and predict ignore them too"
            if target
            else "; besides those the model was trained without (left out where present)"
        ),
    )
    p.add_argument(
        "--sep",
        type=separator,
        metavar="CHAR",
        help="delimiter of a text table: one character, tab, space or whitespace "
        "(default: found from the file: , ; tab |)",
    )


def batch_size(text: str) -> int | None:
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


def fraction(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number in [0, 1), got {text!r}") from None
    if not 0 <= value < 1:
        raise argparse.ArgumentTypeError(f"must be in [0, 1), got {text!r}")
    return value


def positive(kind, allow_zero: bool = False):
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


def data_options(p: argparse.ArgumentParser) -> None:
    name_options(p)
    p.add_argument(
        "--missing",
        choices=MISSING_CHOICES,
        default="impute",
        help="gaps in the features: impute (median or most frequent value, plus a 0/1 "
        "indicator per column with gaps; saved with the model) or refuse (default impute)",
    )
    p.add_argument(
        "--unseen",
        choices=UNSEEN_CHOICES,
        default="ignore",
        help="a category never seen in training, at evaluate/predict: ignore (all zeros, "
        "counted) or error (default ignore)",
    )
    p.add_argument(
        "--min-frequency",
        type=positive(int),
        metavar="N",
        help="categories seen fewer than N times in training share one 'infrequent' input",
    )
    p.add_argument(
        "--seed",
        type=positive(int, allow_zero=True),
        help="seed of splits, weights and shuffles (default 0)",
    )


def network_options(p: argparse.ArgumentParser, layers: str, hidden: str) -> None:
    p.add_argument(
        "--layers",
        type=int_list,
        default=int_list(layers),
        metavar="SIZES",
        help=f"hidden layer sizes (default {layers}; 'none' for no hidden layer)",
    )
    p.add_argument(
        "--hidden",
        type=names,
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
        type=positive(float, allow_zero=True),
        default=0.0,
        metavar="LAMBDA",
        help="L2 regularization",
    )
    p.add_argument(
        "--dropout",
        type=rates,
        metavar="RATE",
        help="dropout on the hidden layers in training: the probability of DROPPING a unit, "
        "as Keras's or PyTorch's Dropout(p) (keep_prob = 1 - RATE); one rate, or one per "
        "hidden layer (0.2,0.5); off at predict (default: none)",
    )


def seed_of_args(args: argparse.Namespace) -> int:
    """--seed, or 1 for the course's init (its notebooks seed 1), or 0."""
    if args.seed is not None:
        return args.seed
    return 1 if getattr(args, "init", None) == "course" else 0


def read(source, target, require_target: bool, drop, image, *, ignore=(), sep=None, keep=()):
    from ..data import read_data

    return read_data(
        source,
        target,
        require_target=require_target,
        drop=drop,
        image=image,
        ignore=ignore,
        sep=sep,
        keep=keep,
    )


def unseen_option(p: argparse.ArgumentParser) -> None:
    """``--unseen`` of evaluate and predict: overrides what the model was trained with."""
    p.add_argument(
        "--unseen",
        choices=UNSEEN_CHOICES,
        help="a category never seen in training: ignore (all zeros, counted) or error "
        "(default: as the model was trained, see `layerwise summary`)",
    )


def print_data_report(pre) -> None:
    """Warn (stderr) of the values the last ``pre.transform`` imputed or never saw."""
    import sys

    for name, n in pre.report["unseen"].items():
        print(
            f"warning: column {name!r}: {n} value{'s' * (n != 1)} never seen in training "
            "(encoded as all zeros; --unseen error refuses them)",
            file=sys.stderr,
        )
    for name, n in pre.report["imputed"].items():
        print(f"note: column {name!r}: {n} missing value{'s' * (n != 1)} imputed", file=sys.stderr)


def network_spec(args: argparse.Namespace, dtype: str = "float64") -> NetworkSpec:
    """The network options (``network_options``) as a spec."""
    return NetworkSpec(
        layers=tuple(args.layers),
        hidden=tuple(args.hidden),
        init=args.init,
        legacy_rng=args.legacy_rng,
        l2=args.l2,
        dtype=dtype,
        keep_prob=keep_prob_of(args),
        device=getattr(args, "device", None),
    )


def keep_prob_of(args: argparse.Namespace) -> float | tuple[float, ...]:
    """``--dropout`` rates as keep_prob (1 - rate): one, or one per hidden layer; 1.0 without."""
    given = getattr(args, "dropout", None)
    if not given:
        return 1.0
    n_hidden = len(args.layers)
    if len(given) not in (1, n_hidden):
        raise ValueError(
            f"--dropout must be one rate or {n_hidden} (one per hidden layer of --layers), got "
            f"{','.join(map(str, given))}. Hint: --dropout 0.2 drops 20 % of every hidden layer."
        )
    keep = tuple(1 - r for r in given)
    return keep[0] if len(keep) == 1 else keep


def data_spec(args: argparse.Namespace, test: str | None = None) -> DataSpec:
    """The data options of ``train`` and ``sweep`` (``test``: train's --test FILE)."""
    return DataSpec(
        source=str(args.data),
        target=tuple(args.target or ()) or None,  # --target "": the last column, as in 0.1.0
        drop=tuple(args.drop),
        sep=args.sep,
        task=args.task,
        dev_fraction=args.dev_fraction,
        test=test,
        test_fraction=args.test_fraction,
        missing=args.missing,
        unseen=args.unseen,
        min_frequency=args.min_frequency,
    )


def spec_of(args: argparse.Namespace) -> RunSpec:
    """``layerwise train``'s options as the run's spec (DATA as given)."""
    if args.test and args.test_fraction:  # before the spec says it in its own words
        raise ValueError("use either --test FILE or --test-fraction, not both.")
    data = data_spec(args, args.test)
    fit = FitSpec(
        optimizer=args.optimizer,
        learning_rate=args.learning_rate,
        epochs=FitSpec.epochs if args.epochs is None else args.epochs,
        batch_size=args.batch_size,
        early_stopping=args.early_stopping,
    )
    return RunSpec(data, network_spec(args, args.dtype), fit, seed=args.seed)


def one_line(err: BaseException) -> str:
    """An error as one line, its library arguments named as this command line's flags."""
    text = str(err) or type(err).__name__
    if isinstance(err, OSError) and err.filename and str(err.filename) not in text:
        text = f"{text}: {err.filename}"
    return flags(text)


def flags(text: str) -> str:
    """``text`` on one line, with ``name=value`` written ``--name value`` (see ``FLAGS``) and
    control characters escaped (:func:`printable`: names from a file cannot drive the terminal)."""
    text = re.sub(r"(?<![\w-])(\w+)=(?:'([^']*)'|(-?[\w.+-]*\w))?", _flag, text)
    return printable(" ".join(text.split()))


def _flag(match: re.Match) -> str:
    """``name=value`` -> ``--name value`` for the library arguments this command line has."""
    name, value = match.group(1), match.group(2) or match.group(3)
    if name not in FLAGS:
        return match.group(0)
    return f"{FLAGS[name]} {shlex.quote(value)}" if value else FLAGS[name]
