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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from .activations import Activation
from .backend import namespace

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


def linear_backward(dZ: Array, A_prev: Array, W: Array | None = None) -> tuple[Array, Array, Array]:
    """Return ``dA_prev = Wᵀ dZ``, ``dW = dZ A_prevᵀ / m`` and ``db = Σ dZ / m``.

    Takes the arrays ``A_prev`` and ``W``; the course's ``linear_backward(dZ, cache)`` with its
    cache ``(A_prev, W, b)`` is :func:`layerwise.assignment.linear_backward`.
    """
    if W is None or isinstance(A_prev, tuple):
        raise TypeError(
            "layerwise.layers.linear_backward(dZ, A_prev, W) takes the arrays A_prev and W, got "
            f"{_what(A_prev)} as A_prev and {_what(W)} as W. Hint: for the course's "
            "linear_backward(dZ, cache) with cache = (A_prev, W, b), call "
            "layerwise.assignment.linear_backward (also lw.linear_backward)."
        )
    m = A_prev.shape[1]
    dW = (dZ @ A_prev.T) / m  # (n[l], n[l-1])
    if type(dZ) is np.ndarray:  # (the method: np.sum costs a Python wrapper)
        db = dZ.sum(axis=1, keepdims=True) / m  # (n[l], 1)
    else:
        db = namespace(dZ).sum(dZ, axis=1, keepdims=True) / m
    dA_prev = W.T @ dZ  # (n[l-1], m)
    return dA_prev, dW, db


def _what(value: object) -> str:
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape}"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    return "nothing" if value is None else type(value).__name__


def check_network_caches(caches: Sequence[object]) -> None:
    """Refuse the course's caches ``((A_prev, W, b), Z)`` where ``Network.backward`` needs the
    ``DenseCache (A_prev, Z, A)`` of ``Network.forward``, naming the function that takes them."""
    for l, cache in enumerate(caches, start=1):
        course = not isinstance(cache, DenseCache) and isinstance(cache, tuple) and len(cache) == 2
        if course and isinstance(cache[0], tuple) and len(cache[0]) == 3:
            raise TypeError(
                "caches must be Network.forward's DenseCache (A_prev, Z, A), one per layer; "
                f"layer {l}'s is the course's cache ((A_prev, W, b), Z). Hint: "
                "layerwise.assignment.L_model_backward(AL, Y, caches) takes the course's "
                "caches; AL, caches = net.forward(X) makes the ones net.backward takes."
            )


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
