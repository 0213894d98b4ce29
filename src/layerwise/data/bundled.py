"""Bundled data sets: everything here trains without a download.

Real data from scikit-learn's packaged files (digits, breast cancer, diabetes, iris, wine) and two
toy sets generated in code (:mod:`.course`): the course's planar "flower" and a noisy XOR.
``bundled`` returns the raw examples as rows, the way files hold them, for :mod:`.readers`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .course import load_planar, load_xor

Array = np.ndarray


@dataclass(frozen=True)
class Bundled:
    """A bundled data set: rows ``X (m, n)``, targets ``y (m,)`` and what they mean."""

    name: str
    task: str
    description: str
    shape: tuple[int, int]  # (m, n)
    n_classes: int | None
    loader: Callable[[], tuple[Array, Array, list[str], list | None]]


def _sklearn(name: str, class_names: bool = True):
    def load() -> tuple[Array, Array, list[str], list | None]:
        try:
            from sklearn import datasets as sk
        except ImportError as err:
            raise ImportError(
                f"the {name!r} data set ships with scikit-learn: pip install 'layerwise[data]'."
            ) from err
        bunch = getattr(sk, f"load_{name}")()
        names = [str(f) for f in bunch.feature_names]
        if class_names and "target_names" in bunch:
            classes = [str(c) for c in bunch.target_names]
            return bunch.data, np.asarray(classes, dtype=object)[bunch.target], names, classes
        return bunch.data, bunch.target, names, None

    return load


def _toy(loader: Callable[[], tuple[Array, Array]]):
    def load() -> tuple[Array, Array, list[str], list | None]:
        X, Y = loader()
        return X.T, Y.reshape(-1), ["x1", "x2"], None  # rows (m, 2), labels (m,)

    return load


DATASETS: dict[str, Bundled] = {
    b.name: b
    for b in [
        Bundled(
            "digits",
            "multiclass",
            "8×8 images of handwritten digits 0-9 (UCI), pixels 0-16",
            (1797, 64),
            10,
            _sklearn("digits", class_names=False),
        ),
        Bundled(
            "breast_cancer",
            "binary",
            "Wisconsin breast cancer: malignant or benign from 30 cell-nucleus measurements",
            (569, 30),
            2,
            _sklearn("breast_cancer"),
        ),
        Bundled(
            "diabetes",
            "regression",
            "disease progression after one year from 10 baseline measurements",
            (442, 10),
            None,
            _sklearn("diabetes"),
        ),
        Bundled(
            "iris",
            "multiclass",
            "Fisher's iris: 3 species from 4 flower sizes",
            (150, 4),
            3,
            _sklearn("iris"),
        ),
        Bundled(
            "wine",
            "multiclass",
            "3 Italian wine cultivars from 13 chemical measurements",
            (178, 13),
            3,
            _sklearn("wine"),
        ),
        Bundled(
            "planar",
            "binary",
            "the course's 2-D flower (red and blue petals), generated in code",
            (400, 2),
            2,
            _toy(load_planar),
        ),
        Bundled(
            "xor",
            "binary",
            "noisy XOR around (±1, ±1), generated in code",
            (400, 2),
            2,
            _toy(load_xor),
        ),
    ]
}


def bundled(name: str) -> tuple[Array, Array, list[str], list | None]:
    """Rows ``X (m, n)``, targets ``y (m,)``, feature names, class names (or None)."""
    if name not in DATASETS:
        raise ValueError(f"Unknown data set {name!r}. Bundled: {', '.join(DATASETS)}.")
    return DATASETS[name].loader()
