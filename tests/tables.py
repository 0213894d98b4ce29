"""Tables the tests iterate over: every hidden activation and every (output, loss) pair."""

import numpy as np

from layerwise.activations import HIDDEN_ACTIVATIONS
from layerwise.data import one_hot

HIDDEN = list(HIDDEN_ACTIVATIONS)
# (output activation, loss, smallest n_y): every pair the library supports
PAIRS = [
    ("sigmoid", "binary_crossentropy", 1),
    ("sigmoid", "multilabel_crossentropy", 2),
    ("softmax", "categorical_crossentropy", 2),
    ("linear", "squared_error", 1),
    ("linear", "absolute_error", 1),
    ("tanh", "squared_error", 1),
    ("sigmoid", "squared_error", 1),
]
# The same pairs with one more output than the smallest where more are allowed.
PAIRS_WIDE = [(o, loss, n if loss == "binary_crossentropy" else n + 1) for o, loss, n in PAIRS]


def make_targets(loss: str, n_y: int, m: int, rng: np.random.Generator) -> np.ndarray:
    """Valid targets ``Y (n_y, m)`` for a loss: one-hot, 0/1, or values in [-1, 1]."""
    if loss == "categorical_crossentropy":
        return one_hot(rng.integers(0, n_y, m), n_y)
    if loss in ("binary_crossentropy", "multilabel_crossentropy"):
        return (rng.random((n_y, m)) > 0.5).astype(float)
    return rng.uniform(-1, 1, (n_y, m))
