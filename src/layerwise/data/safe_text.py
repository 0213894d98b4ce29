"""Text from files we do not control, made safe to write: CSV cells and terminal lines.

A model file or a data file names classes and columns; those names reach a spreadsheet (the CSV
``layerwise predict`` writes) and a terminal (``summary``, ``evaluate``, error messages). Two
rules, one place:

- :func:`csv_cell`: a text cell a spreadsheet would run as a formula (it starts with ``=``,
  ``+``, ``-``, ``@``, a tab or a carriage return) gets a leading ``'``, as OWASP's "CSV
  Injection" page recommends; numbers stay numbers (``-2.0`` is written as it is, the text
  ``"-2"`` as ``'-2``). :func:`write_csv` writes every cell through it, quoted by the ``csv``
  module's rules (a cell holding a comma, a quote or a line break is quoted, quotes doubled).
- :func:`printable`: control characters (ANSI escape sequences, ``\\r``, ``\\x00``, the C1
  controls, line separators, bidirectional overrides) written as escapes the way ``repr``
  writes them (``\\x1b``, ``\\r``, ``\\u202e``), so text from a file cannot move the cursor,
  rewrite a line or change the terminal's colours.

And what a file names is shown within bounds (:func:`clipped`, :func:`clipped_list`): a model
header may hold a 60 MB class name or 100,000 settings, and ``summary`` prints each name at most
:data:`MAX_SHOWN_CHARS` characters long and at most :data:`MAX_SHOWN_ITEMS` of a list, saying
how much it left out.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable, Sequence
from numbers import Real
from typing import Any, TextIO

#: first characters that make a spreadsheet read a cell as a formula (OWASP)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# C0 and C1 controls, DEL, line/paragraph separators, bidirectional embeddings and isolates
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\t": "\\t", "\n": "\\n", "\r": "\\r"}
#: the longest name or value shown whole; a longer one is cut, with its length
MAX_SHOWN_CHARS = 200
#: the most entries of a list shown; the rest are counted
MAX_SHOWN_ITEMS = 20


def csv_cell(value: Any) -> Any:
    """``value`` as a CSV cell a spreadsheet shows and never runs.

    Numbers (``int``, ``float``, NumPy's, not ``bool``) are returned as they are, so the ``csv``
    module writes them as numbers (a float by its shortest round-trip ``repr``); ``None`` and
    NaN are an empty cell (as pandas writes a gap); anything else is its ``str``, with a
    leading ``'`` where it starts with one of :data:`FORMULA_STARTS`.

    >>> csv_cell("=1+1"), csv_cell("-2"), csv_cell(-2.0), csv_cell("plain")
    ("'=1+1", "'-2", -2.0, 'plain')
    """
    if isinstance(value, Real) and not isinstance(value, bool):
        if value != value:  # NaN: a gap
            return ""
        return value.item() if hasattr(value, "item") else value  # NumPy scalar -> Python
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(
    f: TextIO,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    terminal: bool = False,
) -> None:
    """Write ``header`` and ``rows`` to ``f`` as CSV, every cell through :func:`csv_cell`.

    With ``terminal``, text cells are also made :func:`printable` (for CSV shown on a terminal,
    not for a file: there the data stays as it was, only neutralized).
    """
    writer = csv.writer(f, lineterminator="\n")  # QUOTE_MINIMAL: the csv module's rules

    def cells(row: Sequence[Any]) -> list[Any]:
        out = [csv_cell(v) for v in row]
        return [printable(c) if terminal and isinstance(c, str) else c for c in out]

    writer.writerow(cells(header))
    writer.writerows(cells(row) for row in rows)


def printable(text: Any) -> str:
    """``str(text)`` with its control characters escaped as ``repr`` escapes them.

    >>> printable("red\\x1b[2J\\r")
    'red\\\\x1b[2J\\\\r'
    """
    return _CONTROL.sub(_escape, str(text))


def _escape(match: re.Match) -> str:
    char = match.group(0)
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def clipped(value: Any, limit: int = MAX_SHOWN_CHARS) -> str:
    """``str(value)``, cut after ``limit`` characters with ``...`` and its full length.

    >>> clipped("x" * 300, 5)
    'xxxxx... (300 characters)'
    """
    text = str(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text):,} characters)"


def clipped_list(
    items: Iterable[Any],
    limit: int = MAX_SHOWN_ITEMS,
    sep: str = ", ",
    each: int | None = MAX_SHOWN_CHARS,
) -> str:
    """The first ``limit`` items, each :func:`clipped` to ``each`` characters (None: items the
    caller has clipped already), joined by ``sep``; then how many there are in all.

    >>> clipped_list(range(5), 3)
    '0, 1, 2, ... (5 in all)'
    """
    items = list(items)
    shown = sep.join(str(x) if each is None else clipped(x, each) for x in items[:limit])
    return shown if len(items) <= limit else f"{shown}{sep}... ({len(items):,} in all)"
