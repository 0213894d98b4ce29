"""``layerwise summary MODEL``: layers, shapes, activations, parameters, preprocessing."""

from __future__ import annotations

import argparse

from .common import EXIT_OK


def add_parser(sub) -> None:
    """Register the sub-command on the ``layerwise`` parser."""
    summary = sub.add_parser("summary", help="layers, shapes, activations, parameter count")
    summary.add_argument("model", metavar="MODEL")
    summary.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..data import load_model
    from .report import format_summary

    print(format_summary(load_model(args.model), args.model))
    return EXIT_OK
