"""Arrays in the course's layout: image flattening, one-hot labels, standardizing, splits.

Arrays follow the course: ``X (n_x, m)``, one column per example.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .._validation import check_fraction, check_int
from ..random import Seed, make_rng

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
    fraction = check_fraction("fraction", fraction)
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
