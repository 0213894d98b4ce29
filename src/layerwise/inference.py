"""The forward pass of prediction: no caches, no dropout, only what the answer needs.

``Network.forward`` keeps ``(A_prev, Z, A)`` of every layer for ``backward``; a prediction
needs none of them. :func:`logits` stops at ``Z[L]`` (what the estimators read: their
probabilities and log-probabilities come from the logits), skipping the output activation as
well. Each layer computes ``Z = W A_prev + b`` and ``A = g(Z)`` with the very functions of
:class:`~layerwise.layers.Dense`, in the same order, so the numbers are those of
``Network.forward``, bit for bit.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .activations import Activation, relu
from .layers import Dense

Array = np.ndarray


def covers(layers: Sequence[Dense]) -> bool:
    """Whether every layer is a plain ``Dense`` (a subclass's own forward must run instead)."""
    return all(type(layer) is Dense for layer in layers)


def logits(layers: Sequence[Dense], X: Array) -> Array:
    """``Z[L] (n_y, m)`` of ``X (n_x, m)``, an input already checked (shape, dtype, finite)."""
    A = X
    for layer in layers[:-1]:
        A = _activated(layer, _affine(layer, A))  # (n[l], m)
    return _affine(layers[-1], A)  # (n_y, m)


def output(layers: Sequence[Dense], X: Array) -> Array:
    """``A[L] (n_y, m)`` of ``X (n_x, m)``, an input already checked (shape, dtype, finite)."""
    return _activated(layers[-1], logits(layers, X))


def _affine(layer: Dense, A: Array) -> Array:
    """``Z = W A + b`` in one new array: the product, then b added in place (the same numbers
    as :func:`~layerwise.layers.linear_forward`, one array of (n[l], m) fewer to fill)."""
    Z = np.matmul(layer.W, A)  # (n[l], m)
    Z += layer.b  # (n[l], 1), broadcast over the columns
    return Z


def _activated(layer: Dense, Z: Array) -> Array:
    """``g(Z)``; ReLU of the built-in record in place (``np.maximum(Z, 0)``, written into Z,
    which nothing else holds). Any other activation runs its own ``forward``."""
    act = layer.activation
    if type(act) is Activation and act.forward is relu:
        return np.maximum(Z, 0, out=Z)
    return act.forward(Z)
