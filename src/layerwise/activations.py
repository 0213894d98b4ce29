"""Activation functions g and their derivatives g', as a table of records.

Every function maps ``Z: (n[l], m)`` to ``A: (n[l], m)`` elementwise, except softmax, which
normalizes each column. Derivatives take both ``Z`` and ``A`` so that each can use whichever is
cheaper (sigmoid' = A(1 - A), tanh' = 1 - A², relu' = 1[Z > 0]).

Each record also carries its *in-place* version for the training engine (``inplace``): the same
formulas as NumPy calls bound to preallocated buffers, ``out=`` everywhere. A record without
them (a custom activation) trains through its own ``forward`` and ``backward``, exactly as the
reference path computes it; the engine (``layerwise.engine.tape``) takes the ops from the
record, never by an activation's name.

Each formula runs on the array library of its input (:mod:`layerwise.backend`):
``np if type(Z) is np.ndarray else namespace(Z)`` costs the NumPy path a type test, not a call.

>>> import numpy as np
>>> ACTIVATIONS["sigmoid"].forward(np.array([[0.0]]))
array([[0.5]])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from functools import partial
from typing import Any

import numpy as np

from ._validation import check_positive, lookup
from .backend import namespace

Array = np.ndarray
Op = Callable[[], object]
#: ``inplace(A, dA, scratch, mask) -> (forward ops, backward ops)``: forward turns the buffer
#: ``A`` holding Z into g(Z); backward turns ``dA`` into dZ = dA ⊙ g'(Z), reading g' from A (and
#: from what forward left in ``mask``/``scratch``). Every buffer is (n[l], B).
InplaceOps = Callable[[Array, Array, Array, Array], tuple[list[Op], list[Op]]]


def sigmoid(Z: Array) -> Array:
    """σ(Z) = 1 / (1 + e^-Z), computed without overflow: e^-|Z| is never above 1."""
    xp = np if type(Z) is np.ndarray else namespace(Z)
    E = xp.exp(-xp.abs(Z))  # (n, m), in (0, 1]
    A = xp.where(Z >= 0, 1.0 / (1.0 + E), E / (1.0 + E))
    return A.astype(Z.dtype, copy=False) if xp is np else xp.astype(A, Z.dtype, copy=False)


def sigmoid_derivative(Z: Array, A: Array) -> Array:
    """σ'(Z) = σ(Z)(1 - σ(Z)) = A(1 - A)."""
    return A * (1 - A)


def tanh(Z: Array) -> Array:
    """tanh(Z) = (e^Z - e^-Z) / (e^Z + e^-Z)."""
    return (np if type(Z) is np.ndarray else namespace(Z)).tanh(Z)


def tanh_derivative(Z: Array, A: Array) -> Array:
    """tanh'(Z) = 1 - tanh(Z)² = 1 - A²."""
    return 1 - A * A


def relu(Z: Array) -> Array:
    """ReLU(Z) = max(0, Z)."""
    return (np if type(Z) is np.ndarray else namespace(Z)).maximum(Z, 0)


def relu_derivative(Z: Array, A: Array) -> Array:
    """ReLU'(Z) = 1 where Z > 0, else 0 (the subgradient 0 is used at Z = 0)."""
    xp = np if type(Z) is np.ndarray else namespace(Z)
    return (Z > 0).astype(Z.dtype) if xp is np else xp.astype(Z > 0, Z.dtype)


def leaky_relu(Z: Array, slope: float = 0.01) -> Array:
    """LeakyReLU(Z) = Z where Z > 0, else slope · Z."""
    xp = np if type(Z) is np.ndarray else namespace(Z)
    if xp is np:
        return np.where(Z > 0, Z, Z * Z.dtype.type(slope))
    return xp.where(Z > 0, Z, Z * slope)  # a Python float keeps Z's dtype


def leaky_relu_derivative(Z: Array, A: Array, slope: float = 0.01) -> Array:
    """LeakyReLU'(Z) = 1 where Z > 0, else slope."""
    xp = np if type(Z) is np.ndarray else namespace(Z)
    if xp is np:
        return np.where(Z > 0, Z.dtype.type(1), Z.dtype.type(slope))
    return xp.where(Z > 0, xp.ones_like(Z), xp.full_like(Z, slope))


