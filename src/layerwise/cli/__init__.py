"""The ``layerwise`` command: train, evaluate, predict, summary, gradcheck, datasets, export,
playground, sweep.

Files and the ecosystem hold one example per row; this package (with the estimators) is where rows
become the course's columns ``X (n_x, m)``. One module per command, each with ``add_parser`` and
``run``; :mod:`.common` holds what they share, :mod:`.report` the metrics tables. Errors a user can
cause (a missing file, an unknown column, text or NaN in features, a broken model file, a target
with one class) print one line, ``error: ...``, and exit with code 2; ``gradcheck`` exits with 1
above its threshold. See docs/cli.md for a reference with examples.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from collections.abc import Sequence

from .._version import __version__
from . import datasets, evaluate, export, gradcheck, playground, predict, summary, sweep, train
from .common import EXIT_INTERNAL, EXIT_USAGE, one_line

COMMANDS = (train, evaluate, predict, summary, gradcheck, datasets, export, playground, sweep)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every sub-command."""
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
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line ``argv`` (default ``sys.argv[1:]``); return the exit code."""
    from ..callbacks import DivergenceError

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
        print(f"error: {one_line(err)}", file=sys.stderr)
        return EXIT_USAGE
    except Exception as err:
        if args.traceback:
            raise
        print(
            f"error: internal error ({type(err).__name__}: {one_line(err)}); rerun with "
            "--traceback and report it",
            file=sys.stderr,
        )
        return EXIT_INTERNAL
