"""Losses L(a, y), their gradients dL/da, and the cost J = mean over the m examples.

Each loss is a record in ``LOSSES``. ``elementwise(AL, Y)`` returns the loss of every output of
every example, shape ``(n_y, m)``; the loss of one example sums its column, and the cost is the
mean over the columns:

    J = (1/m) Σ_i Σ_k L(AL[k, i], Y[k, i])

``gradient(AL, Y)`` is dL/dAL per entry, *not* divided by m: the 1/m of the mean is applied once,
in ``dW = dZ A_prevᵀ / m`` and ``db = Σ dZ / m`` (the course's convention).

A loss and the output activation are a pair (the table is in :mod:`layerwise.outputs`). For
sigmoid + cross-entropy, softmax + categorical cross-entropy and linear + squared error the output
delta is simply ``dZ[L] = AL - Y``, and the cost is computed from the logits ``Z[L]``
(``from_logits``), which stays finite however large Z[L] grows.

Names: ``squared_error`` (the notes' L2 loss, ``"mse"``) and ``absolute_error`` (L1, ``"mae"``);
``"l2"``/``"l1"`` are accepted as aliases, but ``l2=λ`` elsewhere is the *regularization* strength.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ._validation import lookup
from .backend import namespace, to_numpy

Array = np.ndarray


def _clip_probabilities(AL: Array) -> Array:
    """Keep probabilities inside (0, 1) so that log never sees 0: [tiny, 1 - epsneg]."""
    xp = np if type(AL) is np.ndarray else namespace(AL)
    if xp is np:
        info = np.finfo(AL.dtype)
        return np.clip(AL, info.tiny, 1 - info.epsneg)
    info = xp.finfo(AL.dtype)  # the array API's finfo: 1 - eps/2 is NumPy's 1 - epsneg
    return xp.clip(AL, float(info.smallest_normal), 1 - float(info.eps) / 2)


def binary_cross_entropy(AL: Array, Y: Array) -> Array:
    """L = -(y log a + (1 - y) log(1 - a)), per entry ``(n_y, m)``."""
    P = _clip_probabilities(AL)
    xp = np if type(P) is np.ndarray else namespace(P)
    return -(Y * xp.log(P) + (1 - Y) * xp.log1p(-P))


def binary_cross_entropy_gradient(AL: Array, Y: Array) -> Array:
    """dL/da = -(y/a - (1 - y)/(1 - a))."""
    P = _clip_probabilities(AL)
    return -(Y / P - (1 - Y) / (1 - P))


def binary_cross_entropy_from_logits(ZL: Array, Y: Array) -> Array:
    """The same loss from z (a = σ(z)): max(z, 0) - z y + log(1 + e^-|z|), never overflowing
    (and 5× faster than ``np.logaddexp(0, z) - z y``, measured)."""
    xp = np if type(ZL) is np.ndarray else namespace(ZL, Y)
    return xp.maximum(ZL, 0) - ZL * Y + xp.log1p(xp.exp(-xp.abs(ZL)))


def categorical_cross_entropy(AL: Array, Y: Array) -> Array:
    """L = -Σ_k y_k log a_k; entries ``(n_y, m)`` whose columns sum to the example loss."""
    return -(Y * (np if type(AL) is np.ndarray else namespace(AL)).log(_clip_probabilities(AL)))


def categorical_cross_entropy_gradient(AL: Array, Y: Array) -> Array:
    """dL/da_k = -y_k / a_k."""
    return -(Y / _clip_probabilities(AL))


def categorical_cross_entropy_from_logits(ZL: Array, Y: Array) -> Array:
    """From logits: -y_k (z_k - logsumexp(z)), with the max subtracted before exp."""
    if type(ZL) is np.ndarray:  # (the methods: no Python wrapper)
        shifted = ZL - ZL.max(axis=0, keepdims=True)  # (n_y, m), max 0 per column
        log_norm = np.log(np.exp(shifted).sum(axis=0, keepdims=True))  # (1, m)
    else:
        xp = namespace(ZL, Y)
        shifted = ZL - xp.max(ZL, axis=0, keepdims=True)
        log_norm = xp.log(xp.sum(xp.exp(shifted), axis=0, keepdims=True))
    return -(Y * (shifted - log_norm))


def squared_error(AL: Array, Y: Array) -> Array:
    """L2 loss: L = ½ (a - y)², as the notes define it."""
    return 0.5 * (AL - Y) ** 2


def squared_error_gradient(AL: Array, Y: Array) -> Array:
    """dL/da = a - y."""
    return AL - Y


def absolute_error(AL: Array, Y: Array) -> Array:
    """L1 loss: L = |a - y|."""
    return namespace(AL, Y).abs(AL - Y)


def absolute_error_gradient(AL: Array, Y: Array) -> Array:
    """dL/da = sign(a - y) (0 at a = y)."""
    return namespace(AL, Y).sign(AL - Y)


def check_binary_labels(Y: Array) -> None:
    """Binary and multi-label targets hold only 0 and 1 (device targets: checked on the host)."""
    Y = Y if type(Y) is np.ndarray else to_numpy(Y)
    bad = (Y != 0) & (Y != 1)
    if bad.any():
        value = Y[bad].flat[0].item()  # a Python number: "2.0", not "np.float64(2.0)"
        raise ValueError(
            f"Y must hold only 0 and 1 for binary cross-entropy; found {value!r} "
            f"({int(bad.sum())} entries). Hint: map the two classes to 0/1 first."
        )


def check_one_hot(Y: Array) -> None:
    """Categorical targets are one-hot: 0/1 entries, exactly one 1 per column."""
    Y = Y if type(Y) is np.ndarray else to_numpy(Y)  # (device targets: checked on the host)
    sums = Y.sum(axis=0)
    if ((Y != 0) & (Y != 1)).any() or not np.all(sums == 1):
        column = int(np.flatnonzero(((Y != 0) & (Y != 1)).any(axis=0) | (sums != 1))[0])
        raise ValueError(
            "Y must be one-hot for categorical cross-entropy (one 1 per column); "
            f"column {column} is {Y[:, column].tolist()}. "
            "Hint: layerwise.data.one_hot(labels, n_classes)."
        )


def _no_check(Y: Array) -> None:
    """Regression targets: any finite number."""


@dataclass(frozen=True)
class Loss:
    """A loss: per-entry values, gradient dL/dAL and target check.

    ``from_logits`` computes the same loss from ``Z[L]`` for its fused pair in
    :mod:`layerwise.outputs` (``None`` when it has none).
    """

    name: str
    elementwise: Callable[[Array, Array], Array]
    gradient: Callable[[Array, Array], Array]
    check_targets: Callable[[Array], None]
    from_logits: Callable[[Array, Array], Array] | None = None

    @property
    def builtin(self) -> bool:
        """True for the library's own records (those a model file can name)."""
        return LOSSES.get(self.name) == self

    def cost(self, AL: Array, Y: Array) -> float:
        """J = (1/m) Σ over examples of the summed loss of each column."""
        m = AL.shape[1]
        L = self.elementwise(AL, Y)  # (n_y, m)
        return float((L.sum() if type(L) is np.ndarray else namespace(L).sum(L)) / m)

    def cost_from_logits(self, ZL: Array, Y: Array) -> float:
        """J from ``Z[L]`` for the fused pair (stable for any logits)."""
        L = self.from_logits(ZL, Y)  # (n_y, m)
        return float((L.sum() if type(L) is np.ndarray else namespace(L).sum(L)) / ZL.shape[1])


