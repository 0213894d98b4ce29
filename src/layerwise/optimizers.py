"""Optimizers, in order of complexity, one update rule each.

Each works on arrays in place: ``step(theta, grad)`` with the network's flat parameter vector and
its gradient (one vector operation for every layer at once), or ``update(parameters, grads)``
with the course's dicts ``{"W1": ...}`` and ``{"dW1": ...}``.

===============  ==========================================================================
GradientDescent  θ ← θ - α dθ
Momentum         v ← β v + (1 - β) dθ;  θ ← θ - α v
RMSProp          s ← β s + (1 - β) dθ²;  θ ← θ - α dθ / (√s + ε)
Adam             v, s as above; v̂ = v/(1 - β1ᵗ), ŝ = s/(1 - β2ᵗ);  θ ← θ - α v̂ / (√ŝ + ε)
===============  ==========================================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from ._validation import check_beta, check_positive, lookup
from .backend import device_of, namespace

Array = np.ndarray


class Optimizer:
    """Base: holds the learning rate α and per-parameter state keyed by ``id``-free names."""

    def __init__(self, learning_rate: float = 0.01) -> None:
        self.learning_rate = check_positive("learning_rate", learning_rate)
        self.state: dict[str, dict[str, Array]] = {}
        self.t = 0

    def _slots(self, key: str, like: Array, names: tuple[str, ...]) -> dict[str, Array]:
        slots = self.state.get(key)
        first = None if slots is None else slots[names[0]]  # NumPy's test: type and shape only
        if (
            first is None
            or type(first) is not type(like)
            or first.shape != like.shape
            or (type(like) is not np.ndarray and device_of(first) != device_of(like))
        ):  # (moments of another library or device: made afresh where θ now lives)
            slots = {name: namespace(like).zeros_like(like) for name in names}
            self.state[key] = slots
        return slots

    def step(self, theta: Array, grad: Array, key: str = "theta") -> None:
        """Update ``theta`` in place from ``grad`` (same shape)."""
        self.t += 1
        self._apply(theta, grad, key, self.t)

    def update(self, parameters: Mapping[str, Array], grads: Mapping[str, Array]) -> None:
        """Course style: ``W1 -= α dW1`` ... for every key of ``parameters``, in place."""
        self.t += 1
        for key, value in parameters.items():
            xp = namespace(value)
            self._apply(value, xp.asarray(grads["d" + key], dtype=value.dtype), key, self.t)

    def _apply(self, theta: Array, grad: Array, key: str, t: int) -> None:
        raise NotImplementedError

    def config(self) -> dict[str, Any]:
        return {"name": self.name, "learning_rate": self.learning_rate}

    @property
    def plain(self) -> bool:
        """True when the update is the library's own θ -= α dθ, so training may fold α into
        dZ[L] and never call :meth:`step` (see :func:`builtin_rule`)."""
        return builtin_rule(self) is GradientDescent

    name = "optimizer"


def _scalar(theta: Array, value: float) -> Any:
    """α in θ's dtype: a NumPy scalar of it on NumPy (as always); a Python float elsewhere,
    which the array API keeps in the array's dtype."""
    return theta.dtype.type(value) if isinstance(theta, np.ndarray) else value


class GradientDescent(Optimizer):
    """θ ← θ - α dθ."""

    name = "gd"

    def _apply(self, theta: Array, grad: Array, key: str, t: int) -> None:
        theta -= _scalar(theta, self.learning_rate) * grad


class Momentum(Optimizer):
    """v ← β v + (1 - β) dθ;  θ ← θ - α v (the course's exponentially weighted form)."""

    name = "momentum"

    def __init__(self, learning_rate: float = 0.01, beta: float = 0.9) -> None:
        super().__init__(learning_rate)
        self.beta = check_beta("beta", beta)

    def _apply(self, theta: Array, grad: Array, key: str, t: int) -> None:
        v = self._slots(key, theta, ("v",))["v"]
        v *= self.beta
        v += (1 - self.beta) * grad
        theta -= _scalar(theta, self.learning_rate) * v

    def config(self) -> dict[str, Any]:
        return super().config() | {"beta": self.beta}


