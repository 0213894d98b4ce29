"""Weight initializers: W[l] of shape (n[l], n[l-1]) drawn in order l = 1..L; biases are zero.

Every initializer draws ``standard_normal((n[l], n[l-1]))`` for W1, W2, ... in order (zeros draws
nothing) and multiplies by its scale:

=============  ==========================  ======================================
name           scale of W[l]               why
=============  ==========================  ======================================
zeros          0                           shows the symmetry problem
small_random   0.01                        the course's first networks
xavier         √(1 / n[l-1])               tanh / sigmoid layers (and the course's L-layer net)
he             √(2 / n[l-1])               ReLU layers
=============  ==========================  ======================================

``legacy=True`` draws with the course's ``np.random.RandomState(seed)`` (see
:mod:`layerwise.random`), so its published numbers are reproduced exactly.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from ._validation import lookup
from .random import Rng, Seed, make_rng


def _standard_normal(rng: Rng, shape: tuple[int, int]) -> np.ndarray:
    """float64 N(0, 1) draws: ``RandomState.standard_normal`` or ``Generator.standard_normal``."""
    return rng.standard_normal(shape)


def zeros_scale(n_prev: int) -> float:
    """Zero weights: every hidden unit computes the same function, forever."""
    return 0.0


def small_random_scale(n_prev: int) -> float:
    """× 0.01: small enough that tanh/sigmoid start in their linear region."""
    return 0.01


def xavier_scale(n_prev: int) -> float:
    """Var(W) = 1 / n[l-1]."""
    return float(np.sqrt(1.0 / n_prev))


def he_scale(n_prev: int) -> float:
    """Var(W) = 2 / n[l-1], which keeps ReLU activations' variance from shrinking."""
    return float(np.sqrt(2.0 / n_prev))


INITIALIZERS: dict[str, Callable[[int], float]] = {
    "zeros": zeros_scale,
    "small_random": small_random_scale,
    "xavier": xavier_scale,
    "he": he_scale,
}


def initialize_parameters(
    layer_dims: Sequence[int],
    init: str = "he",
    seed: Seed = None,
    *,
    legacy: bool = False,
    dtype: np.dtype | type = np.float64,
) -> dict[str, np.ndarray]:
    """Return the course's parameter dict ``{"W1": (n1, n0), "b1": (n1, 1), ...}``.

    Examples
    --------
    >>> p = initialize_parameters([3, 2, 1], "small_random", seed=1, legacy=True)
    >>> p["W1"].shape, p["b2"].shape
    ((2, 3), (1, 1))
    """
    if isinstance(layer_dims, int | np.integer):
        raise TypeError(
            f"layer_dims must be a list [n_x, n_1, ..., n_L], got the number {layer_dims!r}. "
            "Hint: the course's initialize_parameters(n_x, n_h, n_y) is "
            "layerwise.assignment.initialize_parameters; here it is "
            "initialize_parameters([n_x, n_h, n_y], 'small_random', seed=1, legacy=True)."
        )
    scale_of = lookup("init", init, INITIALIZERS)
    rng = make_rng(seed, legacy=legacy)
    parameters: dict[str, np.ndarray] = {}
    for l in range(1, len(layer_dims)):
        n, n_prev = int(layer_dims[l]), int(layer_dims[l - 1])
        scale = scale_of(n_prev)
        # zeros draws nothing; the others draw N(0, 1) then scale: (n[l], n[l-1])
        W = np.zeros((n, n_prev)) if init == "zeros" else _standard_normal(rng, (n, n_prev)) * scale
        parameters[f"W{l}"] = W.astype(dtype, copy=False)
        parameters[f"b{l}"] = np.zeros((n, 1), dtype=dtype)
    return parameters