def linear(Z: Array) -> Array:
    """Identity: g(Z) = Z (regression outputs)."""
    return Z


def linear_derivative(Z: Array, A: Array) -> Array:
    """g'(Z) = 1."""
    return (np if type(Z) is np.ndarray else namespace(Z)).ones_like(Z)


def softmax(Z: Array) -> Array:
    """softmax(Z)_i = e^(Z_i - max Z) / Σ_j e^(Z_j - max Z), per column (example)."""
    if type(Z) is np.ndarray:  # (the methods: np.max and np.sum cost a Python wrapper each)
        E = np.exp(Z - Z.max(axis=0, keepdims=True))  # (n, m), largest entry per column is 1
        return E / E.sum(axis=0, keepdims=True)
    xp = namespace(Z)
    E = xp.exp(Z - xp.max(Z, axis=0, keepdims=True))
    return E / xp.sum(E, axis=0, keepdims=True)


def softmax_backward(dA: Array, Z: Array, A: Array) -> Array:
    """dZ = A ⊙ (dA - Σ_i dA_i A_i): the softmax Jacobian applied to each column of dA."""
    dA_A = dA * A  # (n, m)
    if type(dA_A) is np.ndarray:
        return A * (dA - dA_A.sum(axis=0, keepdims=True))
    return A * (dA - namespace(dA_A).sum(dA_A, axis=0, keepdims=True))


# ----- the same formulas in place, for the training engine --------------------------------------
# (ufuncs take their output positionally: np.add(a, b, out) skips keyword parsing on every call)
def sigmoid_inplace(A: Array, dA: Array, scratch: Array, mask: Array):
    forward = [  # σ(z) = ½ tanh(z/2) + ½: stable, no overflow
        partial(np.multiply, A, 0.5, A),
        partial(np.tanh, A, A),
        partial(np.multiply, A, 0.5, A),
        partial(np.add, A, 0.5, A),
    ]
    backward = [
        partial(np.subtract, 1, A, scratch),  # g' = A (1 - A)
        partial(np.multiply, scratch, A, scratch),
        partial(np.multiply, dA, scratch, dA),
    ]
    return forward, backward


def tanh_inplace(A: Array, dA: Array, scratch: Array, mask: Array):
    backward = [
        partial(np.multiply, A, A, scratch),  # g' = 1 - A²
        partial(np.subtract, 1, scratch, scratch),
        partial(np.multiply, dA, scratch, dA),
    ]
    return [partial(np.tanh, A, A)], backward


def relu_inplace(A: Array, dA: Array, scratch: Array, mask: Array):
    forward = [  # max(0, z) = z · 1[z > 0]; the mask (0.0/1.0) is also g'
        partial(np.greater, A, 0, mask),
        partial(np.multiply, A, mask, A),
    ]
    return forward, [partial(np.multiply, dA, mask, dA)]


def leaky_relu_inplace(A: Array, dA: Array, scratch: Array, mask: Array, slope: float = 0.01):
    forward = [  # max(z, slope·z) for slope ≤ 1 (min for slope > 1)
        partial(np.multiply, A, slope, scratch),
        partial(np.maximum if slope <= 1 else np.minimum, A, scratch, out=A),
    ]
    backward = [
        partial(np.greater, A, 0, mask),  # g' = 1 where A > 0, else slope
        partial(np.multiply, mask, 1 - slope, scratch),
        partial(np.add, scratch, slope, scratch),
        partial(np.multiply, dA, scratch, dA),
    ]
    return forward, backward


def linear_inplace(A: Array, dA: Array, scratch: Array, mask: Array):
    return [], []  # g(z) = z, g' = 1: nothing to do


