"""The Preprocessor's blocks of ``X``: numbers and dates (imputed), gap indicators, categories.

The rows ``(m, n_x)`` a :class:`layerwise.data.Preprocessor` makes are, left to right:

1. the numeric columns, then :data:`~layerwise.data.columns.DATE_PARTS` per date column, with
   a gap replaced by the training median of that input (``missing="impute"``), then scaled;
2. one 0/1 indicator per column that had gaps in training (1 where the value is missing), as
   scikit-learn's ``SimpleImputer(add_indicator=True)``;
3. per text column, one-hot over its categories (a gap is the training's most frequent
   category), plus one "infrequent" input shared by the categories seen fewer than
   ``min_frequency`` times in training; a category never seen encodes as all zeros.

Each function takes the fitted preprocessor ``pre`` and reads only its fields.
"""

from __future__ import annotations

import numpy as np

from .columns import Problem, TableError, date_features, gap_problem

Array = np.ndarray


def raw_numbers(pre, features) -> Array:
    """The numeric columns and the date parts ``(m, n_numeric + 3 n_dates)``, NaN at gaps;
    an infinite value is refused."""
    A = features[pre.numeric].to_numpy(dtype=np.float64)  # (m, n_numeric)
    check_no_infinity(pre, A)
    if not pre.dates:
        return A
    return np.hstack([A, *(date_features(features[name]) for name in pre.dates)])


def check_no_infinity(pre, A: Array) -> None:
    """Refuse an infinite value in the numeric columns ``A (m, n_numeric)``, naming the first."""
    if np.isfinite(A.sum()):  # one pass, no mask: NaN and ±inf both spoil the sum
        return
    infinite = np.isinf(A)
    if infinite.any():
        row, col = np.argwhere(infinite)[0]
        raise ValueError(
            f"column {pre.numeric[col]!r} has {int(infinite[:, col].sum())} infinite values "
            f"(first at row {row + 1}). Hint: fix or drop those rows first."
        )


def fit_missing(pre, features, A: Array) -> None:
    """Learn the fill values (medians of ``A``, most frequent categories) and which columns
    get an indicator (those with gaps in these training rows)."""
    pre.medians, pre.modes, pre.indicators = [], {}, []
    if pre.missing != "impute":
        return
    pre.medians = [float(x) for x in np.nanmedian(A, axis=0)] if A.shape[1] else []
    for name in pre.categorical:
        values = features[name].dropna().astype(str).value_counts()
        top = values.max()
        pre.modes[name] = min(str(c) for c in values.index[values == top])  # ties: first sorted
    columns = [*pre.numeric, *pre.dates, *pre.categorical]
    gappy = features[columns].isna().any()  # one pass over a wide table
    pre.indicators = [c for c in columns if gappy[c]]


def gaps(pre, features) -> dict[str, int]:
    """Missing values per feature column (those with any), refused unless imputing."""
    counts = features.isna().sum()
    found = {str(c): int(n) for c, n in counts.items() if n}
    check_gaps(pre, found)
    return found


def check_gaps(pre, found: dict[str, int]) -> None:
    """Refuse the gaps ``found`` (missing values per column) unless imputing, every column
    listed in one error."""
    if found and pre.missing != "impute":
        fix = (
            "this model was trained with missing='refuse': fill or drop those rows, or retrain "
            "with missing='impute'"
        )
        raise TableError(
            [Problem(c, gap_problem(c, n).what, fix) for c, n in found.items()], "the data"
        )


def imputed(pre, A: Array) -> Array:
    """``A`` with each gap replaced by its input's training median."""
    gap = np.isnan(A)
    if not gap.any():
        return A
    return np.where(gap, np.asarray(pre.medians, dtype=np.float64)[None, :], A)


def numeric_block(pre, raw: Array) -> Array:
    """``(m, n_scaled)``: the numeric inputs as the network sees them, each gap filled with its
    training median (:func:`imputed`), then standardized (or divided by 255 for pixels)."""
    A = imputed(pre, raw)
    if pre.scaler is not None:
        return pre.scaler.transform(A.T).T
    return A / 255.0 if pre.scaling == "unit" else A


def indicator_block(pre, features) -> Array:
    """``(m, n_indicators)`` 1.0 where the value is missing."""
    return features[pre.indicators].isna().to_numpy(dtype=np.float64)


def category_width(pre, name: str) -> int:
    """Inputs of one text column: its categories, plus one if some were infrequent."""
    return len(pre.categorical[name]) + (1 if pre.infrequent.get(name) else 0)


def encode_categories(pre, features, rows: Array, offset: int) -> dict[str, int]:
    """Write each text column's one-hot block into ``rows (m, n_x)`` from ``offset``; return
    the count of values never seen in training per column (refused with ``unseen="error"``)."""
    unseen, first = {}, {}
    for name, categories in pre.categorical.items():
        column = features[name]
        if name in pre.modes:
            column = column.where(column.notna(), pre.modes[name])
        values = column.astype(str).to_numpy()  # (m,)
        block = values[:, None] == np.asarray(categories, dtype=object)[None, :]
        rows[:, offset : offset + len(categories)] = block  # (m, n_categories) one-hot
        known = block.any(axis=1)  # (m,)
        rare = pre.infrequent.get(name)
        if rare:
            grouped = np.isin(values, np.asarray(rare, dtype=object))
            rows[:, offset + len(categories)] = grouped
            known |= grouped
        offset += category_width(pre, name)
        if not known.all():
            unseen[name] = int((~known).sum())
            first[name] = values[np.flatnonzero(~known)[0]]
    check_unseen(pre, unseen, first)
    return unseen


def check_unseen(pre, unseen: dict[str, int], first: dict[str, str]) -> None:
    """Refuse categories never seen in training (``unseen``: count per column, ``first``: an
    example) when the model says ``unseen="error"``, every column listed in one error."""
    if not unseen or pre.unseen != "error":
        return
    fix = "unseen='ignore' encodes them as all zeros, or fix those values"
    problems = [
        Problem(name, f"has {n} values never seen in training (e.g. {first[name]!r})", fix)
        for name, n in unseen.items()
    ]
    raise TableError(problems, "the data")
