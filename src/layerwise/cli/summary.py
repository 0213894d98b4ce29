"""``layerwise summary MODEL``: layers, shapes, activations, parameters, preprocessing."""

from __future__ import annotations

import argparse

from ..data.safe_text import printable
from .common import EXIT_OK
from .files import ANY_MODEL, reading


def add_parser(sub) -> None:
    """Register the sub-command on the ``layerwise`` parser."""
    summary = sub.add_parser("summary", help="layers, shapes, activations, parameter count")
    summary.add_argument("model", metavar="MODEL")
    summary.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from ..data import load_model
    from ..spec.report import format_summary

    model = reading(args.model, load_model, ANY_MODEL)
    lines = format_summary(model, args.model).split("\n")
    pre = model.preprocessor
    if pre is not None and pre.dropped:
        at = next((i + 1 for i, line in enumerate(lines) if line.startswith("features:")), 1)
        shown = ", ".join(f'"{c}"' if "," in c else c for c in pre.dropped)  # as --drop takes them
        lines.insert(at, printable(f"dropped: {shown} (evaluate and predict ignore them)"))
    print("\n".join(lines))
    return EXIT_OK
