"""``layerwise evaluate MODEL DATA``: metrics of a saved model on labelled data."""

from __future__ import annotations

import argparse
import json

from .common import DATA_HELP, EXIT_OK, load_with_preprocessing, names, read


def add_parser(sub) -> None:
    """Register the sub-command on the ``layerwise`` parser."""
    evaluate = sub.add_parser("evaluate", help="metrics of a saved model on labelled data")
    evaluate.add_argument("model", metavar="MODEL")
    evaluate.add_argument("data", metavar="DATA", help=DATA_HELP)
    evaluate.add_argument("--drop", type=names, default=[], metavar="COLS")
    evaluate.add_argument("--json", action="store_true", help="print the metrics as JSON")
    evaluate.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from .report import evaluate_split, format_evaluation

    model = load_with_preprocessing(args.model)
    pre = model.preprocessor
    data = read(args.data, pre.target_names, True, args.drop, pre.image)
    report = evaluate_split(model.network, pre, data)
    report["data"] = str(args.data)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(format_evaluation(report, pre))
    return EXIT_OK