class RMSProp(Optimizer):
    """s ← β s + (1 - β) dθ²;  θ ← θ - α dθ / (√s + ε)."""

    name = "rmsprop"

    def __init__(self, learning_rate: float = 0.001, beta: float = 0.9, epsilon: float = 1e-8):
        super().__init__(learning_rate)
        self.beta = check_beta("beta", beta)
        self.epsilon = check_positive("epsilon", epsilon)

    def _apply(self, theta: Array, grad: Array, key: str, t: int) -> None:
        s = self._slots(key, theta, ("s",))["s"]
        s *= self.beta
        s += (1 - self.beta) * grad * grad
        sqrt = namespace(s).sqrt
        theta -= _scalar(theta, self.learning_rate) * grad / (sqrt(s) + self.epsilon)

    def config(self) -> dict[str, Any]:
        return super().config() | {"beta": self.beta, "epsilon": self.epsilon}


class Adam(Optimizer):
    """Momentum and RMSProp together, with bias correction of both averages."""

    name = "adam"

    def __init__(
        self,
        learning_rate: float = 0.001,
        beta1: float = 0.9,
        beta2: float = 0.999,
        epsilon: float = 1e-8,
    ) -> None:
        super().__init__(learning_rate)
        self.beta1 = check_beta("beta1", beta1)
        self.beta2 = check_beta("beta2", beta2)
        self.epsilon = check_positive("epsilon", epsilon)

    def _apply(self, theta: Array, grad: Array, key: str, t: int) -> None:
        slots = self._slots(key, theta, ("v", "s"))
        v, s = slots["v"], slots["s"]
        v *= self.beta1
        v += (1 - self.beta1) * grad
        s *= self.beta2
        s += (1 - self.beta2) * grad * grad
        v_hat_scale = 1.0 / (1 - self.beta1**t)
        s_hat_scale = 1.0 / (1 - self.beta2**t)
        xp = namespace(theta)
        step = (self.learning_rate * v_hat_scale) * v / (xp.sqrt(s * s_hat_scale) + self.epsilon)
        theta -= step.astype(theta.dtype, copy=False) if xp is np else xp.astype(step, theta.dtype)

    def config(self) -> dict[str, Any]:
        return super().config() | {
            "beta1": self.beta1,
            "beta2": self.beta2,
            "epsilon": self.epsilon,
        }


OPTIMIZERS: dict[str, type[Optimizer]] = {
    "gd": GradientDescent,
    "momentum": Momentum,
    "rmsprop": RMSProp,
    "adam": Adam,
}


RULE = ("step", "_apply", "_slots")  # the methods that make an optimizer's update
_BUILTIN = {cls: tuple(getattr(cls, name) for name in RULE) for cls in OPTIMIZERS.values()}


def builtin_rule(optimizer: Optimizer) -> type[Optimizer] | None:
    """The library's class whose update ``optimizer`` runs unchanged, else None: training may
    then compute that rule itself (plain gradient descent folds α into dZ[L]; the compiled
    steps run the four formulas) instead of calling :meth:`~Optimizer.step`. Decided by the
    code it would run, not by ``name`` or by inheritance: a subclass (which may clip, schedule
    α or keep state), or a method replaced on the instance or on a class, runs its own code."""
    kind = type(optimizer)
    rule = _BUILTIN.get(kind)
    if rule is None or any(name in vars(optimizer) for name in RULE):
        return None
    return kind if all(getattr(kind, n) is f for n, f in zip(RULE, rule, strict=True)) else None


def get_optimizer(spec: str | Optimizer, learning_rate: float | None = None) -> Optimizer:
    """An optimizer from a name (``"gd"``, ``"momentum"``, ``"rmsprop"``, ``"adam"``) or itself."""
    if isinstance(spec, Optimizer):
        return spec
    cls = lookup("optimizer", spec, OPTIMIZERS)
    return cls() if learning_rate is None else cls(learning_rate)
