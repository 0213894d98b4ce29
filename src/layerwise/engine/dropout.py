"""Dropout's ops on the engine's buffers: the course's inverted dropout as in-place NumPy calls.

For a hidden layer l with ``keep_prob < 1`` the forward pass, after g, draws the step's uniform
numbers into a float64 buffer (``Generator.random(out=)``: the very numbers the reference path
draws, in the same order), turns them into the scaled mask D/keep (0 or 1/keep_prob) and writes
``A[l] ⊙ D/keep`` into a buffer of its own, ``[A_drop; 1]``, which the next layer's product and
its gradient read. ``A[l]`` itself keeps g(Z): the activations' derivatives are read from it
(tanh: 1 - A², sigmoid: A(1 - A)). The backward pass multiplies dA[l] by the same scaled mask
before g'. A layer with ``keep_prob == 1`` records nothing: no draw, no copy, no product.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from .tape import Op

Array = np.ndarray


class Masks:
    """A batch size's dropout buffers, each hidden layer's or None where it keeps every unit:
    ``U[l]`` the uniform draws (n[l], B) in float64, ``D[l]`` the scaled mask (n[l], B) in the
    network's dtype, ``H[l]`` the dropped output with its row of ones (n[l] + 1, B)."""

    def __init__(self, dims: list[int], keep_prob: tuple[float, ...], B: int, dtype) -> None:
        self.keep = (1.0, *keep_prob)  # keep[l] for l = 1..L-1 (index 0 unused)
        self.U: list[Array | None] = [None] * len(self.keep)
        self.D: list[Array | None] = [None] * len(self.keep)
        self.H: list[Array | None] = [None] * len(self.keep)
        for l in range(1, len(self.keep)):
            if self.keep[l] < 1:
                self.U[l] = np.empty((dims[l], B), np.float64)
                self.D[l] = np.empty((dims[l], B), dtype)
                self.H[l] = np.empty((dims[l] + 1, B), dtype)
                self.H[l][-1] = 1

    def forward_ops(self, l: int, A: Array, rng: np.random.Generator) -> list[Op]:
        """After g: U = rand(n[l], B), D = (U < keep)/keep, A_drop = A ⊙ D (into ``H[l]``)."""
        if self.U[l] is None:
            return []
        if rng is None:
            raise ValueError(
                f"layer {l} drops units (keep_prob {self.keep[l]}), so the engine needs a "
                "dropout_rng. Hint: fit passes net.dropout_rng; Engine(..., dropout_rng=...)."
            )
        U, D, keep = self.U[l], self.D[l], self.keep[l]
        return [
            partial(rng.random, None, np.float64, U),  # the reference's rand(n[l], B)
            partial(np.less, U, keep, D),  # 1.0 keeps, 0.0 drops
            partial(np.multiply, D, 1 / keep, D),  # the inverted scale, in the mask
            partial(np.multiply, A, D, self.H[l][:-1]),
        ]

    def backward_ops(self, l: int, dA: Array) -> list[Op]:
        """Before g': dA[l] ⊙ D/keep in place (the kept units, scaled alike)."""
        if self.D[l] is None:
            return []
        return [partial(np.multiply, dA, self.D[l], dA)]

    def output(self, l: int, H: Array) -> Array:
        """What the layers after l read: ``[A_drop; 1]`` with dropout, else ``H`` ([A; 1])."""
        return H if self.H[l] is None else self.H[l]