LOSSES: dict[str, Loss] = {
    "binary_crossentropy": Loss(
        "binary_crossentropy",
        binary_cross_entropy,
        binary_cross_entropy_gradient,
        check_binary_labels,
        from_logits=binary_cross_entropy_from_logits,
    ),
    "multilabel_crossentropy": Loss(
        "multilabel_crossentropy",
        binary_cross_entropy,
        binary_cross_entropy_gradient,
        check_binary_labels,
        from_logits=binary_cross_entropy_from_logits,
    ),
    "categorical_crossentropy": Loss(
        "categorical_crossentropy",
        categorical_cross_entropy,
        categorical_cross_entropy_gradient,
        check_one_hot,
        from_logits=categorical_cross_entropy_from_logits,
    ),
    "squared_error": Loss(
        "squared_error", squared_error, squared_error_gradient, _no_check, from_logits=squared_error
    ),
    "absolute_error": Loss("absolute_error", absolute_error, absolute_error_gradient, _no_check),
}
ALIASES = {
    "bce": "binary_crossentropy",
    "multilabel": "multilabel_crossentropy",
    "ce": "categorical_crossentropy",
    "cross_entropy": "categorical_crossentropy",
    "mse": "squared_error",
    "l2": "squared_error",
    "mae": "absolute_error",
    "l1": "absolute_error",
}


def get_loss(name: str | Loss) -> Loss:
    """Return the loss record for a name or alias (``"bce"``, ``"ce"``, ``"mse"``, ``"mae"``)."""
    if isinstance(name, Loss):
        return name
    return lookup(
        "loss", ALIASES.get(name, name), LOSSES | {a: LOSSES[t] for a, t in ALIASES.items()}
    )
