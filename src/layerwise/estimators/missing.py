"""The estimators' ``missing="impute"``: NaN in ``X`` filled as scikit-learn's
``SimpleImputer(strategy="median", add_indicator=True)`` fills it.

Fitted on the first ``fit`` (a warm start or ``partial_fit`` keeps it): each column's median
of its present values (0 for a column with no value), and the columns that had NaN, each of
which gets a 0/1 indicator input after the ``n_features_in_`` columns. A column without NaN in
training that has one later is filled too, without indicator. The network's ``n_x`` is
``n_features_in_ + len(indicator_features_)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .. import _validation as v

Array = np.ndarray


def fit_imputer(est, X: Array) -> None:
    """``imputer_medians_ (n_features,)`` or None, ``indicator_features_`` (column indices)."""
    gap = np.isnan(X)  # (m, n_features)
    est.imputer_medians_, est.indicator_features_ = None, np.zeros(0, dtype=np.int64)
    if est.missing != "impute":
        return
    present = ~gap.all(axis=0)
    medians = np.zeros(X.shape[1], dtype=np.float64)
    if present.any():
        medians[present] = np.nanmedian(X[:, present].astype(np.float64), axis=0)
    est.imputer_medians_ = medians
    est.indicator_features_ = np.flatnonzero(gap.any(axis=0)).astype(np.int64)


def imputed_inputs(est, X: Array) -> Array:
    """Rows ``X (m, n_features)`` -> the network's rows ``(m, n_x)``: gaps filled, indicators
    appended (``X`` itself without imputation)."""
    medians = getattr(est, "imputer_medians_", None)
    if medians is None:
        return X
    gap = np.isnan(X)
    filled = np.where(gap, medians.astype(X.dtype)[None, :], X) if gap.any() else X
    if not est.indicator_features_.size:
        return np.ascontiguousarray(filled)
    indicators = gap[:, est.indicator_features_].astype(X.dtype)
    return np.ascontiguousarray(np.hstack([filled, indicators]))


def imputer_metadata(est) -> dict[str, Any]:
    medians = getattr(est, "imputer_medians_", None)
    return {
        "imputer_medians": None if medians is None else [float(x) for x in medians],
        "indicator_features": [int(i) for i in getattr(est, "indicator_features_", [])],
    }


def restore_imputer(est, meta: dict[str, Any], n_x: int) -> int:
    """The imputer from a saved header (absent: none); returns ``n_features_in_``."""
    medians = meta.get("imputer_medians")
    indicators = meta.get("indicator_features", [])
    v.expect(
        isinstance(indicators, list)
        and all(type(i) is int and 0 <= i < n_x for i in indicators)
        and (medians is not None or not indicators),
        "indicator_features",
        "column indices (with imputer_medians)",
        indicators,
    )
    n_features = n_x - len(indicators)
    if medians is not None:
        medians = v.numbers(medians, "imputer_medians")
        v.expect(len(medians) == n_features, "imputer_medians", f"{n_features} numbers", medians)
        medians = np.array(medians, dtype=np.float64)
    est.imputer_medians_ = medians
    est.indicator_features_ = np.array(indicators, dtype=np.int64)
    return n_features
