"""The playground's 2-D data sets, generated from a seed: ``X (2, m)``, ``Y (1, m)``.

Each generator takes ``m`` (examples), ``noise`` in [0, 1] (0: the clean shape, 1: heavy
overlap) and ``seed``; the same arguments give the same points, bit for bit. The flower is the
course's planar data (``layerwise.data.load_planar``, exactly so at noise 0) and XOR is
``layerwise.data.load_xor``; circles, moons, spiral, blobs and a regression surface are
drawn here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..data import load_planar, load_xor

Array = np.ndarray


def _jitter(X: Array, sd: float, rng: np.random.Generator) -> Array:
    """``X (2, m)`` plus N(0, sd²) noise on every coordinate (no draw when sd is 0)."""
    return X + sd * rng.standard_normal(X.shape) if sd > 0 else X


def flower(m: int, noise: float, seed: int) -> tuple[Array, Array]:
    """The course's planar flower (its data set at ``noise=0``), plus N(0, noise²) jitter."""
    X, Y = load_planar(m - m % 2, seed=1)  # two halves of m // 2
    return _jitter(X, noise, np.random.default_rng(seed)), Y.astype(np.float64)


def xor(m: int, noise: float, seed: int) -> tuple[Array, Array]:
    """Points around (±1, ±1), class 1 where the signs differ; sd 0.05 + 0.6 noise."""
    X, Y = load_xor(m, noise=0.05 + 0.6 * noise, seed=seed)
    return X, Y.astype(np.float64)


def circles(m: int, noise: float, seed: int) -> tuple[Array, Array]:
    """A disc of radius ≤ 0.5 (class 1) inside a ring of radius 0.8–1.2 (class 0)."""
    rng = np.random.default_rng(seed)
    y = np.arange(m) % 2  # (m,) alternating classes: balanced for any m
    theta = rng.uniform(0, 2 * np.pi, m)
    r = np.where(y == 1, 0.5 * np.sqrt(rng.uniform(0, 1, m)), rng.uniform(0.8, 1.2, m))
    X = np.vstack([r * np.cos(theta), r * np.sin(theta)])  # (2, m)
    return _jitter(X, 0.3 * noise, rng), y.reshape(1, m).astype(np.float64)


def moons(m: int, noise: float, seed: int) -> tuple[Array, Array]:
    """Two interleaved half circles of radius 1, centred to the origin."""
    rng = np.random.default_rng(seed)
    y = np.arange(m) % 2
    t = rng.uniform(0, np.pi, m)
    X = np.vstack(
        [
            np.where(y == 0, np.cos(t), 1 - np.cos(t)) - 0.5,
            np.where(y == 0, np.sin(t), 0.5 - np.sin(t)) - 0.25,
        ]
    )  # (2, m)
    return _jitter(X, 0.3 * noise, rng), y.reshape(1, m).astype(np.float64)


def spiral(m: int, noise: float, seed: int) -> tuple[Array, Array]:
    """Two arms winding 1.75 turns around the origin, one per class."""
    rng = np.random.default_rng(seed)
    y = np.arange(m) % 2
    s = rng.uniform(0, 1, m)  # position along the arm
    r = 0.1 + 1.1 * s
    theta = 3.5 * np.pi * s + np.pi * y
    X = np.vstack([r * np.cos(theta), r * np.sin(theta)])  # (2, m)
    return _jitter(X, 0.25 * noise, rng), y.reshape(1, m).astype(np.float64)


def blobs(m: int, noise: float, seed: int) -> tuple[Array, Array]:
    """Two Gaussian blobs around (-0.7, -0.7) and (0.7, 0.7), sd 0.25 + 0.6 noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(m) % 2
    centre = np.where(y == 1, 0.7, -0.7)  # (m,)
    X = centre + (0.25 + 0.6 * noise) * rng.standard_normal((2, m))  # (2, m)
    return X, y.reshape(1, m).astype(np.float64)


def surface(m: int, noise: float, seed: int) -> tuple[Array, Array]:
    """Regression: y = sin(2 x1) cos(2 x2) on [-1.5, 1.5]², plus N(0, (0.3 noise)²)."""
    rng = np.random.default_rng(seed)
    X = rng.uniform(-1.5, 1.5, (2, m))  # (2, m)
    y = np.sin(2 * X[0]) * np.cos(2 * X[1])
    return X, _jitter(y.reshape(1, m), 0.3 * noise, rng)


@dataclass(frozen=True)
class DataSet:
    """A playground data set: its generator and the task it poses."""

    name: str
    task: str  # "binary" (sigmoid output) or "regression" (linear output)
    make: Callable[[int, float, int], tuple[Array, Array]]
    description: str


DATASETS: dict[str, DataSet] = {
    d.name: d
    for d in (
        DataSet("flower", "binary", flower, "the course's planar flower"),
        DataSet("xor", "binary", xor, "four corners, opposite ones alike"),
        DataSet("circles", "binary", circles, "a disc inside a ring"),
        DataSet("moons", "binary", moons, "two interleaved half circles"),
        DataSet("spiral", "binary", spiral, "two spiral arms"),
        DataSet("blobs", "binary", blobs, "two Gaussian blobs"),
        DataSet("surface", "regression", surface, "regression: sin(2 x1) cos(2 x2)"),
    )
}


def split(X: Array, Y: Array, dev_fraction: float, seed: int) -> tuple[Array, Array, Array, Array]:
    """A seeded shuffle split into train ``(2, m - k)`` and dev ``(2, k)``, k = round(f m)."""
    m = X.shape[1]
    order = np.random.default_rng(seed).permutation(m)
    k = round(dev_fraction * m)
    dev, train = order[:k], order[k:]
    return X[:, train], Y[:, train], X[:, dev], Y[:, dev]
