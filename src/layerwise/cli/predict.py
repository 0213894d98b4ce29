"""``layerwise predict MODEL DATA``: one prediction (or probability row) per example."""

from __future__ import annotations

import argparse
import csv
import io
import sys
from typing import Any

from .common import (
    DATA_HELP,
    EXIT_OK,
    load_with_preprocessing,
    name_options,
    print_data_report,
    read,
    unseen_option,
)


def add_parser(sub) -> None:
    """Register the sub-command on the ``layerwise`` parser."""
    predict = sub.add_parser("predict", help="predictions of a saved model, one row per example")
    predict.add_argument("model", metavar="MODEL")
    predict.add_argument("data", metavar="DATA", help=DATA_HELP)
    predict.add_argument("--proba", action="store_true", help="class probabilities")
    predict.add_argument("-o", "--output", metavar="FILE", help="CSV file (default: stdout)")
    name_options(predict, target=False)
    unseen_option(predict)
    predict.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:

    model = load_with_preprocessing(args.model)
    net, pre = model.network, model.preprocessor
    pre.unseen = args.unseen or pre.unseen
    data = read(
        args.data, pre.target_names, False, args.drop, pre.image, ignore=pre.dropped, sep=args.sep
    )
    AL = net.predict_proba(pre.transform(data.features, net.dtype))  # (n_y, m)
    print_data_report(pre)
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
        from ..persistence import atomic

        text = io.StringIO(newline="")
        write_csv(text, header, rows)
        atomic.atomic_write(args.output, text.getvalue().encode("utf-8"))
        print(f"wrote {len(rows)} predictions to {args.output}", file=sys.stderr)
    else:
        write_csv(sys.stdout, header, rows)
    return EXIT_OK


def write_csv(f, header: list[str], rows: list[list[Any]]) -> None:
    writer = csv.writer(f, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
