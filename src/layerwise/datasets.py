"""Bundled data sets: everything here trains without a download.

Real data from scikit-learn's packaged files (digits, breast cancer, diabetes, iris, wine) and two
toy sets generated in code: the course's planar "flower" and a noisy XOR. ``load_planar`` and
``load_xor`` return the course layout ``X (2, m)``, ``Y (1, m)``; ``bundled`` returns the raw
examples as rows, the way files hold them, for :mod:`layerwise.readers`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .initializers import make_rng

Array = np.ndarray


def load_planar(m: int = 400, seed: int = 1) -> tuple[Array, Array]:
    """The course's planar flower: two classes in petals, ``X (2, m)``, ``Y (1, m)`` of 0/1.

    Class j's points lie on r = 4 sin(4θ) with θ spread over [3.12 j, 3.12 (j + 1)] and
    N(0, 0.2²) noise on θ and r. With ``seed=1`` (the course's) the draws follow the course's
    ``np.random.seed(1)`` exactly, so this is its data set.
    """
    rng = make_rng(seed, legacy=True)
    N = m // 2
    X = np.zeros((m, 2))  # rows first, as the course builds it, then transposed
    Y = np.zeros((m, 1), dtype=np.uint8)
    for j in range(2):
        ix = slice(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * 0.2  # θ
        r = 4 * np.sin(4 * t) + rng.randn(N) * 0.2  # radius
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T  # (2, m), (1, m)


def load_xor(m: int = 400, noise: float = 0.1, seed: int = 0) -> tuple[Array, Array]:
    """Noisy XOR: points around the four corners (±1, ±1); y = 1 where the signs differ.

    Returns ``X (2, m)`` and ``Y (1, m)``. No straight line separates the classes, one hidden
    layer does.
    """
    rng = make_rng(seed)
    corners = rng.integers(0, 2, size=(2, m)) * 2 - 1  # (2, m) of ±1
    X = corners + noise * rng.standard_normal((2, m))
    Y = (corners[0] != corners[1]).astype(np.int64).reshape(1, m)
    return X, Y


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
