"""Activation functions g and their derivatives g', as a table of records.

Every function maps ``Z: (n[l], m)`` to ``A: (n[l], m)`` elementwise, except softmax, which
normalizes each column. Derivatives take both ``Z`` and ``A`` so that each can use whichever is
cheaper (sigmoid' = A(1 - A), tanh' = 1 - A², relu' = 1[Z > 0]).

>>> import numpy as np
>>> ACTIVATIONS["sigmoid"].forward(np.array([[0.0]]))
array([[0.5]])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np

from ._validation import check_positive, lookup

Array = np.ndarray


def sigmoid(Z: Array) -> Array:
    """σ(Z) = 1 / (1 + e^-Z), computed without overflow: e^-|Z| is never above 1."""
    E = np.exp(-np.abs(Z))  # (n, m), in (0, 1]
    return np.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E)).astype(Z.dtype, copy=False)


def sigmoid_derivative(Z: Array, A: Array) -> Array:
    """σ'(Z) = σ(Z)(1 - σ(Z)) = A(1 - A)."""
    return A * (1 - A)


def tanh(Z: Array) -> Array:
    """tanh(Z) = (e^Z - e^-Z) / (e^Z + e^-Z)."""
    return np.tanh(Z)


def tanh_derivative(Z: Array, A: Array) -> Array:
    """tanh'(Z) = 1 - tanh(Z)² = 1 - A²."""
    return 1 - A * A


def relu(Z: Array) -> Array:
    """ReLU(Z) = max(0, Z)."""
    return np.maximum(Z, 0)


def relu_derivative(Z: Array, A: Array) -> Array:
    """ReLU'(Z) = 1 where Z > 0, else 0 (the subgradient 0 is used at Z = 0)."""
    return (Z > 0).astype(Z.dtype)


def leaky_relu(Z: Array, slope: float = 0.01) -> Array:
    """LeakyReLU(Z) = Z where Z > 0, else slope · Z."""
    return np.where(Z > 0, Z, Z * Z.dtype.type(slope))


def leaky_relu_derivative(Z: Array, A: Array, slope: float = 0.01) -> Array:
    """LeakyReLU'(Z) = 1 where Z > 0, else slope."""
    return np.where(Z > 0, Z.dtype.type(1), Z.dtype.type(slope))


def linear(Z: Array) -> Array:
    """Identity: g(Z) = Z (regression outputs)."""
    return Z


def linear_derivative(Z: Array, A: Array) -> Array:
    """g'(Z) = 1."""
    return np.ones_like(Z)


def softmax(Z: Array) -> Array:
    """softmax(Z)_i = e^(Z_i - max Z) / Σ_j e^(Z_j - max Z), per column (example)."""
    E = np.exp(Z - Z.max(axis=0, keepdims=True))  # (n, m), largest entry per column is 1
    return E / E.sum(axis=0, keepdims=True)


def softmax_backward(dA: Array, Z: Array, A: Array) -> Array:
    """dZ = A ⊙ (dA - Σ_i dA_i A_i): the softmax Jacobian applied to each column of dA."""
    return A * (dA - (dA * A).sum(axis=0, keepdims=True))


@dataclass(frozen=True)
class Activation:
    """An activation g: its name, forward ``g(Z)``, derivative ``g'(Z)`` and backward step.

    ``derivative(Z, A)`` is elementwise and ``None`` for softmax, whose Jacobian couples the
    entries of a column; ``backward(dA, Z, A)`` returns ``dZ = dA * g'(Z)`` for every function.
    ``params`` holds settings such as the leaky slope, so a network can be saved and rebuilt.
    """

    name: str
    forward: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array] | None
    params: Mapping[str, float] = field(default_factory=dict)
    jacobian_backward: Callable[[Array, Array, Array], Array] | None = None

    def backward(self, dA: Array, Z: Array, A: Array) -> Array:
        """dZ = dA ⊙ g'(Z), shapes ``(n[l], m)``."""
        if self.jacobian_backward is not None:
            return self.jacobian_backward(dA, Z, A)
        return dA * self.derivative(Z, A)

    def __call__(self, Z: Array) -> Array:
        return self.forward(Z)

    def spec(self) -> dict[str, Any]:
        """A JSON-ready description: ``{"name": ..., **params}``."""
        return {"name": self.name, **self.params}


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative),
    "tanh": Activation("tanh", tanh, tanh_derivative),
    "relu": Activation("relu", relu, relu_derivative),
    "leaky_relu": Activation(
        "leaky_relu", leaky_relu, leaky_relu_derivative, params={"slope": 0.01}
    ),
    "linear": Activation("linear", linear, linear_derivative),
    "softmax": Activation("softmax", softmax, None, jacobian_backward=softmax_backward),
}
HIDDEN_ACTIVATIONS = ("sigmoid", "tanh", "relu", "leaky_relu", "linear")
OUTPUT_ACTIVATIONS = ("sigmoid", "softmax", "linear", "tanh", "relu", "leaky_relu")


def get_activation(spec: str | Activation | Mapping[str, Any], **params: float) -> Activation:
    """Return the activation record for a name, a record, or a saved spec dict.

    ``get_activation("leaky_relu", slope=0.2)`` sets the leaky slope (default 0.01).
    """
    if isinstance(spec, Activation):
        return spec
    if isinstance(spec, Mapping):
        spec = dict(spec)
        return get_activation(spec.pop("name"), **spec)
    base = lookup("activation", spec, ACTIVATIONS)
    unknown = set(params) - set(base.params)
    if unknown:
        raise ValueError(
            f"activation {base.name!r} takes no parameter {sorted(unknown)}; "
            f"it takes {sorted(base.params) or 'none'}."
        )
    if not params:
        return base
    slope = check_positive("slope", params["slope"], allow_zero=True)
    return Activation(
        base.name,
        partial(leaky_relu, slope=slope),
        partial(leaky_relu_derivative, slope=slope),
        params={"slope": slope},
    )
