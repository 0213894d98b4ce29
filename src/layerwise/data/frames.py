"""pandas helpers for tables of raw examples (rows): missing values, numbers stored as text."""

from __future__ import annotations

from typing import Any

import numpy as np


def import_pandas():
    """The pandas module, or an ImportError saying how to install it."""
    try:
        import pandas as pd
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("Reading data needs pandas: pip install 'layerwise[data]'.") from err
    return pd


def check_no_missing(frame, where: str = "") -> None:
    """Raise if a column of the DataFrame ``frame (m, n)`` holds a missing value, naming the
    column, the count and the first data row (``where``, e.g. " of data.csv", follows the
    column's name)."""
    missing = frame.isna().to_numpy()  # (m, n)
    if missing.any():
        row, col = np.argwhere(missing)[0]
        raise ValueError(
            f"column {frame.columns[col]!r}{where} has {int(missing[:, col].sum())} missing/NaN "
            f"values (first at data row {row + 1}). Hint: fill or drop those rows first."
        )


def parse_numbers(column) -> tuple[Any, int | None]:
    """A text column of a DataFrame, read as numbers: ``(numbers, None)`` when every value
    parses; ``(None, row)`` when most do, ``row`` (0-based) being the first that does not (a
    typo, not a category); ``(None, None)`` when most do not (a category column)."""
    import pandas as pd

    numbers = pd.to_numeric(column, errors="coerce")  # text that is not a number -> NaN
    present = column.notna().to_numpy()  # (m,) a gap is neither a number nor text
    parsed = numbers.notna().to_numpy() | ~present  # (m,)
    if parsed.all() and present.any():
        return numbers, None
    if present.any() and parsed[present].mean() > 0.5:
        return None, int(np.flatnonzero(~parsed)[0])
    return None, None
