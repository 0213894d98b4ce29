"""Metrics: accuracy, precision/recall/F1 per class, confusion matrix, MSE/MAE/R².

Labels are vectors of ``m`` entries (any shape that ravels to ``(m,)``, e.g. the ``(1, m)`` that
``Network.predict`` returns for softmax). The log loss is the network's own cost
(:meth:`layerwise.Network.cost`, see :func:`layerwise.reporting.evaluate_split`).
Small, exact NumPy formulas, checked against ``sklearn.metrics`` in the tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

Array = np.ndarray


def _labels_pair(y_true: Any, y_pred: Any) -> tuple[Array, Array]:
    y_true, y_pred = np.asarray(y_true).reshape(-1), np.asarray(y_pred).reshape(-1)
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"y_true and y_pred must hold the same number of examples, got {y_true.size} and "
            f"{y_pred.size}."
        )
    if y_true.size == 0:
        raise ValueError(
            "y_true and y_pred must hold at least one example, got 0. "
            "Hint: check that the split or the filter left examples to score."
        )
    return y_true, y_pred


def accuracy(y_true: Any, y_pred: Any) -> float:
    """Fraction of examples with ``y_pred == y_true``: (1/m) Σ 1[ŷ_i = y_i]."""
    y_true, y_pred = _labels_pair(y_true, y_pred)
    return float(np.mean(y_true == y_pred))


def confusion_matrix(y_true: Any, y_pred: Any, labels: Sequence[Any] | None = None) -> Array:
    """``C (k, k)`` with ``C[i, j]`` = examples of class ``labels[i]`` predicted ``labels[j]``.

    ``labels`` defaults to the sorted union of both vectors; predictions outside ``labels`` are
    not counted (as in scikit-learn).
    """
    y_true, y_pred = _labels_pair(y_true, y_pred)
    labels = _labels_of(y_true, y_pred, labels)
    k = labels.size
    t, p = _index_of(labels, y_true), _index_of(labels, y_pred)  # (m,), -1 when not in labels
    keep = (t >= 0) & (p >= 0)
    # one bincount over the flattened (true, predicted) pair index
    return np.bincount(t[keep] * k + p[keep], minlength=k * k).reshape(k, k)


def _labels_of(y_true: Array, y_pred: Array, labels: Sequence[Any] | None) -> Array:
    """``labels (k,)`` as given, or the sorted union of both label vectors."""
    return np.unique(np.concatenate([y_true, y_pred])) if labels is None else np.asarray(labels)


def _index_of(labels: Array, y: Array) -> Array:
    """Position of each entry of ``y`` in ``labels`` (-1 when absent), without a Python loop."""
    if labels.size == 0:
        return np.full(y.shape, -1, dtype=np.int64)
    sorter = np.argsort(labels, kind="stable")
    pos = np.clip(np.searchsorted(labels, y, sorter=sorter), 0, labels.size - 1)
    index = sorter[pos]
    return np.where(labels[index] == y, index, -1)


def precision_recall_f1(
    y_true: Any, y_pred: Any, labels: Sequence[Any] | None = None
) -> dict[str, Array]:
    """Per class: precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2PR / (P + R).

    Returns ``{"labels", "precision", "recall", "f1", "support"}``, each of shape ``(k,)``.
    A ratio with a zero denominator is 0 (scikit-learn's ``zero_division=0``).
    """
    y_true, y_pred = _labels_pair(y_true, y_pred)
    labels = _labels_of(y_true, y_pred, labels)
    return _prf(confusion_matrix(y_true, y_pred, labels), labels)


def _prf(C: Array, labels: Array) -> dict[str, Array]:
    """``precision_recall_f1`` from the confusion matrix ``C (k, k)`` of ``labels (k,)``."""
    tp = np.diag(C).astype(np.float64)
    predicted, support = C.sum(axis=0), C.sum(axis=1)
    precision = np.divide(tp, predicted, out=np.zeros_like(tp), where=predicted > 0)
    recall = np.divide(tp, support, out=np.zeros_like(tp), where=support > 0)
    total = precision + recall
    f1 = np.divide(2 * precision * recall, total, out=np.zeros_like(tp), where=total > 0)
    return {
        "labels": labels,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "support": support,
    }


def _values_pair(y_true: Any, y_pred: Any) -> tuple[Array, Array]:
    y_true, y_pred = _labels_pair(y_true, y_pred)
    return y_true.astype(np.float64), y_pred.astype(np.float64)


def mean_squared_error(y_true: Any, y_pred: Any) -> float:
    """MSE = (1/m) Σ (ŷ_i - y_i)²."""
    y_true, y_pred = _values_pair(y_true, y_pred)
    return float(np.mean((y_pred - y_true) ** 2))


def mean_absolute_error(y_true: Any, y_pred: Any) -> float:
    """MAE = (1/m) Σ |ŷ_i - y_i|."""
    y_true, y_pred = _values_pair(y_true, y_pred)
    return float(np.mean(np.abs(y_pred - y_true)))


def r2_score(y_true: Any, y_pred: Any) -> float:
    """R² = 1 - Σ (y_i - ŷ_i)² / Σ (y_i - ȳ)²; for constant y: 1 if exact, else 0."""
    y_true, y_pred = _values_pair(y_true, y_pred)
    residual = np.sum((y_true - y_pred) ** 2)
    total = np.sum((y_true - y_true.mean()) ** 2)
    if total == 0:
        return 1.0 if residual == 0 else 0.0
    return float(1 - residual / total)


def classification_report(
    y_true: Any,
    y_pred: Any,
    labels: Sequence[Any] | None = None,
    names: Sequence[Any] | None = None,
) -> dict[str, Any]:
    """JSON-ready: accuracy, per-class precision/recall/F1/support, macro F1, confusion matrix.

    ``names`` are display names for ``labels`` (e.g. class names for class indices). The table
    lists every label; macro F1 averages over the labels present in ``y_true`` or ``y_pred``
    (scikit-learn's ``f1_score(average="macro")``), so a class that appears in neither does not
    count as F1 = 0.
    """
    y_true, y_pred = _labels_pair(y_true, y_pred)
    labels = _labels_of(y_true, y_pred, labels)
    C = confusion_matrix(y_true, y_pred, labels)  # (k, k), counted once for all the figures
    prf = _prf(C, labels)
    names = [_plain(x) for x in (prf["labels"] if names is None else names)]
    if len(names) != len(prf["labels"]):
        raise ValueError(f"names must name {len(prf['labels'])} labels, got {len(names)}.")
    per_class = {
        str(name): {key: _plain(prf[key][i]) for key in ("precision", "recall", "f1", "support")}
        for i, name in enumerate(names)
    }
    return {
        "accuracy": accuracy(y_true, y_pred),
        "macro_f1": _macro(prf, C),
        "per_class": per_class,
        "labels": names,
        "confusion_matrix": C.tolist(),
    }


def macro_f1(y_true: Any, y_pred: Any) -> float:
    """Mean F1 over the labels present in ``y_true`` or ``y_pred`` (scikit-learn's macro F1)."""
    y_true, y_pred = _labels_pair(y_true, y_pred)
    labels = _labels_of(y_true, y_pred, None)
    C = confusion_matrix(y_true, y_pred, labels)
    return _macro(_prf(C, labels), C)


def _macro(prf: dict[str, Array], C: Array) -> float:
    """Mean F1 over the labels with a true or a predicted example (rows or columns of C)."""
    present = (C.sum(axis=1) > 0) | (C.sum(axis=0) > 0)
    return float(np.mean(prf["f1"][present])) if present.any() else 0.0


def regression_report(y_true: Any, y_pred: Any) -> dict[str, float]:
    """JSON-ready: ``{"mse", "mae", "r2"}``."""
    return {
        "mse": mean_squared_error(y_true, y_pred),
        "mae": mean_absolute_error(y_true, y_pred),
        "r2": r2_score(y_true, y_pred),
    }


def _plain(x: Any) -> Any:
    """NumPy scalar -> Python scalar (for JSON)."""
    return x.item() if isinstance(x, np.generic) else x
