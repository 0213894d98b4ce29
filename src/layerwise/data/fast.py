"""Raw columns -> ``X (n_x, m)`` in NumPy: what :meth:`Preprocessor.transform` computes, with
pandas out of the loop.

:meth:`~layerwise.data.Preprocessor.transform` selects, masks and converts through pandas, a
dozen DataFrame operations per column: at one row that is milliseconds for microseconds of
arithmetic. Here each column is read once as a NumPy array (``frame[name].to_numpy()``, or
the values of a dict of columns) and every block is written with the reference's formulas,
so ``X`` is the same, bit for bit (the tests compare them on every kind of column):

- numbers: converted to float64, infinities refused, gaps filled by the training medians
  (:func:`.imputation.imputed`), then ``(x - μ) / σ`` through the same ``Standardizer`` (or
  ``/ 255``): elementwise operations, whose result does not depend on the layout;
- dates: :func:`.columns.date_features` of the column;
- text: the one-hot block from a table lookup (``pandas.factorize``, then one dict lookup of
  ``str(value)`` per distinct value) instead of comparing every value with every category.

:func:`columns_of` returns None for what it does not read exactly as pandas would (a numeric
column of objects, a column of an extension type) and for tables of more than 256 feature
columns (images: one pandas conversion beats a loop over the columns); :func:`transform` then
takes the reference path.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from . import imputation as imp
from .columns import date_features
from .frames import import_pandas

Array = np.ndarray
_FEW_ROWS = 64  # a DataFrame up to this many rows is read in one conversion
_MANY_COLUMNS = 256  # wider tables take the reference path


def transform(pre, data, dtype: Any = np.float64) -> Array:
    """``X (n_x, m)`` of raw data: a DataFrame, a mapping of column name -> values, one row (a
    mapping of column name -> value) or a list of rows, as :meth:`Preprocessor.transform` of
    that data as a DataFrame (which runs where :func:`columns_of` cannot read a column)."""
    if isinstance(data, Mapping) and all(np.ndim(v) == 0 for v in data.values()):
        data = [data]  # one row: a mapping of column name -> value
    if isinstance(data, list | tuple):
        data = _columns_of_rows(data)
    names = [str(c) for c in data.columns] if hasattr(data, "columns") else [str(c) for c in data]
    expected = pre.check_columns(names)
    columns = columns_of(pre, data)
    if columns is None:
        frame = data if hasattr(data, "columns") else import_pandas().DataFrame(data)
        return pre.transform(frame, dtype)
    order = names if len(names) == len(expected) else expected  # the reference's gap report
    return transform_columns(pre, columns, order, dtype)


def columns_of(pre, data) -> dict[str, Array] | None:
    """The model's feature columns of ``data`` (a DataFrame or a mapping of name -> values,
    whose columns were checked) as 1-D arrays of one length (a pandas text column of many rows:
    its own array, whose fill and hashing skip a conversion to objects), or None where the path
    cannot read them as pandas would (objects in a numeric column, an extension type)."""
    pd = import_pandas()
    if len(pre.numeric) + len(pre.dates) + len(pre.categorical) > _MANY_COLUMNS:
        return None  # images, wide tables: pandas converts them in one call, not one per column
    keys = data.columns if hasattr(data, "columns") else list(data)
    if not hasattr(data, "columns"):  # pandas lines Series up by their index, not by position
        indexes = [v.index for v in data.values() if isinstance(v, pd.Series)]
        if any(not ix.equals(indexes[0]) for ix in indexes[1:]):
            return None
    raw = {str(c): c for c in keys}
    if hasattr(data, "columns") and len(data) <= _FEW_ROWS:
        data = _frame_columns(data)  # one conversion: a column selection costs more than a row
    out: dict[str, Array] = {}
    for name in [*pre.numeric, *pre.dates, *pre.categorical]:
        values = data[raw[name]]
        kind = getattr(values, "dtype", None)
        if kind is not None and not isinstance(kind, np.dtype | pd.StringDtype):
            return None  # nullable numbers, categoricals, time zones: pandas' own path
        if isinstance(kind, pd.StringDtype) and hasattr(values, "array"):
            array = values.array  # pandas' text array: NA-aware fill and hashing of its own
        elif hasattr(values, "to_numpy"):
            array = values.to_numpy()
        elif kind is not None or name in pre.numeric:
            array = np.asarray(values)
        else:  # a list of text: objects, so that a gap stays a gap (NumPy would write "nan")
            array = np.asarray(values, dtype=object)
        if array.ndim != 1 or (name in pre.numeric and array.dtype.kind not in "biuf"):
            return None
        out[name] = array
    if len({len(a) for a in out.values()}) > 1:
        return None
    return out


def _frame_columns(frame) -> dict[Any, Any]:
    """A few rows of a DataFrame as a mapping of column -> values, in one conversion: each
    column ``frame[name]`` at one row costs tens of microseconds, ``to_numpy`` once does not.
    A column of NumPy type keeps its type (its values converted back from objects: exact for
    numbers and text); any other column stays a pandas column."""
    pd = import_pandas()
    values = frame.to_numpy(dtype=object)  # (m, n_columns)
    out: dict[Any, Any] = {}
    for j, (name, kind) in enumerate(frame.dtypes.items()):
        if isinstance(kind, np.dtype) and kind.kind in "biufO":
            out[name] = values[:, j].astype(kind)
        elif isinstance(kind, pd.StringDtype):  # text: str objects, gaps as pandas' NA value
            out[name] = values[:, j]
        else:
            out[name] = frame[name]
    return out


def _columns_of_rows(rows) -> dict[str, list]:
    """Rows (mappings) -> columns, as ``pandas.DataFrame(rows)`` reads them: every key seen,
    in the order first seen; a key a row lacks is a gap (None)."""
    names = list(dict.fromkeys(key for row in rows for key in row))
    return {name: [row.get(name) for row in rows] for name in names}


def transform_columns(pre, columns: Mapping[str, Array], order: list[str], dtype: Any) -> Array:
    """``X (n_x, m)`` of the columns :func:`columns_of` read (``order``: the data's column
    order, for the report); sets ``pre.report`` as :meth:`Preprocessor.transform` does."""
    pd = import_pandas()
    m = len(next(iter(columns.values()))) if columns else 0
    gap = {name: pd.isna(columns[name]) for name in order}  # (m,) each
    found = {name: int(g.sum()) for name, g in gap.items() if g.any()}
    imp.check_gaps(pre, found)
    rows = np.empty((m, pre.n_x), dtype=dtype)  # (m, n_x)
    offset = pre.n_scaled + len(pre.indicators)
    rows[:, : pre.n_scaled] = imp.numeric_block(pre, _numbers(pre, columns, m))  # (m, n_scaled)
    for j, name in enumerate(pre.indicators):
        rows[:, pre.n_scaled + j] = gap[name]
    unseen = _encode(pre, columns, gap, rows, offset)
    pre.report = {"imputed": found, "unseen": unseen}
    return rows.T  # (n_x, m)


def _numbers(pre, columns: Mapping[str, Array], m: int) -> Array:
    """:func:`.imputation.raw_numbers` of the columns: ``(m, n_numeric + 3 n_dates)``."""
    pd = import_pandas()
    A = np.empty((m, len(pre.numeric)), dtype=np.float64)
    for j, name in enumerate(pre.numeric):
        A[:, j] = columns[name]
    imp.check_no_infinity(pre, A)
    if not pre.dates:
        return A
    dates = [date_features(pd.Series(columns[name], name=name)) for name in pre.dates]
    return np.hstack([A, *dates])


def _encode(pre, columns, gap, rows: Array, offset: int) -> dict[str, int]:
    """:func:`.imputation.encode_categories` by lookup: one-hot blocks written into ``rows``
    from ``offset``, the count of unseen values per column returned (or refused)."""
    pd = import_pandas()
    unseen, first = {}, {}
    m = rows.shape[0]
    for name, categories in pre.categorical.items():
        width = imp.category_width(pre, name)
        rows[:, offset : offset + width] = 0.0
        values, fill = columns[name], name in pre.modes and gap[name].any()
        if not isinstance(values, np.ndarray):  # a pandas text array (see columns_of)
            values = values.fillna(pre.modes[name]) if fill else values
        else:
            values = np.asarray(values, dtype=object)
            values = np.where(gap[name], pre.modes[name], values) if fill else values
        index = {c: i for i, c in enumerate(categories)}  # compared as str(value), as the
        index |= dict.fromkeys(pre.infrequent.get(name, ()), len(categories))  # reference
        # pandas' hashing takes 1, 1.0 and True for one value where str() tells them apart: it
        # groups text only; a few rows, or a column of mixed types, are looked up one by one.
        text = m > 16 and pd.api.types.infer_dtype(values, skipna=True) in ("string", "empty")
        if not text:
            codes = np.array([index.get(str(v), -1) for v in values.tolist()], dtype=np.intp)
        else:  # one lookup per distinct value
            found, distinct = pd.factorize(values, use_na_sentinel=False)
            lookup = np.array([index.get(str(v), -1) for v in distinct.tolist()], dtype=np.intp)
            codes = lookup[found]
        known = codes >= 0  # (m,)
        rows[np.flatnonzero(known), offset + codes[known]] = 1.0
        if not known.all():
            unseen[name] = int((~known).sum())
            first[name] = str(values[np.flatnonzero(~known)[0]])
        offset += width
    imp.check_unseen(pre, unseen, first)
    return unseen
