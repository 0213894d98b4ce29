"""The block a deep network is made of: one fully connected (Dense) layer.

Forward:   Z = W A_prev + b            (n[l], m) = (n[l], n[l-1]) (n[l-1], m) + (n[l], 1)
           A = g(Z)                    (n[l], m)
Backward:  dZ = dA ⊙ g'(Z)             (n[l], m)
           dW = dZ A_prevᵀ / m         (n[l], n[l-1])
           db = Σ_columns dZ / m       (n[l], 1)
           dA_prev = Wᵀ dZ             (n[l-1], m)

``forward`` returns the output and a cache; ``backward`` takes the cache back and returns the
gradients (nothing is stored on the layer between the two calls).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .activations import Activation

Array = np.ndarray


class DenseCache(NamedTuple):
    """What backward needs: ``A_prev (n[l-1], m)``, ``Z (n[l], m)``, ``A (n[l], m)``, and in
    a training forward with dropout the layer's mask ``D (n[l], m)`` (0/1; None without).
    ``A`` is g(Z), before the mask: the derivative is read from it; the next layer's
    ``A_prev`` is ``A * D / keep_prob`` (see :mod:`layerwise.dropout`)."""

    A_prev: Array
    Z: Array
    A: Array
    D: Array | None = None


def linear_forward(A_prev: Array, W: Array, b: Array) -> Array:
    """Z = W A_prev + b: ``(n[l], n[l-1]) @ (n[l-1], m) + (n[l], 1) -> (n[l], m)``."""
    return W @ A_prev + b


def linear_backward(dZ: Array, A_prev: Array, W: Array) -> tuple[Array, Array, Array]:
    """Return ``dA_prev = Wᵀ dZ``, ``dW = dZ A_prevᵀ / m`` and ``db = Σ dZ / m``."""
    m = A_prev.shape[1]
    dW = (dZ @ A_prev.T) / m  # (n[l], n[l-1])
    db = dZ.sum(axis=1, keepdims=True) / m  # (n[l], 1)
    dA_prev = W.T @ dZ  # (n[l-1], m)
    return dA_prev, dW, db


@dataclass
class Dense:
    """A fully connected layer ``A = g(W A_prev + b)``.

    Parameters
    ----------
    W : ndarray of shape (n[l], n[l-1])
    b : ndarray of shape (n[l], 1)
    activation : Activation
        The record from ``layerwise.activations``.
    """

    W: Array
    b: Array
    activation: Activation

    def __post_init__(self) -> None:
        n = self.W.shape[0]
        if self.b.shape != (n, 1):
            raise ValueError(
                f"b must have shape ({n}, 1) to match W {self.W.shape}, got {self.b.shape}."
            )

    @property
    def shape(self) -> tuple[int, int]:
        """``(n[l], n[l-1])``: units out, units in."""
        return self.W.shape

    def forward(self, A_prev: Array) -> tuple[Array, DenseCache]:
        """``A_prev (n[l-1], m) -> A (n[l], m)`` and the cache for backward."""
        Z = linear_forward(A_prev, self.W, self.b)  # (n[l], m)
        A = self.activation.forward(Z)  # (n[l], m)
        return A, DenseCache(A_prev, Z, A)

    def backward(
        self, dA: Array | None, cache: DenseCache, dZ: Array | None = None
    ) -> tuple[Array, Array, Array]:
        """``dA (n[l], m)`` -> ``(dA_prev, dW, db)``; pass ``dZ`` directly to skip g'."""
        if dZ is None:
            dZ = self.activation.backward(dA, cache.Z, cache.A)  # (n[l], m)
        return linear_backward(dZ, cache.A_prev, self.W)
