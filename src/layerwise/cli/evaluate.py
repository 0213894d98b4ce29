"""``layerwise evaluate MODEL DATA``: metrics of a saved model on labelled data."""

from __future__ import annotations

import argparse
import json

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
    evaluate = sub.add_parser("evaluate", help="metrics of a saved model on labelled data")
    evaluate.add_argument("model", metavar="MODEL")
    evaluate.add_argument("data", metavar="DATA", help=DATA_HELP)
    name_options(evaluate, target=False)
    unseen_option(evaluate)
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..spec.report import evaluate_split, format_evaluation

    model = load_with_preprocessing(args.model)
    pre = model.preprocessor
    pre.unseen = args.unseen or pre.unseen
    data = read(
        args.data, pre.target_names, False, args.drop, pre.image, ignore=pre.dropped, sep=args.sep
    )
    if data.target is None or data.target_names != pre.target_names:
        names = ", ".join(map(repr, pre.target_names))
        columns = ", ".join(map(str, data.features.columns[:20]))
        raise ValueError(
            f"{args.data} has no target column {names}, which the model was trained to "
            f"predict and evaluate compares with; its columns are: {columns}. Hint: use "
            "`layerwise predict` for data without labels."
        )
    report = evaluate_split(model.network, pre, data)
    print_data_report(pre)
    report["data"] = str(args.data)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_evaluation(report, pre))
    return EXIT_OK
