"""The course's assignment API, function for function, built on the core.

Course 1, week 4, "Building your Deep Neural Network: Step by Step": the same names, signatures
and cache tuples, so a learner's code runs unchanged (``from layerwise.assignment import *``)::

    linear_forward(A, W, b)                          -> Z, cache = (A, W, b)
    sigmoid(Z), relu(Z)                              -> A, cache = Z
    linear_activation_forward(A_prev, W, b, act)     -> A, cache = ((A_prev, W, b), Z)
    L_model_forward(X, parameters)                   -> AL, caches   (ReLU hidden, sigmoid out)
    compute_cost(AL, Y)                              -> cost
    linear_backward(dZ, cache)                       -> dA_prev, dW, db
    sigmoid_backward(dA, Z), relu_backward(dA, Z)    -> dZ
    linear_activation_backward(dA, cache, act)       -> dA_prev, dW, db
    L_model_backward(AL, Y, caches)                  -> grads {"dA0", "dW1", "db1", ...}
    update_parameters(parameters, grads, α)          -> parameters (each key rebound)

Every formula comes from the core: ``layers.linear_forward`` / ``layers.linear_backward``, the
activation records' ``forward`` and ``backward``, the binary cross-entropy's cost, the
``small_random`` initializer (W = randn × 0.01), ``GradientDescent``'s rule. The only formula
written here is dAL = -(Y/AL - (1 - Y)/(1 - AL)): the core's gradient keeps AL inside (0, 1),
and the course's own test case feeds AL drawn by ``randn`` (values above 1), so its published
gradients need the formula unclipped.

**Randomness.** The course's initializers call ``np.random.seed(1)`` (two layers) and
``np.random.seed(3)`` (deep) and then draw from NumPy's *global* generator. Reproducing its
published numbers is the point of this module, so here, and only here, the library draws from the
global state: the initializers read it (``np.random.get_state``), draw in the course's order (W1,
W2, ...) and write it back, exactly as ``np.random.randn`` would have advanced it. Everywhere else
randomness comes from a generator built from a seed (:mod:`layerwise.random`).

The core's own ``layerwise.layers.linear_forward(A_prev, W, b) -> Z`` and
``linear_backward(dZ, A_prev, W)`` work on arrays, and ``Network.forward`` returns
``DenseCache(A_prev, Z, A)`` caches; mixing them with these functions raises a ``TypeError``
that names the difference and the function to use.
"""

from __future__ import annotations

from collections.abc import Callable, MutableMapping, Sequence
from typing import Any

import numpy as np

from . import layers
from .activations import ACTIVATIONS
from .initializers import initialize_parameters as _initialize
from .layers import DenseCache
from .losses import LOSSES
from .optimizers import GradientDescent

Array = np.ndarray
LinearCache = tuple[Array, Array, Array]
Cache = tuple[LinearCache, Array]

__all__ = [
    "L_model_backward",
    "L_model_forward",
    "compute_cost",
    "initialize_parameters",
    "initialize_parameters_deep",
    "linear_activation_backward",
    "linear_activation_forward",
    "linear_backward",
    "linear_forward",
    "predict",
    "relu",
    "relu_backward",
    "sigmoid",
    "sigmoid_backward",
    "update_parameters",
]


# ----- initialization: the course's draws from the global generator ---------------------------
def _draw_from_global_state(layer_dims: Sequence[int]) -> dict[str, Array]:
    """``small_random`` weights drawn from NumPy's global state, which advances as randn would."""
    rng = np.random.RandomState()
    rng.set_state(np.random.get_state())
    parameters = _initialize(layer_dims, "small_random", seed=rng)
    np.random.set_state(rng.get_state())
    return parameters


