"""Diagnostics the notes talk about, computed on a network and a batch.

- ``gradient_norms``: ‖dW[l]‖ per layer: shrinking towards the input means vanishing
  gradients, growing means exploding ones.
- ``identical_units``: hidden units of a layer with identical incoming weights compute the same
  function; after zero initialization they stay identical forever (the symmetry problem).
"""

from __future__ import annotations

import numpy as np

from .network import Network

Array = np.ndarray


def gradient_norms(net: Network, X: Array, Y: Array) -> dict[str, float]:
    """Frobenius norm of every ``dW[l]`` and ``db[l]`` on a batch ``X (n_x, m)``, ``Y (n_y, m)``."""
    AL, caches = net.forward(X)
    grads = net.backward(AL, Y, caches)
    return {key: float(np.linalg.norm(value)) for key, value in grads.items()}


def identical_units(net: Network, layer: int, atol: float = 1e-12) -> list[list[int]]:
    """Groups (of size ≥ 2) of units in ``layer`` (1..L) whose rows of [W | b] are equal."""
    if not 1 <= layer <= net.L:
        raise ValueError(f"layer must be between 1 and {net.L}, got {layer}.")
    lay = net.layers[layer - 1]
    rows = np.hstack([lay.W, lay.b])  # (n[l], n[l-1] + 1)
    groups: list[list[int]] = []
    assigned: set[int] = set()
    for i in range(rows.shape[0]):
        if i in assigned:
            continue
        same = [
            j for j in range(i, rows.shape[0]) if np.allclose(rows[i], rows[j], atol=atol, rtol=0)
        ]
        assigned.update(same)
        if len(same) > 1:
            groups.append(same)
    return groups


def is_symmetric(net: Network, atol: float = 1e-12) -> bool:
    """True when every hidden layer's units are all identical (what zero init produces)."""
    return all(
        identical_units(net, l, atol) == [list(range(net.layer_dims[l]))]
        for l in range(1, net.L)
        if net.layer_dims[l] > 1
    )
