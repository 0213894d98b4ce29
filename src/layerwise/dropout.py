"""Inverted dropout, the course's way: masks ``D[l]`` on the hidden layers, scaled by 1/keep_prob.

In training, for each hidden layer l = 1..L-1 with ``keep_prob[l] < 1``::

    D[l] = (rand(n[l], m) < keep_prob[l])       # 1 keeps a unit, 0 drops it
    A[l] = A[l] * D[l] / keep_prob[l]           # the expected value of A[l] stays the same
    dA[l] = dA[l] * D[l] / keep_prob[l]         # backward: the same units, the same scale

The masks are drawn from a generator of their own (:func:`layerwise.random.dropout_rng`), one
``rand(n[l], m)`` per hidden layer and step in float64, in layer order, so float32 and float64
networks see the same masks. Dropout is a training device only: ``predict``, ``forward(X)``
without a generator, the dev set's cost, gradient checking and exported models run the whole
network (the 1/keep_prob scale in training is what makes that right).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .backend import device_of, namespace, to_device

Array = np.ndarray


def _probability(p: object) -> bool:
    real = isinstance(p, int | float | np.integer | np.floating) and not isinstance(p, bool)
    return real and 0 < p <= 1  # (nan fails both comparisons)


def check_keep_prob(keep_prob: float | Sequence[float], n_hidden: int) -> tuple[float, ...]:
    """``keep_prob`` as one float per hidden layer, each in (0, 1]; ValueError otherwise."""
    if isinstance(keep_prob, np.ndarray) and keep_prob.ndim == 0:
        keep_prob = keep_prob.item()  # np.array(0.5): one probability
    several = isinstance(keep_prob, Sequence | np.ndarray) and not isinstance(keep_prob, str)
    values = list(keep_prob) if several else [keep_prob] * n_hidden
    if several and len(values) != n_hidden:
        raise ValueError(
            f"keep_prob must be one probability or {n_hidden} (one per hidden layer), got "
            f"{keep_prob!r}. Hint: keep_prob=0.8 keeps 80 % of every hidden layer's units."
        )
    if not all(_probability(p) for p in (values if several else [keep_prob])):
        raise ValueError(
            f"keep_prob must hold probabilities with 0 < keep_prob <= 1, got {keep_prob!r}. "
            "Hint: 1.0 keeps every unit (no dropout); 0.8 drops 20 %."
        )
    if n_hidden == 0 and not several and keep_prob != 1:
        raise ValueError(
            f"keep_prob applies to hidden layers, and this network has none; got {keep_prob!r}. "
            "Hint: add a hidden layer, or leave keep_prob at 1 (no dropout)."
        )
    return tuple(float(p) for p in values)


def active(keep_prob: Sequence[float]) -> bool:
    """Whether some hidden layer drops units."""
    return any(p < 1 for p in keep_prob)


def draw_mask(rng: np.random.Generator, shape: tuple[int, int], keep: float, dtype) -> Array:
    """The course's ``D = (rand(n, m) < keep_prob)`` as 0/1 in ``dtype`` (drawn in float64)."""
    return (rng.random(shape) < keep).astype(dtype)


def masked(A: Array, cache: Any, keep: float, rng: np.random.Generator) -> tuple[Array, Any]:
    """A hidden layer's training output ``A * D / keep_prob`` and its cache with ``D``
    (``A`` (n[l], m) in the network's dtype; the cache's own ``A`` stays g(Z))."""
    xp = namespace(A)
    if xp is np:
        D = draw_mask(rng, A.shape, keep, A.dtype)  # (n[l], m)
    else:  # drawn on the host, in float64 (the same masks on every device), moved once
        D = to_device(draw_mask(rng, tuple(A.shape), keep, np.float64), xp, device_of(A), A.dtype)
    return forward(A, D, keep), cache._replace(D=D)


def forward(A: Array, D: Array, keep: float) -> Array:
    """``A * D / keep_prob``: the kept units, scaled up."""
    return A * D / keep


def backward(dA: Array, D: Array, keep: float) -> Array:
    """``dA * D / keep_prob``: the gradient flows through the kept units only, scaled alike."""
    return dA * D / keep


def check_generator(rng: object) -> None:
    """A training forward's ``dropout`` argument: a NumPy Generator (or None)."""
    if rng is not None and not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"dropout must be a NumPy Generator or None, got {type(rng).__name__}. "
            "Hint: net.forward(X, dropout=net.dropout_rng) in training."
        )
