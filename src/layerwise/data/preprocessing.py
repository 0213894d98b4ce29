"""From a table of raw examples (rows) to the course's ``X (n_x, m)`` and ``Y (n_y, m)``, and back.

A :class:`Preprocessor` is fitted on the training rows and saved with the model (as JSON plus
two arrays, never pickle), so ``predict`` on raw data sees exactly what training saw:

- numeric columns: standardized, x ← (x - μ) / σ per column (σ = 1 for a constant column), or
  divided by 255 for 8-bit images (``scaling="unit"``), or left alone (``"none"``);
- text columns: one-hot encoded over the categories seen in training (an unseen category
  encodes as all zeros);
- the target: classes → 0/1 (binary), one-hot (multi-class), 0/1 columns (multi-label), or
  standardized values (regression, undone by :meth:`Preprocessor.decode`).

The frames are pandas DataFrames with one row per example (see :mod:`layerwise.readers`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .._validation import check_choice, expect, is_number, strings
from ..outputs import TASKS
from .arrays import Standardizer, one_hot
from .frames import check_no_missing, parse_numbers
from .tasks import _is_binary, _python, _sorted, class_labels, infer_task, is_numeric

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

    Examples
    --------
    >>> import pandas as pd
    >>> rows = pd.DataFrame({"size": [1.0, 2.0, 3.0, 4.0], "color": ["red", "blue", "red", "red"]})
    >>> pre = Preprocessor().fit(rows, pd.DataFrame({"y": ["a", "b", "a", "b"]}))
    >>> pre.transform(rows).shape, pre.task, pre.classes
    ((3, 4), 'binary', ['a', 'b'])
    """

    def __init__(
        self, task: str = "auto", scaling: str = "standardize", dropped: Sequence[str] = ()
    ) -> None:
        self.task, self.scaling = task, check_choice("scaling", scaling, SCALINGS)
        self.dropped: list[str] = [str(c) for c in dropped]
        self.numeric: list[str] = []
        self.categorical: dict[str, list[str]] = {}
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
        check_no_missing(features)
        for name, dtype in features.dtypes.items():
            if is_numeric(dtype):
                self.numeric.append(str(name))
                continue
            column = features[name]
            _, row = parse_numbers(column)  # all numbers as text: categories, as any text
            if row is not None:  # mostly numbers: the text is an error, not a category
                raise ValueError(
                    f"column {name!r} mixes numbers and text (row {row + 1}: "
                    f"{column.iloc[row]!r}): features must be numeric or "
                    "categories. Hint: fix that value."
                )
            categories = _sorted([str(v) for v in column.unique()])
            if len(categories) > 100 or (
                len(categories) > 20 and len(categories) > len(column) / 2
            ):
                raise ValueError(
                    f"column {name!r} holds {len(categories)} distinct texts in {len(column)} "
                    "rows: an identifier or free text, not a category. Hint: leave it out (drop=)."
                )
            self.categorical[str(name)] = categories
        A = self._numeric_block(features)  # (m, n_numeric)
        self.scaler = None
        if self.scaling == "standardize" and self.numeric:
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
        """Inputs of the network: numeric columns + one per category."""
        return len(self.numeric) + sum(len(c) for c in self.categorical.values())

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
    def _numeric_block(self, features) -> Array:
        A = features[self.numeric].to_numpy(dtype=np.float64)  # (m, n_numeric)
        bad = ~np.isfinite(A)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise ValueError(
                f"column {self.numeric[col]!r} has {int(bad[:, col].sum())} NaN/inf values "
                f"(first at row {row + 1}). Hint: fill or drop those rows first."
            )
        return A

    def transform(self, features, dtype: Any = np.float64) -> Array:
        """Raw rows ``(m, columns)`` -> ``X (n_x, m)`` (a transposed view of C-ordered rows)."""
        expected = [*self.numeric, *self.categorical]
        columns = [str(c) for c in features.columns]
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
        if len(columns) > len(expected):
            features = features[expected]  # without the dropped columns
        check_no_missing(features)
        rows = np.empty((len(features), self.n_x), dtype=dtype)  # (m, n_x)
        A = self._numeric_block(features)  # (m, n_numeric)
        if self.scaler is not None:
            A = self.scaler.transform(A.T).T
        elif self.scaling == "unit":
            A = A / 255.0
        rows[:, : len(self.numeric)] = A
        offset = len(self.numeric)
        for name, categories in self.categorical.items():
            values = features[name].astype(str).to_numpy()  # (m,)
            block = values[:, None] == np.asarray(categories, dtype=object)[None, :]
            rows[:, offset : offset + len(categories)] = block  # (m, n_categories) one-hot
            offset += len(categories)
        return rows.T  # (n_x, m)

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
            "categorical": [{"name": k, "categories": v} for k, v in self.categorical.items()],
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
        _read_columns(pre, header)
        _read_target(pre, header.get("target"))
        pre.image = _checked_image(header.get("image"))
        pre.dropped = strings(header.get("dropped", []), "preprocessing.dropped")  # 0.2: absent
        used = {*pre.numeric, *pre.categorical, *pre.target_names}
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


# ----- reading a header back (Preprocessor.from_header) ----------------------------------------
def _read_columns(pre: Preprocessor, header: dict[str, Any]) -> None:
    """The numeric columns and the categorical ones with their categories."""
    pre.numeric = strings(header.get("numeric"), "preprocessing.numeric")
    categorical = header.get("categorical")
    expect(isinstance(categorical, list), "preprocessing.categorical", "a list", categorical)
    for entry in categorical:
        expect(isinstance(entry, dict), "preprocessing.categorical[]", "an object", entry)
        name = entry.get("name")
        expect(isinstance(name, str), "preprocessing.categorical[].name", "a string", name)
        pre.categorical[name] = strings(entry.get("categories"), f"categories of {name}")


def _read_target(pre: Preprocessor, target: Any) -> None:
    """The target's names, and its classes or (regression) its standardization."""
    expect(isinstance(target, dict), "preprocessing.target", "an object", target)
    pre.target_names = strings(target.get("names"), "preprocessing.target.names")
    classes = target.get("classes")
    if pre.task != "regression":
        expect(
            isinstance(classes, list)
            and len(classes) >= (1 if pre.task == "multilabel" else 2)
            and all(isinstance(c, str | int | float | bool) for c in classes),
            "preprocessing.target.classes",
            "a list of at least two labels",
            classes,
        )
        pre.classes = classes
        return
    k = len(pre.target_names)
    columns = {}  # (k, 1) each
    for key in ("mean", "scale"):
        values = target.get(key)
        expect(
            isinstance(values, list)
            and len(values) == k
            and all(is_number(x) for x in values)
            and (key == "mean" or all(x > 0 for x in values)),
            f"preprocessing.target.{key}",
            f"{k} finite numbers" + (", all positive" if key == "scale" else ""),
            values,
        )
        columns[key] = np.array(values, dtype=np.float64).reshape(k, 1)
    pre.target_scaler = Standardizer(columns["mean"], columns["scale"])


def _checked_image(image: Any) -> dict[str, Any] | None:
    """The image settings of a model trained on an image folder (None otherwise)."""
    expect(
        image is None
        or (
            isinstance(image, dict)
            and image.get("mode") in ("L", "RGB")
            and isinstance(image.get("size"), list)
            and len(image["size"]) == 2
            and all(isinstance(n, int) and 1 <= n <= 100_000 for n in image["size"])
        ),
        "preprocessing.image",
        '{"size": [width, height], "mode": "L" or "RGB"}',
        image,
    )
    return image
