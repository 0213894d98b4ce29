"""The course's own data: the cat/non-cat pictures (HDF5 files) and two 2-D toy sets.

``load_catvnoncat(folder)`` reads the course's files from a folder the caller names (they are not
shipped); ``load_planar`` (the course's "flower") and ``load_xor`` are generated in code. All
return the course layout, ``X (n_x, m)`` and ``Y (1, m)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..random import make_rng
from .arrays import flatten_images

Array = np.ndarray


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
