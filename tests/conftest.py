"""Shared fixtures: one seeded generator and toy data sets made in code (examples are columns)."""

from __future__ import annotations

import numpy as np
import pytest

import counts
from layerwise.data import one_hot


def pytest_configure(config: pytest.Config) -> None:
    counts.register(config)  # the kill, fuzz and hostile-file tests print their counts


def make_xor() -> tuple[np.ndarray, np.ndarray]:
    """The four XOR points, ``X (2, 4)``, ``Y (1, 4)``."""
    X = np.array([[0.0, 0.0, 1.0, 1.0], [0.0, 1.0, 0.0, 1.0]])
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    return X, Y


def make_flower(seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    """The course's planar "flower": 400 points, two classes, petals of radius a = 4.

    Built exactly as the course's ``load_planar_dataset`` does, with a ``RandomState(seed)``
    object in place of the global generator. Returns ``X (2, 400)`` and ``Y (1, 400)``.
    """
    rng = np.random.RandomState(seed)
    m = 400  # number of examples
    N = m // 2  # points per class
    d = 2  # dimensionality (the course's D)
    X = np.zeros((m, d))  # rows are examples here, as in the course, then transposed
    Y = np.zeros((m, 1), dtype="uint8")  # 0 for red, 1 for blue
    a = 4  # maximum ray of the flower
    for j in range(2):
        ix = range(N * j, N * (j + 1))
        t = np.linspace(j * 3.12, (j + 1) * 3.12, N) + rng.randn(N) * 0.2  # theta
        r = a * np.sin(4 * t) + rng.randn(N) * 0.2  # radius
        X[ix] = np.c_[r * np.sin(t), r * np.cos(t)]
        Y[ix] = j
    return X.T, Y.T.astype(np.float64)


def make_blobs(
    rng: np.random.Generator, n_classes: int = 3, m_per_class: int = 40, n_x: int = 2
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Well separated Gaussian blobs: ``X (n_x, m)``, one-hot ``Y (n_classes, m)``, labels (m,)."""
    angles = 2 * np.pi * np.arange(n_classes) / n_classes
    centers = np.zeros((n_x, n_classes))
    centers[0], centers[1] = 4 * np.cos(angles), 4 * np.sin(angles)
    labels = np.repeat(np.arange(n_classes), m_per_class)
    X = centers[:, labels] + 0.5 * rng.standard_normal((n_x, labels.size))
    return X, one_hot(labels, n_classes), labels


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


@pytest.fixture
def xor() -> tuple[np.ndarray, np.ndarray]:
    return make_xor()


@pytest.fixture(scope="session")
def flower() -> tuple[np.ndarray, np.ndarray]:
    return make_flower()


@pytest.fixture
def blobs(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return make_blobs(rng)


ENGINE_PATHS = ["numpy", "numba", "mkl"]


def use_engine_path(path: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Build engines on one path: NumPy's tape and BLAS (the reference), numba's fused kernels,
    or numba's kernels with every product of the engine through MKL. A path whose optional
    extra is missing is skipped: the suite passes without the extras."""
    import importlib.util

    from layerwise.engine import mkl, paths, tape

    if path != "numpy" and importlib.util.find_spec("numba") is None:
        pytest.skip("numba is not installed (the optional `fast` extra); NumPy's path is tested")
    if path == "mkl" and mkl.load() is None:
        pytest.skip("MKL is not installed (the optional `mkl` extra); NumPy's BLAS is tested")
    monkeypatch.setattr(paths, "KERNELS", "numpy" if path == "numpy" else "numba")
    monkeypatch.setattr(paths, "BLAS", "mkl" if path == "mkl" else "openblas")
    monkeypatch.setattr(tape, "LIBRARY_MIN_WORK", 0)  # the tests' small products too


@pytest.fixture(params=ENGINE_PATHS)
def engine_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each of the engine's paths in turn (see ``use_engine_path``)."""
    use_engine_path(request.param, monkeypatch)
    return request.param


@pytest.fixture
def numpy_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """NumPy's tape and BLAS, for tests that count what the NumPy tape records."""
    use_engine_path("numpy", monkeypatch)


@pytest.fixture(params=[None, 90, 0], ids=["two-pass-update", "mixed-update", "blas-update"])
def blas_update(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, engine_path: str
) -> int | None:
    """Train with the plain update as θ -= dθ, or inside the dW products (``_blas.gemm``, which
    the engine keeps for large products), on each engine path (``engine_path``): every product
    (threshold 0), or with threshold 90
    some products of the tests' small networks (e.g. [3, 5, 4, 1], m = 7: dW1 5·7·3 and dW2
    4·7·6 multiply-adds) and a product plus a block subtraction for the others (db1, dW3)."""
    from layerwise import engine as _engine
    from layerwise.engine import blas as _blas

    if request.param is not None and not _blas.AVAILABLE:
        pytest.skip("NumPy is not built on the OpenBLAS of its wheels (see test_blas.py)")
    threshold = float("inf") if request.param is None else request.param
    monkeypatch.setattr(_engine, "BLAS_UPDATE_MIN_WORK", threshold)
    return request.param
