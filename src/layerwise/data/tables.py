"""Text tables (``.csv``, ``.tsv``, ``.tab``, ``.txt``): the delimiter, found or given; the read.

A table's delimiter is the one its suffix names (``,`` for ``.csv``, a tab otherwise) when the
header line splits on it; otherwise :class:`csv.Sniffer` picks one of ``, ; TAB |`` from the
first lines (a spreadsheet saved in a European locale writes ``;``, and then ``,`` is the
decimal mark). ``sep=`` overrides both. Every error names the file and the delimiter used.
"""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

#: suffix -> the delimiter the suffix stands for
TABLE_SUFFIXES = {".csv": ",", ".tsv": "\t", ".tab": "\t", ".txt": "\t"}
CANDIDATES = ",;\t|"
SEP_NAMES = {"tab": "\t", "\\t": "\t", "space": " ", "whitespace": r"\s+"}
SAMPLE_BYTES = 64 * 1024


def check_sep(sep: str | None) -> str | None:
    """``sep`` as pandas reads it: None (find it), one character, or a name in ``SEP_NAMES``."""
    if sep is None:
        return None
    sep = SEP_NAMES.get(sep.lower(), sep) if isinstance(sep, str) else sep
    if not isinstance(sep, str) or not (len(sep) == 1 or sep == r"\s+") or sep in "\"'\n\r":
        raise ValueError(
            f"sep must be one character (or tab, space, whitespace), got {sep!r}. "
            "Hint: sep=';' for a semicolon-separated file."
        )
    return sep


def describe_sep(sep: str) -> str:
    """A delimiter as a reader of a message sees it: ``';'``, ``tab``, ``whitespace``."""
    return {"\t": "tab", " ": "space", r"\s+": "whitespace"}.get(sep, repr(sep))


def find_sep(path: Path, default: str) -> str:
    """The delimiter of the text table ``path``: ``default`` if its header line splits on it,
    else the one :class:`csv.Sniffer` finds among ``CANDIDATES`` in the first lines, else
    ``default``."""
    with open(path, "rb") as f:
        raw = f.read(SAMPLE_BYTES)
    lines = raw.decode("utf-8", errors="replace").splitlines()
    if len(raw) == SAMPLE_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line may be cut in the middle
    if not lines:
        return default
    if len(next(csv.reader(lines[:1], delimiter=default), [])) > 1:
        return default
    try:
        return csv.Sniffer().sniff("\n".join(lines[:50]), delimiters=CANDIDATES).delimiter
    except csv.Error:  # one column, or no consistent delimiter
        return default


def read_table(path: Path, pd, sep: str | None = None) -> tuple[Any, str]:
    """The table at ``path`` as a DataFrame (one row per example) and the delimiter used."""
    sep = check_sep(sep) or find_sep(path, TABLE_SUFFIXES.get(path.suffix.lower(), ","))
    options: dict[str, Any] = {"sep": sep}
    if sep == ";":
        options["decimal"] = ","  # "1,5;2": the locale that writes ';' writes decimal commas
    how = f"read with delimiter {describe_sep(sep)}"
    try:
        frame = pd.read_csv(path, **options)
    except pd.errors.EmptyDataError as err:
        raise ValueError(f"{path.name} is empty.") from err
    except UnicodeDecodeError as err:
        raise ValueError(f"{path.name} is not a UTF-8 text table: {err.reason}.") from err
    except pd.errors.ParserError as err:
        detail = " ".join(str(err).split()).removeprefix("Error tokenizing data. C error: ")
        raise ValueError(
            f"{path.name} ({how}) is not a regular table: {detail}. Hint: check the quotes "
            "on that line, or choose the delimiter with sep=."
        ) from err
    frame.columns = [str(c) for c in frame.columns]
    return frame, how


def split_hint(columns: list[str], sep: str | None = None) -> str:
    """`` Hint: ...`` for a table that looks read with the wrong delimiter (one column whose
    name holds another candidate delimiter); empty when the table looks fine."""
    if len(columns) != 1:
        return ""
    found = [c for c in CANDIDATES if c in columns[0] and c != sep]
    if not found:
        return ""
    return (
        f" Hint: its one column {columns[0]!r} holds {describe_sep(found[0])}: pass "
        f"sep={found[0]!r}."
    )