def initialize_parameters(n_x: int, n_h: int, n_y: int) -> dict[str, Array]:
    """The 2-layer network's parameters: ``W1 (n_h, n_x)``, ``W2 (n_y, n_h)`` = randn × 0.01.

    As the course's own function, it first calls ``np.random.seed(1)``: the same weights on
    every call.

    Examples
    --------
    >>> initialize_parameters(3, 2, 1)["W2"].round(8).tolist()
    [[0.01744812, -0.00761207]]
    """
    np.random.seed(1)  # the course's own first line
    return _draw_from_global_state([n_x, n_h, n_y])


def initialize_parameters_deep(layer_dims: Sequence[int]) -> dict[str, Array]:
    """``W[l] (n[l], n[l-1])`` = randn × 0.01 and ``b[l]`` = 0 for l = 1..L.

    As the course's own function, it first calls ``np.random.seed(3)``: the same weights on
    every call.
    """
    np.random.seed(3)  # the course's own first line
    return _draw_from_global_state(layer_dims)


# ----- forward --------------------------------------------------------------------------------
def linear_forward(A: Array, W: Array, b: Array) -> tuple[Array, LinearCache]:
    """``Z = W A + b`` and the cache ``(A, W, b)``."""
    return layers.linear_forward(A, W, b), (A, W, b)


def sigmoid(Z: Array) -> tuple[Array, Array]:
    """``A = σ(Z)`` and the cache ``Z``."""
    return ACTIVATIONS["sigmoid"].forward(Z), Z


def relu(Z: Array) -> tuple[Array, Array]:
    """``A = max(0, Z)`` and the cache ``Z``."""
    return ACTIVATIONS["relu"].forward(Z), Z


def sigmoid_backward(dA: Array, cache: Array) -> Array:
    """``dZ = dA σ'(Z)`` with ``cache = Z``."""
    Z = cache
    return ACTIVATIONS["sigmoid"].backward(dA, Z, ACTIVATIONS["sigmoid"].forward(Z))


def relu_backward(dA: Array, cache: Array) -> Array:
    """``dZ = dA 1[Z > 0]`` with ``cache = Z``."""
    Z = cache
    return ACTIVATIONS["relu"].backward(dA, Z, ACTIVATIONS["relu"].forward(Z))


#: The course's two activations: forward (A, Z) and backward (dA, Z) -> dZ.
COURSE_ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
    "sigmoid": (sigmoid, sigmoid_backward),
    "relu": (relu, relu_backward),
}


def _activation(activation: Any) -> tuple[Callable, Callable]:
    if not isinstance(activation, str) or activation not in COURSE_ACTIVATIONS:
        raise ValueError(
            f"activation must be one of {', '.join(map(repr, COURSE_ACTIVATIONS))} (the course's "
            f"two), got {activation!r}. Hint: for tanh, leaky_relu or softmax build a "
            "layerwise.Network(layer_dims, hidden=..., output=...)."
        )
    return COURSE_ACTIVATIONS[activation]


def linear_activation_forward(
    A_prev: Array, W: Array, b: Array, activation: str
) -> tuple[Array, Cache]:
    """``A = g(W A_prev + b)`` and the cache ``((A_prev, W, b), Z)``."""
    forward, _ = _activation(activation)
    Z, linear_cache = linear_forward(A_prev, W, b)
    A, activation_cache = forward(Z)
    return A, (linear_cache, activation_cache)


def L_model_forward(X: Array, parameters: MutableMapping[str, Array]) -> tuple[Array, list[Cache]]:
    """[LINEAR → RELU] × (L - 1) → LINEAR → SIGMOID: ``AL (1, m)`` and one cache per layer."""
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        A, cache = linear_activation_forward(A, parameters[f"W{l}"], parameters[f"b{l}"], "relu")
        caches.append(cache)
    AL, cache = linear_activation_forward(A, parameters[f"W{L}"], parameters[f"b{L}"], "sigmoid")
    caches.append(cache)
    return AL, caches


