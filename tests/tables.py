"""Tables the tests iterate over: every hidden activation and every (output, loss) pair."""

from layerwise.activations import HIDDEN_ACTIVATIONS

HIDDEN = list(HIDDEN_ACTIVATIONS)
# (output activation, loss, smallest n_y): every pair the library supports
PAIRS = [
    ("sigmoid", "binary_crossentropy", 1),
    ("sigmoid", "multilabel_crossentropy", 2),
    ("softmax", "categorical_crossentropy", 2),
    ("linear", "l2", 1),
    ("linear", "l1", 1),
    ("tanh", "l2", 1),
    ("sigmoid", "l2", 1),
]
# The same pairs with one more output than the smallest where more are allowed.
PAIRS_WIDE = [(o, loss, n if loss == "binary_crossentropy" else n + 1) for o, loss, n in PAIRS]
