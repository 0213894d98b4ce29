"""``layerwise summary MODEL``: layers, shapes, activations, parameters, preprocessing."""

from __future__ import annotations

import argparse

from ..data.safe_text import clipped, clipped_list, printable
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
        shown = quoted(pre.dropped)  # as --drop takes them
        lines.insert(at, printable(f"dropped: {shown} (evaluate and predict ignore them)"))
    if pre is not None:
        at = next((i + 1 for i, line in enumerate(lines) if line.startswith("features:")), 1)
        lines[at:at] = [printable(line) for line in data_lines(pre)]
    print("\n".join(lines))
    return EXIT_OK


def quoted(names: list[str]) -> str:
    """Column names as ``--drop`` takes them (quoted where they hold a comma), each name and
    their number shown within bounds."""
    return clipped_list(f'"{c}"' if "," in c else c for c in names)


def data_lines(pre) -> list[str]:
    """What the model does with dates, gaps and categories (its ``missing``, ``unseen`` and
    ``min_frequency``)."""
    lines = []
    if pre.dates:
        lines.append(f"dates: {quoted(pre.dates)} (days since 1970-01-01, month, weekday each)")
    if pre.missing == "impute":
        fills = [f"{clipped(c)}={m:g}" for c, m in zip(pre.numeric, pre.medians, strict=False)]
        fills += [f"{clipped(c)}={clipped(v)}" for c, v in pre.modes.items()]
        line = "missing: impute (median or most frequent value"
        line += f": {clipped_list(fills, 10, each=None)})" if fills else ")"
        if pre.indicators:
            line += f"; a 0/1 indicator for {quoted(pre.indicators)}"
        lines.append(line)
    else:
        lines.append("missing: refuse (a gap in a feature is an error)")
    grouped = {c: len(v) for c, v in pre.infrequent.items()}
    categories = f"unseen categories: {pre.unseen}"
    if pre.min_frequency is not None:
        categories += f"; min_frequency {pre.min_frequency}"
        shown = (f"{clipped(c)}: {n} grouped as infrequent" for c, n in grouped.items())
        categories += f", {clipped_list(shown, each=None)}" if grouped else ""
    lines.append(categories)
    return lines