@dataclass(frozen=True)
class Activation:
    """An activation g: its name, forward ``g(Z)``, derivative ``g'(Z)`` and backward step.

    ``derivative(Z, A)`` is elementwise and ``None`` for softmax, whose Jacobian couples the
    entries of a column; ``backward(dA, Z, A)`` returns ``dZ = dA * g'(Z)`` for every function.
    ``params`` holds settings such as the leaky slope, so a network can be saved and rebuilt.
    ``inplace`` builds the engine's in-place ops (see :data:`InplaceOps`); a custom record may
    leave it out and trains through ``forward``/``backward`` (so does a subclass, whatever its
    fields hold). ``backward`` is linear in ``dA``, as the chain rule makes it: the engine
    calls it on c·dA (c = α/m folded in once, see :mod:`layerwise.engine`).

    Examples
    --------
    >>> swish = Activation("swish", lambda Z: Z * sigmoid(Z),
    ...                    lambda Z, A: sigmoid(Z) + A * (1 - sigmoid(Z)))
    >>> swish.elementwise, swish.builtin
    (True, False)
    """

    name: str
    forward: Callable[[Array], Array]
    derivative: Callable[[Array, Array], Array] | None
    params: Mapping[str, float] = field(default_factory=dict)
    jacobian_backward: Callable[[Array, Array, Array], Array] | None = None
    inplace: InplaceOps | None = None

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

    @property
    def elementwise(self) -> bool:
        """True when g acts on each entry alone (every activation but softmax)."""
        return self.derivative is not None

    @property
    def builtin(self) -> bool:
        """True for the library's own records (those a model file can name and the exporter
        writes): the record that ``get_activation(name, **params)`` rebuilds, function for
        function. Its code decides, never its name: a record named "tanh" that computes
        anything else (or takes another derivative), or a subclass (whose methods may differ
        from the fields it holds), is a custom record."""
        base = ACTIVATIONS.get(self.name)
        if base is None or type(self) is not Activation:
            return False
        if self == base:
            return True
        try:  # a leaky slope other than the default: partials of the same functions
            own = get_activation(self.name, **self.params)
        except (TypeError, ValueError):
            return False
        return all(_same_code(getattr(self, f.name), getattr(own, f.name)) for f in fields(self))


def inplace_of(act: Activation) -> InplaceOps | None:
    """The record's in-place engine ops, or None. Only a plain record's: a subclass may
    override ``backward`` (or ``__call__``), so the engine runs it through its methods, as
    the reference path does, whatever its ``inplace`` field holds."""
    return act.inplace if type(act) is Activation else None


def _same_code(a: Any, b: Any) -> bool:
    """Whether two fields of a record hold the same code: one function, or partials of one
    function with the same settings (the leaky slope); other fields (name, params) by value."""
    if isinstance(a, partial) and isinstance(b, partial):
        return a.func is b.func and a.args == b.args and a.keywords == b.keywords
    return a is b or (not callable(a) and a == b)


ACTIVATIONS: dict[str, Activation] = {
    "sigmoid": Activation("sigmoid", sigmoid, sigmoid_derivative, inplace=sigmoid_inplace),
    "tanh": Activation("tanh", tanh, tanh_derivative, inplace=tanh_inplace),
    "relu": Activation("relu", relu, relu_derivative, inplace=relu_inplace),
    "leaky_relu": Activation(
        "leaky_relu",
        leaky_relu,
        leaky_relu_derivative,
        params={"slope": 0.01},
        inplace=leaky_relu_inplace,
    ),
    "linear": Activation("linear", linear, linear_derivative, inplace=linear_inplace),
    # softmax is an output activation: its delta is fused with the loss (see outputs.py)
    "softmax": Activation("softmax", softmax, None, jacobian_backward=softmax_backward),
}
#: The library's hidden-layer activations: every elementwise record of the table (softmax
#: normalizes a column, so it is an output activation only). A custom elementwise record works
#: as a hidden layer as well; every face that offers hidden activations by name offers these.
HIDDEN_ACTIVATIONS = tuple(name for name, act in ACTIVATIONS.items() if act.elementwise)
#: The ReLU family: the hidden activations for which ``init="auto"`` picks He, not Xavier.
RELU_FAMILY = ("relu", "leaky_relu")


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
        inplace=partial(leaky_relu_inplace, slope=slope),
    )
