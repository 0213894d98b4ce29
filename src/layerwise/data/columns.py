"""What each raw feature column is (number, date, category) and every problem of a table at once.

:func:`column_kinds` reads the training rows once and sorts their columns; a column that
cannot be used as it is (gaps while ``missing="refuse"``, an identifier or free text, numbers
mixed with text, no value at all, infinities) becomes a :class:`Problem`, and all of them are
raised together in one :class:`TableError`, each with its fix, so that a user fixes a
table in one run rather than one column per run.

Dates: a text column whose every value is an ISO date or date-time (``2024-03-01``,
``2024-03-01T12:30``, ``2024-03-01 12:30:05``; no time zone), or a ``datetime64`` column, is
a date column. It becomes :data:`DATE_PARTS` numeric features: the days since 1970-01-01 as a
float (the time of day is its fraction: trends and ages), the month 1-12 (seasons) and the day
of the week 0-6, Monday 0 (weekly patterns); they are then imputed and standardized as the
numeric columns are.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .frames import parse_numbers
from .tasks import _sorted, is_numeric

Array = np.ndarray
#: the numeric features of one date column, in order
DATE_PARTS = ("days", "month", "weekday")
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?)?")
_DAY_S = 86_400  # seconds in a day
MISSING_CHOICES = ("impute", "refuse")
UNSEEN_CHOICES = ("ignore", "error")


def check_min_frequency(value):
    """``min_frequency``: None (off) or an integer >= 1."""
    if value is not None and (isinstance(value, bool) or not isinstance(value, int | np.integer)):
        raise TypeError(f"min_frequency must be an integer or None, got {value!r}.")
    if value is not None and value < 1:
        raise ValueError(
            f"min_frequency must be >= 1 (a count of training rows), got {value}. Hint: "
            "min_frequency=None keeps every category."
        )
    return None if value is None else int(value)


@dataclass(frozen=True)
class Problem:
    """One column that cannot be used as it is: what is wrong, and the fix."""

    column: str
    what: str
    fix: str

    def __str__(self) -> str:
        return f"column {self.column!r} {self.what}. Hint: {self.fix}."


class TableError(ValueError):
    """Every problem of a table at once (a ValueError): ``problems`` lists them."""

    def __init__(self, problems: list[Problem], where: str = "the data") -> None:
        self.problems = list(problems)
        if len(problems) == 1:
            text = str(problems[0])
        else:
            listed = "; ".join(f"({i}) {p}" for i, p in enumerate(problems, 1))
            text = f"{len(problems)} columns of {where} cannot be used as they are: {listed}"
        super().__init__(text)


def gap_problem(column: str, count: int) -> Problem:
    return Problem(
        column,
        f"has {count} missing/NaN values",
        "missing='impute' fills them (median or most frequent value, plus a 0/1 indicator), "
        "or fill or drop those rows first",
    )


def is_date_column(column) -> bool:
    """Whether a column holds ISO dates or date-times only (gaps aside), or is ``datetime64``."""
    from pandas.api import types

    if types.is_datetime64_any_dtype(column.dtype):
        return getattr(column.dtype, "tz", None) is None
    values = column.dropna()
    if not len(values) or not all(isinstance(v, str) for v in values):
        return False
    return all(_ISO.fullmatch(v.strip()) for v in values)


def date_features(column) -> Array:
    """A date column ``(m,)`` -> ``(m, 3)`` float64: days since 1970-01-01, month, weekday;
    NaN where the value is missing. A value that is not an ISO date is refused."""
    import pandas as pd

    if pd.api.types.is_datetime64_any_dtype(column.dtype):
        stamps = pd.DatetimeIndex(column)
    else:
        text = column.astype(object).where(column.notna(), None)
        try:
            stamps = pd.DatetimeIndex(pd.to_datetime(text, format="ISO8601"))
            bad = [v for v in text if v is not None and not _ISO.fullmatch(str(v).strip())]
        except (ValueError, TypeError):
            bad = [v for v in text if v is not None and not _is_date(v, pd)]
        if bad:
            raise ValueError(
                f"column {column.name!r} holds dates, but not {bad[0]!r}: dates must be ISO "
                "(2024-03-01 or 2024-03-01T12:30). Hint: fix that value."
            )
    gap = np.asarray(stamps.isna())  # (m,)
    # seconds reach from year 1 to 9999 (nanoseconds stop at 2262); NaT reads as the smallest int
    seconds = stamps.as_unit("s").asi8.astype(np.float64)
    out = np.column_stack([seconds / _DAY_S, stamps.month, stamps.day_of_week]).astype(np.float64)
    out[gap] = np.nan
    return out  # (m, 3)


def _is_date(value, pd) -> bool:
    """Whether one value is an ISO date or date-time that exists."""
    if not isinstance(value, str) or not _ISO.fullmatch(value.strip()):
        return False
    try:
        pd.to_datetime(value, format="ISO8601")
    except (ValueError, TypeError):
        return False
    return True


@dataclass
class Kinds:
    """The feature columns sorted: numeric, dates, categories (sorted, with their counts)."""

    numeric: list[str]
    dates: list[str]
    categorical: dict[str, dict[str, int]]


def column_kinds(features, missing: str) -> Kinds:
    """Sort the columns of ``features (m, n)``; raise :class:`TableError` listing every
    column that cannot be used as it is."""
    kinds, problems = Kinds([], [], {}), []
    m, counts = len(features), features.isna().sum().to_numpy()  # (n,) gaps per column
    numeric = np.array([is_numeric(dtype) for dtype in features.dtypes], dtype=bool)  # (n,)
    infinite = np.zeros(len(numeric), dtype=np.int64)  # (n,) one pass over a wide table
    infinite[numeric] = np.isinf(features.iloc[:, numeric].to_numpy(np.float64)).sum(axis=0)
    for i, (name, column) in enumerate(features.items()):
        name, gaps = str(name), int(counts[i])
        if gaps == m:
            problems.append(Problem(name, f"has no values (all {m} missing)", f"drop={name!r}"))
            continue
        if gaps and missing == "refuse":
            problems.append(gap_problem(name, gaps))
        if infinite[i]:
            problems.append(
                Problem(name, f"has {infinite[i]} infinite values", "fix or drop those rows")
            )
        elif numeric[i]:
            kinds.numeric.append(name)
        elif (problem := _sort_text(kinds, name, column)) is not None:
            problems.append(problem)
    if problems:
        raise TableError(problems, "the training data")
    return kinds


def _sort_text(kinds: Kinds, name: str, column) -> Problem | None:
    """Put a column that is not numeric among dates or categories, or say why it cannot be."""
    if is_date_column(column):
        kinds.dates.append(name)
        return None
    _, row = parse_numbers(column)  # all numbers as text: categories, as any text
    if row is not None:  # mostly numbers: the text is an error, not a category
        return Problem(
            name,
            f"mixes numbers and text (row {row + 1}: {column.iloc[row]!r}): features must be "
            "numeric or categories",
            "fix that value",
        )
    values = column.dropna().astype(str)
    counts = values.value_counts()
    if len(counts) > 100 or (len(counts) > 20 and len(counts) > len(column) / 2):
        return Problem(
            name,
            f"holds {len(counts)} distinct texts in {len(column)} rows: an identifier or free "
            "text, not a category",
            f"leave it out (drop={name!r})",
        )
    kinds.categorical[name] = {c: int(counts[c]) for c in _sorted(list(counts.index))}
    return None
