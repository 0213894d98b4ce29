"""Data: the course's cat/non-cat files, image flattening, labels and scaling.

Arrays follow the course: ``X (n_x, m)``, one column per example.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._validation import check_int, check_positive
from .initializers import Seed, make_rng

Array = np.ndarray


def flatten_images(images: Array) -> Array:
    """``(m, height, width, channels) -> (height·width·channels, m)``, row-major per image.

    Example: 209 images of 64×64×3 become a (12288, 209) matrix whose column i is image i read
    row by row (the course's ``x.reshape(m, -1).T``). The result is a transposed view of a
    row-major array, so a batch of examples is contiguous in memory.
    """
    images = np.asarray(images)
    if images.ndim < 2:
        raise ValueError(
            f"images must have shape (m, ...) with one image per entry, got {images.shape}."
        )
    return images.reshape(images.shape[0], -1).T


def one_hot(labels: Array, n_classes: int | None = None, dtype=np.float64) -> Array:
    """Class indices ``(m,)`` -> one-hot ``Y (n_classes, m)`` of ``dtype``.

    ``n_classes`` defaults to ``max(labels) + 1``.
    """
    labels = np.asarray(labels).reshape(-1)
    if labels.dtype.kind not in "iu" and not np.all(np.mod(labels, 1) == 0):
        raise ValueError(f"labels must be integer class indices, got dtype {labels.dtype}.")
    labels = labels.astype(np.int64)
    n = int(labels.max()) + 1 if n_classes is None else int(n_classes)
    if labels.size and (labels.min() < 0 or labels.max() >= n):
        raise ValueError(
            f"labels must be in [0, {n}), got values from {labels.min()} to {labels.max()}."
        )
    Y = np.zeros((n, labels.size), dtype=dtype)  # (n_classes, m)
    Y[labels, np.arange(labels.size)] = 1
    return Y


@dataclass
class Standardizer:
    """x ← (x - μ) / σ per feature (row), fitted on training data ``X (n_x, m)``.

    For rows-as-examples data ``A (m, n)``, fit and transform ``A.T``.
    """

    mean: Array | None = None  # (n_x, 1)
    scale: Array | None = None  # (n_x, 1)

    def fit(self, X: Array) -> Standardizer:
        self.mean = X.mean(axis=1, keepdims=True)
        std = X.std(axis=1, keepdims=True)
        self.scale = np.where(std > 0, std, 1.0)  # constant features stay as they are
        return self

    def transform(self, X: Array) -> Array:
        """``X (n_x, m)`` -> ``(X - μ) / σ (n_x, m)``."""
        self._check_fitted()
        return (X - self.mean) / self.scale

    def inverse_transform(self, X: Array) -> Array:
        """Undo :meth:`transform`: ``X (n_x, m)`` -> ``X σ + μ (n_x, m)``."""
        self._check_fitted()
        return X * self.scale + self.mean

    def _check_fitted(self) -> None:
        if self.mean is None:
            raise ValueError("Standardizer is not fitted: call fit(X_train) first.")

    def fit_transform(self, X: Array) -> Array:
        return self.fit(X).transform(X)


@dataclass
class CatData:
    """The course's cat/non-cat set: X scaled to [0, 1], ``(12288, m)``; Y ``(1, m)``."""

    X_train: Array
    Y_train: Array
    X_test: Array
    Y_test: Array
    classes: list[str]


def import_h5py():
    """The h5py module, or an ImportError saying how to install it."""
    try:
        import h5py
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("Reading HDF5 needs h5py: pip install 'layerwise[data]'.") from err
    return h5py


def class_names(dataset) -> list[str]:
    """The course's ``list_classes`` HDF5 dataset (bytes, e.g. b'non-cat') as strings."""
    return [c.decode() if isinstance(c, bytes) else str(c) for c in dataset[()]]


def load_catvnoncat(directory: str | Path) -> CatData:
    """Load ``train_catvnoncat.h5`` and ``test_catvnoncat.h5`` from ``directory``.

    Keys: ``train_set_x (209, 64, 64, 3)``, ``train_set_y (209,)``, ``test_set_x (50, ...)``,
    ``test_set_y``, ``list_classes``. Each image becomes a column of 12288 values / 255
    (the first column starts 17/255, 31/255, 56/255, 22/255, 33/255). Needs h5py
    (``pip install layerwise[data]``).
    """
    h5py = import_h5py()
    directory = Path(directory)
    arrays = {}
    for part in ("train", "test"):
        path = directory / f"{part}_catvnoncat.h5"
        if not path.is_file():
            raise FileNotFoundError(
                f"{path} not found: the directory must hold train_catvnoncat.h5 and "
                "test_catvnoncat.h5."
            )
        with h5py.File(path, "r") as f:
            for key in (f"{part}_set_x", f"{part}_set_y", "list_classes"):
                if key not in f:
                    raise ValueError(f"{path} has no dataset {key!r}; found {sorted(f)}.")
            arrays[f"{part}_x"] = f[f"{part}_set_x"][()]
            arrays[f"{part}_y"] = f[f"{part}_set_y"][()]
            classes = class_names(f["list_classes"])
    return CatData(
        X_train=flatten_images(arrays["train_x"]) / 255.0,  # (12288, 209)
        Y_train=arrays["train_y"].reshape(1, -1).astype(np.float64),  # (1, 209)
        X_test=flatten_images(arrays["test_x"]) / 255.0,  # (12288, 50)
        Y_test=arrays["test_y"].reshape(1, -1).astype(np.float64),  # (1, 50)
        classes=classes,
    )


def split_indices(
    m: int, fraction: float, seed: Seed = 0, labels: Array | None = None
) -> tuple[Array, Array]:
    """Split ``range(m)`` into (kept, held-out) index arrays, both sorted.

    ``fraction`` of the examples are held out (for a dev or test set), drawn with ``seed``.
    With ``labels (m,)`` or ``(m, k)`` (a row's k values make its class) the split is
    stratified: each class gives ``round(fraction · m_c)``
    examples, so small classes appear on both sides. ``fraction = 0`` holds out nothing.

    Examples
    --------
    >>> keep, held = split_indices(10, 0.2, seed=0)
    >>> len(keep), len(held)
    (8, 2)
    """
    m = check_int("m", m)
    fraction = check_positive("fraction", fraction, allow_zero=True)
    if fraction >= 1:
        raise ValueError(f"fraction must be in [0, 1), got {fraction}.")
    order = make_rng(seed).permutation(m)
    if fraction == 0:
        return np.arange(m), np.arange(0)
    if labels is None:
        held = order[: max(1, round(fraction * m))]
    else:
        # (m, k): several target columns stratify jointly
        labels = np.asarray(labels).reshape(m, -1)
        _, codes = np.unique(labels.astype(str), axis=0, return_inverse=True)
        codes = codes.reshape(-1)[order]
        held = np.concatenate(
            [order[codes == c][: round(fraction * np.sum(codes == c))] for c in np.unique(codes)]
        )
        if held.size == 0:
            held = order[:1]
    if held.size >= m:
        raise ValueError(
            f"holding out {fraction:.0%} of {m} examples leaves none to train on; "
            "lower the fraction or add data."
        )
    mask = np.zeros(m, dtype=bool)
    mask[held] = True
    return np.flatnonzero(~mask), np.flatnonzero(mask)


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
    parsed = numbers.notna().to_numpy()  # (m,)
    if parsed.all():
        return numbers, None
    if parsed.mean() > 0.5:
        return None, int(np.flatnonzero(~parsed)[0])
    return None, None
