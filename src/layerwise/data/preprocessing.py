"""From a table of raw examples (rows) to the course's ``X (n_x, m)`` and ``Y (n_y, m)``, and back.

A :class:`Preprocessor` is fitted on the training rows and saved with the model (as JSON plus
two arrays, never pickle), so ``predict`` on raw data sees exactly what training saw:

- numeric columns: standardized, x ← (x - μ) / σ per column (σ = 1 for a constant column), or
  divided by 255 for 8-bit images (``scaling="unit"``), or left alone (``"none"``);
- date columns (ISO dates or date-times): days since 1970-01-01, month and weekday, then as
  numeric columns (see :mod:`.columns`);
- gaps (``missing="impute"``, the default): the training median (numbers, dates) or most
  frequent category (text), plus a 0/1 indicator per column that had gaps in training;
  ``missing="refuse"`` refuses them, every column listed in one error (see :mod:`.imputation`);
- text columns: one-hot encoded over the categories seen in training; those seen fewer than
  ``min_frequency`` times share one "infrequent" input; an unseen category encodes as all
  zeros and is counted in :attr:`Preprocessor.report` (``unseen="error"`` refuses it);
- the target: classes → 0/1 (binary), one-hot (multi-class), 0/1 columns (multi-label), or
  standardized values (regression, undone by :meth:`Preprocessor.decode`).

The frames are pandas DataFrames with one row per example (see :mod:`layerwise.readers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validation import check_choice, expect, strings
from ..outputs import TASKS
from . import header as hdr
from . import imputation as imp
from .arrays import Standardizer, one_hot
from .columns import DATE_PARTS, MISSING_CHOICES, UNSEEN_CHOICES, check_min_frequency, column_kinds
from .frames import check_no_missing
from .tasks import _is_binary, _python, class_labels, infer_task

Array = np.ndarray
SCALINGS = ("standardize", "unit", "none")


class Preprocessor:
    """Raw rows ↔ course columns; fitted on training data, saved with the model.

    Parameters
    ----------
    task : {"auto", "binary", "multiclass", "multilabel", "regression"}
    scaling : {"standardize", "unit", "none"}
        For numeric features: (x - μ)/σ, x/255, or as they are.
    dropped : list of str
        Columns of the raw data the model ignores (identifiers, leaks): saved with the model,
        and left out by :meth:`transform` where present.
    missing : {"impute", "refuse"}
        Gaps filled (median / most frequent, plus indicators) or refused.
    unseen : {"ignore", "error"}
        A category never seen in training: all zeros (counted in ``report``) or an error.
    min_frequency : int or None
        Categories seen fewer times than this in training share one "infrequent" input.

    Attributes
    ----------
    report : dict
        After :meth:`transform`: ``{"imputed": {column: count}, "unseen": {column: count}}``.

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "color": ["red", "blue", "red", "red"]})
    >>> pre = Preprocessor().fit(rows, pd.DataFrame({"y": ["a", "b", "a", "b"]}))
    >>> pre.transform(rows).shape, pre.task, pre.classes
    ((3, 4), 'binary', ['a', 'b'])
    """

    def __init__(
        self,
        task: str = "auto",
        scaling: str = "standardize",
        dropped: Sequence[str] = (),
        *,
        missing: str = "impute",
        unseen: str = "ignore",
        min_frequency: int | None = None,
    ) -> None:
        self.task, self.scaling = task, check_choice("scaling", scaling, SCALINGS)
        self.dropped: list[str] = [str(c) for c in dropped]
        self.missing = check_choice("missing", missing, MISSING_CHOICES)
        self.unseen = check_choice("unseen", unseen, UNSEEN_CHOICES)
        self.min_frequency = check_min_frequency(min_frequency)
        self.numeric: list[str] = []
        self.dates: list[str] = []
        self.categorical: dict[str, list[str]] = {}
        self.infrequent: dict[str, list[str]] = {}  # per text column: its grouped categories
        self.medians: list[float] = []  # per scaled input (numeric, date parts): the fill
        self.modes: dict[str, str] = {}  # per text column: the fill
        self.indicators: list[str] = []  # columns with a 0/1 missing-indicator input
        self.report: dict[str, dict[str, int]] = {"imputed": {}, "unseen": {}}
        self.scaler: Standardizer | None = None  # numeric features, mean/scale (n_numeric, 1)
        self.target_names: list[str] = []
        self.classes: list | None = None
        self.target_scaler: Standardizer | None = None  # regression, mean/scale (k, 1)
        self.image: dict | None = None

    # ----- fitting -------------------------------------------------------------------------
    def fit(self, features, target=None, *, classes: list | None = None, image=None):
        """Learn the columns, scaling, categories and classes from training rows:
        ``features`` a DataFrame (m, columns), ``target`` a DataFrame (m, k)."""
        self.numeric, self.categorical, self.image = [], {}, image
        if target is not None and (both := set(self.dropped) & {str(c) for c in target.columns}):
            raise ValueError(
                f"column {sorted(both)[0]!r} is both the target and dropped. Hint: remove it "
                "from dropped=."
            )
        features = features.drop(columns=[c for c in self.dropped if c in features.columns])
        kinds = column_kinds(features, self.missing)  # every problem of the table at once
        self.numeric, self.dates, self.infrequent = kinds.numeric, kinds.dates, {}
        self.categorical = {}
        for name, counts in kinds.categorical.items():  # counts in sorted category order
            rare = [c for c, n in counts.items() if n < (self.min_frequency or 0)]
            self.categorical[name] = [c for c in counts if c not in rare]
            if rare:
                self.infrequent[name] = rare
        features.columns = [str(c) for c in features.columns]
        A = imp.raw_numbers(self, features)  # (m, n_numeric + 3 n_dates), NaN at gaps
        imp.fit_missing(self, features, A)
        A = imp.imputed(self, A)
        self.scaler = None
        if self.scaling == "standardize" and A.shape[1]:
            self.scaler = Standardizer().fit(A.T)  # σ = 1 for a constant column
        if target is not None:
            self._fit_target(target, classes)
        return self

    def _fit_target(self, target, classes: list | None) -> None:
        self.target_names = [str(c) for c in target.columns]
        self.task = infer_task(target, self.task)
        if self.task in ("binary", "multiclass"):
            seen = class_labels(target)
            self.classes = list(classes) if classes is not None else seen
            unknown = [c for c in seen if c not in self.classes]
            if unknown:
                raise ValueError(f"target values {unknown} are not among classes {self.classes}.")
        elif self.task == "multilabel":
            self.classes = list(self.target_names)
        else:
            values = target.to_numpy(dtype=np.float64)  # (m, k)
            self.target_scaler = Standardizer().fit(values.T)

    # ----- sizes -----------------------------------------------------------------------------
    @property
    def n_x(self) -> int:
        """Inputs of the network: numeric columns, date parts, indicators, one per category
        (plus one per text column with infrequent categories)."""
        width = sum(imp.category_width(self, name) for name in self.categorical)
        return self.n_scaled + len(self.indicators) + width

    @property
    def n_scaled(self) -> int:
        """The numeric inputs (numeric columns, then the date parts), scaled together."""
        return len(self.numeric) + len(DATE_PARTS) * len(self.dates)

    @property
    def n_y(self) -> int:
        """Outputs: 1 (binary), one per class (multi-class/label), one per target (regression)."""
        if self.task == "binary":
            return 1
        return len(self.classes) if self.classes is not None else len(self.target_names)

    @property
    def output(self) -> str:
        """The output activation the task needs."""
        return TASKS[self.task].output

    @property
    def is_classifier(self) -> bool:
        return self.task in ("binary", "multiclass")

    # ----- transforming ------------------------------------------------------------------------
    def transform(self, features, dtype: Any = np.float64) -> Array:
        """Raw rows ``(m, columns)`` -> ``X (n_x, m)`` (a transposed view of C-ordered rows)."""
        columns = [str(c) for c in features.columns]
        expected = self.check_columns(columns)
        if columns != list(features.columns):
            features = features.set_axis(columns, axis=1)
        if len(columns) > len(expected):
            features = features[expected]  # without the dropped columns
        found = imp.gaps(self, features)  # refused unless imputing
        rows = np.empty((len(features), self.n_x), dtype=dtype)  # (m, n_x)
        offset = self.n_scaled + len(self.indicators)
        rows[:, : self.n_scaled] = imp.numeric_block(self, imp.raw_numbers(self, features))
        rows[:, self.n_scaled : offset] = imp.indicator_block(self, features)
        unseen = imp.encode_categories(self, features, rows, offset)
        self.report = {"imputed": found, "unseen": unseen}
        return rows.T  # (n_x, m)

    def check_columns(self, columns: list[str]) -> list[str]:
        """Refuse data whose columns (names, as str) miss a feature column or hold one the model
        never saw (dropped ones aside); return the feature columns, in the model's order."""
        expected = [*self.numeric, *self.dates, *self.categorical]
        known, present = set(expected) | set(self.dropped), set(columns)
        missing = [c for c in expected if c not in present]
        extra = [c for c in columns if c not in known]
        if missing or extra:
            name, rule = (missing[0], "is missing") if missing else (extra[0], "was not seen")
            raise ValueError(
                f"column {name!r} {rule}: the model was trained on {len(expected)} feature "
                f"columns ({', '.join(expected[:8])}{' ...' if len(expected) > 8 else ''}); "
                f"the data has {len(columns)}."
                + (" Hint: leave it out with drop=." if extra and not missing else "")
            )
        return expected

    def codes(self, target) -> Array:
        """Class index of every example, ``(m,)`` (classification only)."""
        self._check_target_columns(target)
        index = {c: i for i, c in enumerate(self.classes)}
        values = [_python(v) for v in target.iloc[:, 0].tolist()]
        codes = np.array([index.get(v, -1) for v in values], dtype=np.int64)
        if (codes < 0).any():
            first = int(np.flatnonzero(codes < 0)[0])
            raise ValueError(
                f"target {self.target_names[0]!r} has label {values[first]!r} (row {first + 1}) "
                f"that the model does not know; its classes are {self.classes}."
            )
        return codes

    def transform_target(self, target, dtype: Any = np.float64) -> Array:
        """Raw targets ``(m, k)`` -> ``Y (n_y, m)`` for the task's loss."""
        self._check_target_columns(target)
        m = len(target)
        if self.task == "binary":
            return (self.codes(target) == 1).astype(dtype).reshape(1, m)
        if self.task == "multiclass":
            return one_hot(self.codes(target), len(self.classes), dtype)  # (n_classes, m)
        check_no_missing(target)
        values = target.to_numpy(dtype=np.float64)  # (m, k)
        if self.task == "multilabel":
            if not _is_binary(values):
                bad = values[(values != 0) & (values != 1)][0].item()
                raise ValueError(
                    f"multi-label targets {self.target_names} must be 0/1, got {bad!r}. "
                    "Hint: one 0/1 column per label."
                )
            return values.T.astype(dtype)
        return self.target_scaler.transform(values.T).astype(dtype)  # (k, m)

    def _check_target_columns(self, target) -> None:
        names = [str(c) for c in target.columns]
        if names != self.target_names:
            raise ValueError(
                f"target columns must be {self.target_names}, got {names}. "
                "Hint: name the model's target with target=."
            )

    def decode(self, AL: Array) -> Array:
        """Network output ``AL (n_y, m)`` -> predictions in the data's terms.

        Binary/multi-class: labels ``(m,)``; multi-label: 0/1 ``(m, k)``; regression: values in
        the target's units ``(m, k)``.
        """
        if self.is_classifier:
            return np.asarray(self.classes, dtype=object)[self.decode_codes(AL)]
        if self.task == "multilabel":
            return (AL.T > 0.5).astype(np.int64)
        return self.target_scaler.inverse_transform(AL.astype(np.float64)).T  # (m, k)

    def decode_codes(self, AL: Array) -> Array:
        """Predicted class index ``(m,)`` from ``AL (n_y, m)`` (classification only)."""
        return (AL[0] > 0.5).astype(np.int64) if self.task == "binary" else AL.argmax(axis=0)

    def probabilities(self, AL: Array) -> Array:
        """``AL (n_y, m)`` -> ``(m, n_classes)``: per class (binary: 1 - p, p) or per label
        (multi-label)."""
        if self.task == "binary":
            return np.stack([1 - AL[0], AL[0]], axis=1)
        if self.task in ("multiclass", "multilabel"):
            return AL.T
        raise ValueError("probabilities need a classification model; this one does regression.")

    # ----- saving ------------------------------------------------------------------------------
    def to_header(self) -> dict[str, Any]:
        """JSON-ready state (the arrays travel separately, see :meth:`arrays`)."""
        target = self.target_scaler
        return {
            "task": self.task,
            "scaling": self.scaling,
            "numeric": self.numeric,
            "categorical": [
                {"name": k, "categories": v}
                | ({"infrequent": self.infrequent[k]} if k in self.infrequent else {})
                for k, v in self.categorical.items()
            ],
            **hdr.missing_fields(self),
            "target": {
                "names": self.target_names,
                "classes": self.classes,
                "mean": None if target is None else [float(x) for x in target.mean[:, 0]],
                "scale": None if target is None else [float(x) for x in target.scale[:, 0]],
            },
            "image": self.image,
            "dropped": self.dropped,
        }

    def arrays(self) -> dict[str, Array]:
        """``{"feature_mean": (n_numeric,), "feature_scale": (n_numeric,)}`` when standardizing."""
        if self.scaler is None:
            return {}
        return {"feature_mean": self.scaler.mean[:, 0], "feature_scale": self.scaler.scale[:, 0]}

    @staticmethod
    def array_shapes(header: dict[str, Any]) -> dict[str, tuple[int, ...]]:
        """The arrays a saved header declares, from the header alone (checked: ValueError)."""
        if header.get("scaling") != "standardize":
            return {}
        n = len(strings(header.get("numeric"), "preprocessing.numeric"))
        n += len(DATE_PARTS) * len(strings(header.get("dates", []), "preprocessing.dates"))
        return {"feature_mean": (n,), "feature_scale": (n,)} if n else {}

    @classmethod
    def from_header(cls, header: Any, arrays: dict[str, Array]) -> Preprocessor:
        """Rebuild from :meth:`to_header` and :meth:`arrays`, checking every field."""
        expect(isinstance(header, dict), "preprocessing", "an object", header)
        scaling = header.get("scaling")
        expect(scaling in SCALINGS, "preprocessing.scaling", f"one of {SCALINGS}", scaling)
        pre = cls(scaling=scaling)
        pre.task = header.get("task")
        expect(pre.task in TASKS, "preprocessing.task", f"one of {tuple(TASKS)}", pre.task)
        hdr.read_columns(pre, header)
        hdr.read_target(pre, header.get("target"))
        pre.image = hdr.checked_image(header.get("image"))
        hdr.read_missing(pre, header)  # 0.2 and before: absent, no imputation
        pre.dropped = strings(header.get("dropped", []), "preprocessing.dropped")  # 0.2: absent
        used = {*pre.numeric, *pre.dates, *pre.categorical, *pre.target_names}
        expect(
            not used & set(pre.dropped),
            "preprocessing.dropped",
            "columns the model does not use",
            pre.dropped,
        )
        if arrays:
            mean, scale = arrays["feature_mean"], arrays["feature_scale"]  # (n_numeric,) each
            expect(bool(np.all(scale > 0)), "feature_scale", "positive numbers", scale)
            pre.scaler = Standardizer(mean.reshape(-1, 1), scale.reshape(-1, 1))
        return pre
