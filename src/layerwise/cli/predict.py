"""``layerwise predict MODEL DATA``: one CSV row per example, in DATA's order: the columns kept
with ``--keep``, the prediction and, with ``--proba``, one probability column per class.

Every cell goes through :func:`layerwise.data.safe_text.write_csv`: text a spreadsheet would run
as a formula is neutralized, numbers stay numbers.
"""

from __future__ import annotations

import argparse
import io
import sys
from typing import Any

from ..data.safe_text import write_csv
from .common import (
    DATA_HELP,
    EXIT_OK,
    load_with_preprocessing,
    name_options,
    names,
    print_data_report,
    read,
    unseen_option,
)

PROBA = "proba_"  # --proba's columns: proba_<class>, beside the "prediction" column


def add_parser(sub) -> None:
    """Register the sub-command on the ``layerwise`` parser."""
    predict = sub.add_parser("predict", help="predictions of a saved model, one row per example")
    predict.add_argument("model", metavar="MODEL")
    predict.add_argument("data", metavar="DATA", help=DATA_HELP)
    predict.add_argument(
        "--proba",
        action="store_true",
        help=f"also one probability column per class or label ({PROBA}<class>)",
    )
    predict.add_argument(
        "--keep",
        type=names,
        action="extend",
        default=[],
        metavar="COLS",
        help="columns of DATA to copy beside the predictions (an id, even one the model was "
        "trained without), comma-separated or repeated; quote a name holding a comma",
    )
    predict.add_argument("-o", "--output", metavar="FILE", help="CSV file (default: stdout)")
    name_options(predict, target=False)
    unseen_option(predict)
    predict.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    model = load_with_preprocessing(args.model)
    pre = model.preprocessor
    if args.proba and pre.classes is None:  # regression: values, no classes
        raise ValueError(
            f"--proba writes class probabilities, and {args.model} does regression: it predicts "
            f"values of {', '.join(pre.target_names)}, not classes. Hint: leave out --proba."
        )
    keep = list(dict.fromkeys(args.keep))  # a column named twice is written once
    pre.unseen = args.unseen or pre.unseen
    data = read(
        args.data,
        pre.target_names,
        False,
        args.drop,
        pre.image,
        ignore=pre.dropped,
        sep=args.sep,
        keep=keep,
    )
    AL = model.output(data.features)  # (n_y, m): preprocessed in NumPy, as pre.transform does
    print_data_report(pre)
    header, columns = outputs(pre, AL, args.proba)
    if data.files is not None:
        header, columns = ["file", *header], [data.files, *columns]
    if keep:
        header, columns = with_kept(data.kept, header, columns)
    rows = list(zip(*columns, strict=True))  # (m, columns)
    if args.output:
        from ..persistence import atomic

        text = io.StringIO(newline="")
        write_csv(text, header, rows)
        atomic.atomic_write(args.output, text.getvalue().encode("utf-8"))
        print(f"wrote {len(rows)} predictions to {args.output}", file=sys.stderr)
    else:  # shown on a terminal: its control characters escaped too
        write_csv(sys.stdout, header, rows, terminal=sys.stdout.isatty())
    return EXIT_OK


def outputs(pre, AL, proba: bool) -> tuple[list[str], list[list[Any]]]:
    """The output columns of ``AL (n_y, m)``: their names and values (lists of m cells).

    The prediction: a ``prediction`` column with the class (binary, multi-class), one 0/1
    column per label (multi-label) or one value per target, in its units (regression), each
    named as the target. With ``proba``, one ``proba_<class>`` column per class or label.
    """
    predicted = pre.decode(AL)  # (m,) classes, or (m, k) 0/1 labels or values
    if pre.is_classifier:
        header, columns = ["prediction"], [predicted.tolist()]
    else:
        header, columns = list(pre.target_names), predicted.T.tolist()  # k lists of m
    if proba:
        header += [f"{PROBA}{c}" for c in pre.classes]
        columns += pre.probabilities(AL).T.tolist()  # (n_classes, m)
    return header, columns


def with_kept(kept, header: list[str], columns: list[list[Any]]) -> tuple[list, list]:
    """The ``kept`` columns (a DataFrame (m, k), missing values as empty cells) before the
    outputs; a kept column named like an output column is refused (which would be which?)."""
    names = [str(c) for c in kept.columns]
    clash = [name for name in names if name in header]
    if clash:
        raise ValueError(
            f"keep= column {clash[0]!r} has the name of a column predict writes "
            f"({', '.join(header)}): the two could not be told apart. Hint: rename that "
            "column in DATA, or keep other columns."
        )
    values = [
        [
            None if gap else v
            for v, gap in zip(kept[c].tolist(), kept[c].isna().tolist(), strict=True)
        ]
        for c in kept.columns
    ]
    return [*names, *header], [*values, *columns]
