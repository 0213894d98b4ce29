"""Execute the course notebooks from a clean kernel: ``python notebooks/build.py [NAMES...]``.

Each ``notebooks/NN_*.py`` (jupytext percent format, the source) is read with jupytext, run
top to bottom by nbclient in a new ``python3`` kernel whose working folder is ``notebooks/``,
and written next to it as ``NN_*.ipynb`` with its outputs. A cell that raises stops the build
with the notebook's name and the error, and the ``.ipynb`` is not written. ``--check`` runs
them without writing anything (what the tests do).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CELL_TIMEOUT_S = 600


def sources() -> list[Path]:
    """The notebooks' sources in the course's order: ``01_*.py`` ... ``09_*.py``."""
    return sorted(HERE.glob("[0-9][0-9]_*.py"))


def read(source: Path):
    """The notebook of a percent-format script, without outputs."""
    import jupytext

    return jupytext.read(source)


def execute(source: Path, timeout: int = CELL_TIMEOUT_S):
    """Run every cell of ``source`` in a fresh kernel; return the executed notebook.

    Raises ``nbclient.exceptions.CellExecutionError`` (the cell, the traceback) on the first
    cell that fails.
    """
    from nbclient import NotebookClient

    nb = read(source)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(source.parent)}},
        record_timing=False,  # no timestamps: a rebuild changes only what the code prints
    )
    client.execute()
    nb.metadata.pop("widgets", None)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="e.g. 01 04_deep_application (default: all)")
    parser.add_argument("--check", action="store_true", help="execute only, write nothing")
    args = parser.parse_args(argv)
    chosen = [
        s for s in sources() if not args.names or any(s.stem.startswith(n) for n in args.names)
    ]
    if not chosen:
        print(f"error: no notebook matches {args.names}", file=sys.stderr)
        return 2
    import nbformat

    for source in chosen:
        start = time.perf_counter()
        nb = execute(source)
        if not args.check:
            nbformat.write(nb, source.with_suffix(".ipynb"))
        print(f"{source.name}: executed in {time.perf_counter() - start:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
