"""The task a target asks for, and its class labels: binary, multi-class, multi-label or
regression (each task's output activation and loss are in :data:`layerwise.outputs.TASKS`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._validation import check_choice
from ..outputs import TASKS
from .frames import check_no_missing

Array = np.ndarray
MAX_CLASSES_AUTO = 20  # more distinct integers than this: auto picks regression


def _python(x: Any) -> Any:
    """A NumPy/pandas scalar as a JSON-ready Python value (integral floats become ints)."""
    x = x.item() if hasattr(x, "item") else x
    if isinstance(x, float) and x.is_integer():
        return int(x)
    return x


def _sorted(values: list) -> list:
    try:
        return sorted(values)
    except TypeError:  # mixed types: order by text
        return sorted(values, key=str)


def class_labels(target) -> list:
    """The distinct labels of the target frame's first column ``(m, k)``, sorted, as
    JSON-ready Python values (integral floats become ints; mixed types are ordered by text)."""
    return _sorted([_python(v) for v in target.iloc[:, 0].unique()])


def is_numeric(dtype) -> bool:
    from pandas.api import types

    return types.is_bool_dtype(dtype) or types.is_numeric_dtype(dtype)


def infer_task(target, task: str = "auto") -> str:
    """Pick (or check) the task for a target frame ``(m, k)``.

    ``auto``: several columns → multilabel (0/1 values) or regression; one column: two labels
    (text, booleans or integers) → binary; text, or at most 20 distinct integers → multiclass;
    other numbers → regression. A class needs a label, so a one-column target of numbers
    that are not whole (``1.5, 2.7``) is regression even with two values.

    A task that does not fit the target is refused, saying what to use instead:
    ``binary``/``multiclass`` with several columns, ``multiclass`` on more than 20 classes that
    look like a measurement (numbers that are not whole) or an identifier (more classes than
    half the rows).
    """
    check_choice("task", task, ("auto", *TASKS))
    check_no_missing(target)
    numeric = all(is_numeric(dtype) for dtype in target.dtypes)
    if task in ("binary", "multiclass") and target.shape[1] > 1:
        raise ValueError(
            f"task={task!r} needs one target column; got {target.shape[1]}: "
            f"{list(map(str, target.columns))}. Hint: name one column with target=, or use "
            "task='multilabel' (one 0/1 column per label) or task='regression'."
        )
    if task in ("regression", "multilabel") or target.shape[1] > 1:
        return _columns_task(target, task, numeric)
    return _classes_task(target, task)


def _columns_task(target, task: str, numeric: bool) -> str:
    """Regression, or multilabel: the task asked for, or several columns with ``auto``."""
    if task == "regression" or (task == "auto" and numeric):
        if not numeric:
            raise ValueError(
                f"task='regression' needs a numeric target; {list(target.columns)} holds text."
            )
        if task == "auto" and _is_binary_matrix(target):
            return "multilabel"
        return "regression"
    if not (numeric and _is_binary_matrix(target)):
        raise ValueError(
            f"a multi-label target must hold only 0/1 values, one column per label; "
            f"got columns {list(target.columns)}."
        )
    return "multilabel"


def _classes_task(target, task: str) -> str:
    """The task of one target column: binary or multiclass (checked), or what ``auto`` picks."""
    column = target.iloc[:, 0]
    name = str(target.columns[0])
    classes = class_labels(target)
    if len(classes) < 2:  # (regression returned above)
        raise ValueError(
            f"target {name!r} has only one class ({classes[0]!r}): a classifier needs at least "
            "two. Hint: check target=."
        )
    if task == "binary" and len(classes) != 2:
        raise ValueError(
            f"task='binary' needs exactly 2 classes; target {name!r} has {len(classes)}. "
            "Hint: use task='multiclass'."
        )
    integral = all(isinstance(c, int | bool) for c in classes)
    if task == "multiclass" and len(classes) > MAX_CLASSES_AUTO:
        _check_many_classes(column, name, classes, integral)
    if task != "auto":
        return task
    if is_numeric(column.dtype) and not integral:
        return "regression"  # 1.5 and 2.7 are measurements, not labels
    if len(classes) == 2:
        return "binary"
    if not is_numeric(column.dtype):
        return "multiclass"
    return "multiclass" if len(classes) <= MAX_CLASSES_AUTO else "regression"


def _check_many_classes(column, name: str, classes: list, integral: bool) -> None:
    """Refuse ``multiclass`` on classes that look like a measurement or an identifier."""
    continuous = is_numeric(column.dtype) and not integral
    if continuous or len(classes) > len(column) / 2:
        what = "numbers that are not whole" if continuous else "mostly distinct values"
        raise ValueError(
            f"task='multiclass' would make {len(classes)} classes of target {name!r} "
            f"({what} in {len(column)} rows, e.g. {classes[0]!r}, {classes[1]!r}): a "
            "measurement or an identifier, not classes. Hint: use task='regression' for a "
            "quantity, or check target=."
        )


def _is_binary_matrix(target) -> bool:
    """Whether a target frame ``(m, k)`` holds only 0 and 1."""
    return _is_binary(target.to_numpy(dtype=np.float64))


def _is_binary(values: Array) -> bool:
    return bool(np.all((values == 0) | (values == 1)))
