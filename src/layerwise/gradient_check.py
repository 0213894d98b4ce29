"""Gradient checking: compare backpropagation with centred finite differences.

For every parameter θ_i (all W[l] and b[l] entries, flattened in the network's order)

    gradapprox_i = (J(θ + ε e_i) - J(θ - ε e_i)) / (2ε)

and the check reports the course's relative difference

    difference = ‖grad - gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂)

(below 1e-7 in float64: backward is right; above 1e-3: there is almost surely a bug).

Dropout is off during the check, the course's habit ("turn off dropout, check, turn it back
on"): J is the cost of the whole network, ``net.forward(X)``, whatever ``net.keep_prob`` says,
and so are the gradients compared with it. Dropout's random masks would make J a different
function at every call; a check with them is refused (``dropout=...``).

Each entry costs two forward passes, so a large network (the cat network has 246,000 entries)
is checked on a sample: ``per_layer=k`` checks k entries of each layer's ``[W | b]``, drawn with
``seed``; the difference is then computed over the sampled entries.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field

import numpy as np

from . import _validation as v
from .network import Network
from .parameters import parameter_blocks
from .random import make_rng

Array = np.ndarray


@dataclass
class GradientCheck:
    """The result: overall ``difference``, one per parameter, and the worst entries.

    ``grad`` and ``gradapprox`` follow ``net.theta``; with sampling, ``checked`` holds the
    indices of the entries checked and ``gradapprox`` is NaN elsewhere.
    """

    difference: float
    per_parameter: dict[str, float]
    worst: list[tuple[str, tuple[int, int], float, float]] = field(default_factory=list)
    grad: Array | None = None
    gradapprox: Array | None = None
    checked: Array | None = None

    def passed(self, threshold: float = 1e-7) -> bool:
        return self.difference < threshold

    def report(self) -> str:
        n = None if self.checked is None else len(self.checked)
        sampled = "" if n is None or n == len(self.grad) else f" ({n:,} sampled entries)"
        lines = [f"relative difference: {self.difference:.3e}{sampled}"]
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
    net: Network,
    X: Array,
    Y: Array,
    epsilon: float = 1e-7,
    n_worst: int = 5,
    *,
    per_layer: int | None = None,
    seed: int = 0,
    progress: bool | None = None,
    dropout: object = None,
) -> GradientCheck:
    """Check ``net.backward`` on ``X (n_x, m)``, ``Y (n_y, m)`` against finite differences.

    Parameters
    ----------
    per_layer : int, optional
        Check this many entries of each layer's ``[W | b]`` (all of a smaller layer), drawn
        with ``seed``, instead of every entry: two forward passes each.
    progress : bool, optional
        Print how far the check is on stderr; by default when more than 2,000 entries are
        checked.
    dropout : None
        The check always runs with dropout off (see the module's notes); anything else, such
        as a training generator, is refused.

    Raises
    ------
    ValueError
        For a float32 network: its rounding (~1e-7 relative) swamps ε-sized differences; for
        a check asked with dropout on.

    Examples
    --------
    >>> net = Network([3, 4, 1], hidden="tanh", seed=0)
    >>> rng = np.random.default_rng(0)
    >>> X, Y = rng.standard_normal((3, 5)), (rng.random((1, 5)) > 0.5) * 1.0
    >>> gradient_check(net, X, Y).difference < 1e-7
    True
    >>> sampled = gradient_check(net, X, Y, per_layer=3)
    >>> sampled.report().splitlines()[0].endswith("(6 sampled entries)")
    True
    """
    _check_float64(net)
    if dropout is not None and dropout is not False:
        raise ValueError(
            f"gradient_check runs with dropout off, got dropout={type(dropout).__name__}: "
            "random masks make "
            "J another function at every call. Hint: check without dropout (the course's "
            "habit: turn it off, check, turn it back on); net.keep_prob is ignored by the check."
        )
    AL, caches = net.forward(X)
    grad = gradients_to_vector(net, net.backward(AL, Y, caches))  # backpropagation's dθ
    checked = _entries(net, per_layer, seed)
    show = len(checked) > 2000 if progress is None else progress
    gradapprox = _centred_differences(net, X, Y, checked, epsilon, show)
    return _result(net, grad, gradapprox, checked, n_worst)


def _check_float64(net: Network) -> None:
    """Refuse a float32 network: its rounding of J swamps the ε-sized differences; and a
    device's network (the check nudges θ entry by entry: a host's job)."""
    if net.device is not None:
        raise ValueError(
            f"gradient_check runs on NumPy, got a network on device {net.device!r}. "
            "Hint: check a NumPy copy, copy.deepcopy(net).to(None)."
        )
    if net.dtype != np.float64:
        raise ValueError(
            f"gradient_check needs a float64 network, got {net.dtype}: float32 rounds J to ~1e-7, "
            "which swamps differences of ε = 1e-7. Hint: check a float64 copy, "
            "Network.from_config(net.config() | {'dtype': 'float64'}, net.theta)."
        )


def _centred_differences(
    net: Network, X: Array, Y: Array, checked: Array, epsilon: float, show: bool
) -> Array:
    """gradapprox (n_params,): (J(θ + ε e_i) - J(θ - ε e_i)) / (2ε) for each checked i, NaN
    elsewhere; θ is restored entry by entry. With ``show``, ten progress lines on stderr."""
    theta = net.theta
    gradapprox = np.full_like(theta, np.nan)
    start, every = time.perf_counter(), max(1, len(checked) // 10)
    for k, i in enumerate(checked, start=1):
        saved = theta[i]
        theta[i] = saved + epsilon
        J_plus = net.cost(net.forward(X)[0], Y)
        theta[i] = saved - epsilon
        J_minus = net.cost(net.forward(X)[0], Y)
        theta[i] = saved
        gradapprox[i] = (J_plus - J_minus) / (2 * epsilon)
        if show and (k % every == 0 or k == len(checked)):
            _show_progress(k, len(checked), start)
    return gradapprox


def _show_progress(k: int, n: int, start: float) -> None:
    """One line on stderr: k of n entries checked and the time left at this pace."""
    left = (time.perf_counter() - start) / k * (n - k)
    print(
        f"gradient check: {k:,} of {n:,} entries, ~{left:.0f} s left", file=sys.stderr, flush=True
    )


def _entries(net: Network, per_layer: int | None, seed: int) -> Array:
    """Indices into θ to check: all, or ``per_layer`` of each block, sorted."""
    if per_layer is None:
        return np.arange(net.theta.size)
    per_layer = v.check_int("per_layer", per_layer)
    rng, picks, offset = make_rng(seed), [], 0
    for block in parameter_blocks(net.theta, net.layer_dims):
        picks.append(offset + rng.permutation(block.size)[:per_layer])
        offset += block.size
    return np.sort(np.concatenate(picks))


def _result(net: Network, grad: Array, gradapprox: Array, checked: Array, n_worst: int):
    names = _names_and_indices(net)
    per_parameter: dict[str, float] = {}
    for key in net.parameters:
        mask = np.array([names[i][0] == key for i in checked], dtype=bool)
        per_parameter[key] = relative_difference(grad[checked[mask]], gradapprox[checked[mask]])
    errors = np.abs(grad[checked] - gradapprox[checked])
    worst = [checked[j] for j in np.argsort(-errors)[:n_worst]]
    worst_entries = [(*names[i], float(grad[i]), float(gradapprox[i])) for i in worst]
    difference = relative_difference(grad[checked], gradapprox[checked])
    return GradientCheck(difference, per_parameter, worst_entries, grad, gradapprox, checked)
