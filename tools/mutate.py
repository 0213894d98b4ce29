"""``make mutate PATHS=...``: mutation testing of some modules or folders of the library.

mutmut (the ``mutate`` extra) changes one thing at a time in the code (``<`` for ``<=``, ``+ 1``
for ``+ 2``, a dropped argument...) and runs the tests against each change, a *mutant*: a test
that fails kills it; a mutant no test kills shows a test that is missing, or a change that does
not change behaviour (an *equivalent* mutant). ``[tool.mutmut]`` in pyproject.toml holds the
settings; this narrows what it mutates to PATHS, starts from a clean ``mutants/`` folder (results
of other paths would mix in), runs it and prints the kill rate of each path.

mutmut runs the fast tier (``-m "not slow"``) once to learn which tests call each function, then
runs each mutant against those tests only (stopping at the first failure). The tests to choose
from are the module's own test files (``tests/test_<name>*.py``: quick on 2 cores, and a strict
kill rate), the whole fast tier where there are none, or ``--tests FILE ...``.

Usage: ``python tools/mutate.py src/layerwise/optimizers.py [src/layerwise/checkpoint ...]``
(``--jobs N`` mutants at once, ``--tests FILE ...``). Then ``mutmut results`` lists the
survivors and ``mutmut show NAME`` shows one; once tests are added, ``--again`` runs the
survivors of the last run only.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from collections import Counter
from pathlib import Path

# mutmut's exit codes of a mutant's test run (its mutmut.stats table): what each one means here
KILLED = {1, 3, 24, -24, 36, 152, 255}  # a test failed, or the mutant ran past its timeout
NOT_RUN = {None, 2, 34, 37}  # not checked, interrupted, skipped, caught by a type checker
PACKAGE = Path("src/layerwise")


def _pattern(arg: str) -> str:
    """The ``only_mutate`` glob of one of PATHS: the module itself, or everything in a folder."""
    path = Path(arg)
    inside = path.resolve().is_relative_to(PACKAGE.resolve())
    if not path.exists() or not inside or (path.is_file() and path.suffix != ".py"):
        raise SystemExit(
            f"mutate: PATHS must name modules or folders under {PACKAGE}, got {arg!r}. "
            f"Hint: make mutate PATHS={PACKAGE}/optimizers.py"
        )
    relative = path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    return relative if path.is_file() else relative + "/*"


def _results(patterns: list[str]):
    """(pattern, mutant name, exit code) of every mutant of the last run under ``patterns``."""
    for meta in sorted(Path("mutants").glob(f"{PACKAGE}/**/*.py.meta")):
        source = meta.relative_to("mutants").as_posix().removesuffix(".meta")
        codes = json.loads(meta.read_text())["exit_code_by_key"]
        for pattern in patterns:
            if source == pattern or source.startswith(pattern.removesuffix("*")):
                for name, code in codes.items():
                    yield pattern, name, code


def _survivors(patterns: list[str]) -> list[str]:
    """The mutants no test killed, and those an interrupted run left unchecked."""
    return [name for _, name, code in _results(patterns) if code not in KILLED | {34, 37}]


def _rates(patterns: list[str]) -> list[str]:
    """One line per path: mutants, killed, survived (no test failed or none ran), kill rate."""
    counts: dict[str, Counter] = {p: Counter() for p in patterns}
    for pattern, _, code in _results(patterns):
        kind = "killed" if code in KILLED else "not run" if code in NOT_RUN else "lived"
        counts[pattern][kind] += 1
    lines = []
    for pattern, c in counts.items():
        ran = c["killed"] + c["lived"]
        rate = f"{100 * c['killed'] / ran:.1f} %" if ran else "n/a"
        lines.append(
            f"{pattern}: {ran} mutants, {c['killed']} killed, {c['lived']} survived, "
            f"{c['not run']} not run: kill rate {rate}"
        )
    return lines


def _own_tests(paths: list[str]) -> list[str]:
    """The test files named after PATHS (``optimizers.py``: ``tests/test_optimizers*.py``;
    ``checkpoint/``: ``tests/test_checkpoint*.py``); none found: [] (the whole fast tier)."""
    found = {str(f) for p in paths for f in Path("tests").glob(f"test_{Path(p).stem}*.py")}
    return sorted(found)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mutate", description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="+", metavar="PATH", help=f"modules or folders in {PACKAGE}")
    parser.add_argument("--jobs", type=int, default=1, help="mutants tested at once (default 1)")
    parser.add_argument("--tests", nargs="+", metavar="FILE", help="test files to choose from")
    parser.add_argument(
        "--again",
        action="store_true",
        help="keep mutants/ and run its survivors (and unchecked) only: after new tests",
    )
    args = parser.parse_args(argv)
    patterns = [_pattern(p) for p in args.paths]
    names = _survivors(patterns) if args.again else []

    from mutmut import configuration
    from mutmut.__main__ import cli

    settings = configuration.config()  # [tool.mutmut], read once: narrowed before the run
    settings.only_mutate = patterns
    tests = args.tests or _own_tests(args.paths)
    if tests:
        settings.pytest_add_cli_args_test_selection = [*tests, "-m", "not slow"]
        print(f"mutate: tests to choose from: {' '.join(tests)}")
    if not args.again:
        shutil.rmtree("mutants", ignore_errors=True)
    elif not names:
        print("\n".join(_rates(patterns)))
        return 0
    try:
        cli.main(["run", "--max-children", str(args.jobs), *names], standalone_mode=False)
    except SystemExit as exit:  # mutmut ends with sys.exit on some paths
        if exit.code not in (0, None):
            return int(exit.code) if isinstance(exit.code, int) else 1
    print("\n".join(_rates(patterns)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
