"""The engine's preallocated arrays: every (n, B) buffer one training step needs."""

from __future__ import annotations

import numpy as np

from .dropout import Masks

Array = np.ndarray


class Buffers:
    """Every (n, B) array one step needs, for one batch size B."""

    def __init__(
        self, dims: list[int], B: int, dtype: np.dtype, X_all: Array | None, keep_prob=None
    ) -> None:
        L = len(dims) - 1
        # The batch, rows = examples (X_batchᵀ, (B, n_x)). Full batch: X itself, never copied.
        # Small gathered batches carry a column of ones, so the first layer's bias rides in its
        # GEMM too; for large ones (W1: 128 × 784) gathering into that strided buffer costs more
        # (~60 µs measured) than a separate bias add and db1 = dZ1 · 1.
        self.X1: Array | None = None  # [X_batch; 1]ᵀ: (B, n_x + 1), when the ones ride along
        if X_all is not None:
            self.Xb = X_all
        elif B * dims[0] <= 8192:
            self.X1 = np.empty((B, dims[0] + 1), dtype)
            self.X1[:, -1] = 1
            self.Xb = self.X1[:, :-1]  # view: where the batch is gathered
        else:
            self.Xb = np.empty((B, dims[0]), dtype)
        if self.X1 is None:  # the bias is separate: db1 = dZ1 · 1, ones (B, 1)
            self.ones = np.ones((B, 1), dtype)
        # H[l] = [A[l]; 1] for hidden layers l = 1..L-1: (n[l] + 1, B); A[l] = H[l][:-1]
        self.H: list[Array] = [np.empty(0)]
        for l in range(1, L):
            H = np.empty((dims[l] + 1, B), dtype)
            H[-1] = 1
            self.H.append(H)
        self.A = [H[:-1] for H in self.H]  # views (n[l], B)
        # dZ[l] (n[l], B); a hidden layer's is dZ_ext[l][:-1], dZ_ext[l] (n[l] + 1, B) with one
        # spare row, so that dA = [W|b]ᵀ dZ
        # can be one product with contiguous operands (its last row, the bias's, goes unused)
        self.dZ_ext = [np.empty(0)] + [np.empty((dims[l] + 1, B), dtype) for l in range(1, L)]
        self.dZ = [np.empty(0)] + [dZ_ext[:-1] for dZ_ext in self.dZ_ext[1:]]
        self.dZ.append(np.empty((dims[L], B), dtype))
        # hidden layers' activation scratch and 0.0/1.0 masks (the output layer needs neither)
        self.scratch = [np.empty(0)] + [np.empty((dims[l], B), dtype) for l in range(1, L)]
        self.mask = [np.empty(0)] + [np.empty((dims[l], B), dtype) for l in range(1, L)]
        self.col = np.empty(B, dtype)  # per-column reductions (softmax)
        # dropout's draws, masks and dropped outputs (none for a layer that keeps every unit)
        self.drop = Masks(dims, keep_prob or (1.0,) * (L - 1), B, dtype)
