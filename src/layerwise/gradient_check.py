"""Gradient checking: compare backpropagation with centred finite differences.

For every parameter θ_i (all W[l] and b[l] entries, flattened in the network's order)

    gradapprox_i = (J(θ + ε e_i) - J(θ - ε e_i)) / (2ε)

and the check reports the course's relative difference

    difference = ‖grad - gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂)

(below 1e-7 in float64: backward is right; above 1e-3: there is almost surely a bug).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .network import Network
from .parameters import parameter_blocks

Array = np.ndarray


@dataclass
class GradientCheck:
    """The result: overall ``difference``, one per parameter, and the worst entries."""

    difference: float
    per_parameter: dict[str, float]
    worst: list[tuple[str, tuple[int, int], float, float]] = field(default_factory=list)
    grad: Array | None = None
    gradapprox: Array | None = None

    def passed(self, threshold: float = 1e-7) -> bool:
        return self.difference < threshold

    def report(self) -> str:
        lines = [f"relative difference: {self.difference:.3e}"]
        lines += [f"  {name:<6} {diff:.3e}" for name, diff in self.per_parameter.items()]
        lines.append("worst entries (parameter, index, backprop, numerical):")
        lines += [f"  {n}{idx}: {g:.6e} vs {a:.6e}" for n, idx, g, a in self.worst]
        return "\n".join(lines)


def relative_difference(grad: Array, gradapprox: Array) -> float:
    """‖grad - gradapprox‖ / (‖grad‖ + ‖gradapprox‖); 0 when both are 0."""
    denominator = np.linalg.norm(grad) + np.linalg.norm(gradapprox)
    return float(np.linalg.norm(grad - gradapprox) / denominator) if denominator else 0.0


def gradients_to_vector(net: Network, grads: dict[str, Array]) -> Array:
    """Flatten ``{"dW1": ..., "db1": ...}`` in the order of ``net.theta``."""
    flat = np.empty_like(net.theta)
    for l, block in enumerate(parameter_blocks(flat, net.layer_dims), start=1):
        block[:, :-1], block[:, -1:] = grads[f"dW{l}"], grads[f"db{l}"]
    return flat


def _names_and_indices(net: Network) -> list[tuple[str, tuple[int, int]]]:
    """For each entry of theta: its course name and (row, column) index."""
    out = []
    for l, (n, n_prev) in enumerate(zip(net.layer_dims[1:], net.layer_dims, strict=False), start=1):
        for row in range(n):
            out += [(f"W{l}", (row, col)) for col in range(n_prev)] + [(f"b{l}", (row, 0))]
    return out


def gradient_check(
    net: Network, X: Array, Y: Array, epsilon: float = 1e-7, n_worst: int = 5
) -> GradientCheck:
    """Check ``net.backward`` on ``X (n_x, m)``, ``Y (n_y, m)`` against finite differences.

    Use float64 networks: in float32 the rounding of J swamps ε-sized differences.

    Examples
    --------
    >>> net = Network([3, 4, 1], hidden="tanh", seed=0)
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((3, 5)), (rng.random((1, 5)) > 0.5) * 1.0
    >>> gradient_check(net, X, Y).difference < 1e-7
    True
    """
    AL, caches = net.forward(X)
    grad = gradients_to_vector(net, net.backward(AL, Y, caches))
    theta = net.theta
    gradapprox = np.empty_like(theta)
    for i in range(theta.size):
        saved = theta[i]
        theta[i] = saved + epsilon
        J_plus = net.cost(net.forward(X)[0], Y)
        theta[i] = saved - epsilon
        J_minus = net.cost(net.forward(X)[0], Y)
        theta[i] = saved
        gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
    names = _names_and_indices(net)
    per_parameter: dict[str, float] = {}
    for key in net.parameters:
        mask = np.array([name == key for name, _ in names])
        per_parameter[key] = relative_difference(grad[mask], gradapprox[mask])
    order = np.argsort(-np.abs(grad - gradapprox))[:n_worst]
    worst = [(*names[i], float(grad[i]), float(gradapprox[i])) for i in order]
    return GradientCheck(
        relative_difference(grad, gradapprox), per_parameter, worst, grad, gradapprox
    )