def compute_cost(AL: Array, Y: Array) -> np.float64:
    """J = -(1/m) Σ (y log a + (1 - y) log(1 - a)), a 0-d number as the course's ``np.squeeze``."""
    return np.float64(LOSSES["binary_crossentropy"].cost(np.asarray(AL), np.asarray(Y)))


# ----- backward -------------------------------------------------------------------------------
def _refuse_dense_cache(cache: Any, function: str) -> None:
    """A ``Network.forward`` cache given to a course function: name both contracts."""
    if isinstance(cache, DenseCache):
        raise TypeError(
            f"{function} takes the course's cache ((A_prev, W, b), Z) per layer (from "
            "linear_activation_forward / L_model_forward), got a DenseCache (A_prev, Z, A) "
            "from Network.forward. Hint: grads = net.backward(AL, Y, caches) takes "
            "Network.forward's caches; AL, caches = L_model_forward(X, parameters) makes "
            "the course's."
        )


def linear_backward(dZ: Array, cache: LinearCache) -> tuple[Array, Array, Array]:
    """``dA_prev = Wᵀ dZ``, ``dW = dZ A_prevᵀ / m``, ``db = Σ dZ / m`` from ``(A_prev, W, b)``."""
    _refuse_dense_cache(cache, "linear_backward")
    A_prev, W, _ = cache
    return layers.linear_backward(dZ, A_prev, W)


def linear_activation_backward(
    dA: Array, cache: Cache, activation: str
) -> tuple[Array, Array, Array]:
    """``dZ = dA g'(Z)``, then ``linear_backward``: ``(dA_prev, dW, db)``."""
    _refuse_dense_cache(cache, "linear_activation_backward")
    _, backward = _activation(activation)
    linear_cache, activation_cache = cache
    return linear_backward(backward(dA, activation_cache), linear_cache)


def L_model_backward(AL: Array, Y: Array, caches: Sequence[Cache]) -> dict[str, Array]:
    """Gradients ``{"dA{l-1}", "dW{l}", "db{l}"}`` for l = L..1, as the course names them."""
    for cache in caches:
        _refuse_dense_cache(cache, "L_model_backward")
    grads: dict[str, Array] = {}
    L = len(caches)
    Y = np.asarray(Y).reshape(AL.shape)
    # the course's dL/dAL, unclipped (its test case feeds AL from randn; see the docstring)
    dA = -(np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    for l in range(L, 0, -1):
        activation = "sigmoid" if l == L else "relu"
        dA, grads[f"dW{l}"], grads[f"db{l}"] = linear_activation_backward(
            dA, caches[l - 1], activation
        )
        grads[f"dA{l - 1}"] = dA
    return grads


# ----- update and predict ---------------------------------------------------------------------
def update_parameters(
    parameters: MutableMapping[str, Array], grads: dict[str, Array], learning_rate: float
) -> MutableMapping[str, Array]:
    """``W[l] = W[l] - α dW[l]``, ``b[l] = b[l] - α db[l]``: each key of ``parameters`` rebound
    to a new array (the arrays it held are not changed), and the same dict returned.

    On a ``Network``'s live ``net.parameters`` the rebinding writes into the network.
    """
    rule = GradientDescent(learning_rate)
    L = len(parameters) // 2
    for l in range(1, L + 1):
        for name in (f"W{l}", f"b{l}"):
            value = parameters[name]
            updated = {name: np.array(value, dtype=np.result_type(value, 1.0))}  # a new array
            rule.update(updated, grads)  # θ ← θ - α dθ, on the new array
            parameters[name] = updated[name]
    return parameters


def predict(X: Array, y: Array, parameters: MutableMapping[str, Array]) -> Array:
    """Predictions ``p (1, m)`` of 0/1 (AL > 0.5), and the accuracy printed as the course does."""
    m = X.shape[1]
    probas, _ = L_model_forward(X, parameters)
    p = (probas > 0.5).astype(np.float64)
    print("Accuracy: " + str(np.sum((p == y) / m)))
    return p
