"""The training step on preallocated buffers: the course's formulas at the speed of the GEMMs.

``Network.forward``/``backward`` are the readable reference. This module runs the same maths
for ``fit`` with every (n, m) array allocated once per batch size and reused:

- the bias rides inside the GEMM for layers ≥ 2: hidden activations carry a last row of ones,
  so ``Z[l] = [W|b][l] [A[l-1]; 1]`` and ``[dW|db][l] = dZ[l] [A[l-1]; 1]ᵀ`` in one product each;
- the scale c = 1/m (and α for plain gradient descent) is folded into dZ[L] once, so the
  products already give c·dW, and the update is one vector subtraction over ``theta``;
- activations are applied in place and their derivatives read from A (ReLU mask = A > 0);
- dA_prev is not computed for the first layer;
- the output logits of every step are written into one epoch buffer, so the epoch's cost and
  accuracy are computed once per epoch, from the logits (stable), not once per step.

The gradient checks compare ``Network.backward`` with numerical derivatives, and the tests
compare this engine with ``Network.backward`` step by step.
"""

from __future__ import annotations

import numpy as np

from .losses import is_fused
from .network import Network, parameter_blocks

Array = np.ndarray


def _hidden_forward_inplace(name: str, Z: Array, scratch: Array, slope: float) -> None:
    """A = g(Z), written over Z (n[l], m)."""
    if name == "relu":
        np.maximum(Z, 0, out=Z)
    elif name == "tanh":
        np.tanh(Z, out=Z)
    elif name == "sigmoid":  # σ(z) = ½ tanh(z/2) + ½: one stable ufunc, no overflow
        np.multiply(Z, 0.5, out=Z)
        np.tanh(Z, out=Z)
        np.multiply(Z, 0.5, out=Z)
        np.add(Z, 0.5, out=Z)
    elif name == "leaky_relu":  # max(z, slope·z) for 0 ≤ slope ≤ 1
        np.multiply(Z, slope, out=scratch)
        np.maximum(Z, scratch, out=Z) if slope <= 1 else np.minimum(Z, scratch, out=Z)
    # linear: A = Z


def _hidden_backward_inplace(
    name: str, dA: Array, A: Array, scratch: Array, mask: Array, slope: float
) -> None:
    """dZ = dA ⊙ g'(Z), written over dA (n[l], m), with g' read from A."""
    if name == "relu":
        np.greater(A, 0, out=mask)
        np.multiply(dA, mask, out=dA)
    elif name == "tanh":  # 1 - A²
        np.multiply(A, A, out=scratch)
        np.subtract(1, scratch, out=scratch)
        np.multiply(dA, scratch, out=dA)
    elif name == "sigmoid":  # A (1 - A)
        np.subtract(1, A, out=scratch)
        np.multiply(scratch, A, out=scratch)
        np.multiply(dA, scratch, out=dA)
    elif name == "leaky_relu":  # 1 where A > 0 (same sign as Z), else slope
        np.greater(A, 0, out=mask)
        np.multiply(mask, 1 - slope, out=scratch)
        np.add(scratch, slope, out=scratch)
        np.multiply(dA, scratch, out=dA)


class _Buffers:
    """Every (n, B) array one step needs, for one batch size B."""

    def __init__(self, dims: list[int], B: int, dtype: np.dtype, gather: bool) -> None:
        L = len(dims) - 1
        self.B = B
        self.Xb = np.empty((B, dims[0]), dtype) if gather else None  # X_batchᵀ, rows = examples
        # H[l] = [A[l]; 1] for hidden layers l = 1..L-1: (n[l] + 1, B)
        self.H: list[Array | None] = [None]
        for l in range(1, L):
            H = np.empty((dims[l] + 1, B), dtype)
            H[-1] = 1
            self.H.append(H)
        self.dZ = [None] + [np.empty((dims[l], B), dtype) for l in range(1, L + 1)]
        self.scratch = [None] + [np.empty((dims[l], B), dtype) for l in range(1, L + 1)]
        self.mask = [None] + [np.empty((dims[l], B), bool) for l in range(1, L + 1)]
        self.col = np.empty((1, B), dtype)


class Engine:
    """Runs training steps for one network, with buffers reused across steps and epochs."""

    def __init__(self, net: Network, plain_scale: float | None) -> None:
        self.net = net
        self.dims = net.layer_dims
        self.L = net.L
        self.names = [a.name for a in net.activations]
        self.slopes = [float(a.params.get("slope", 0.0)) for a in net.activations]
        self.fused = is_fused(net.loss, net.output)
        self.gtheta = np.zeros_like(net.theta)
        self.Wb = parameter_blocks(net.theta, self.dims)  # views (n[l], n[l-1] + 1)
        self.gWb = parameter_blocks(self.gtheta, self.dims)  # same shapes, the gradient
        self.weight_mask = np.ones_like(net.theta)  # 1 on W entries, 0 on b: L2 skips biases
        for block in parameter_blocks(self.weight_mask, self.dims):
            block[:, -1] = 0
        self.plain_scale = plain_scale  # α for plain gradient descent (folded into dZ[L])
        self._buffers: dict[int, _Buffers] = {}

    def buffers(self, B: int, gather: bool) -> _Buffers:
        """The buffers for batch size B (made on first use; at most two sizes per epoch)."""
        if B not in self._buffers:
            self._buffers[B] = _Buffers(self.dims, B, self.net.dtype, gather)
        return self._buffers[B]

    def step(self, buf: _Buffers, Xb: Array, YbT: Array, ZL: Array) -> float:
        """One forward/backward/gradient pass on a batch; returns the L2 penalty term.

        Xb: (B, n_x) examples as rows; YbT: (n_y, B); ZL: (n_y, B) receives the logits Z[L].
        The gradient lands in ``self.gtheta``, already multiplied by c = (α)/m.
        """
        L, names, slopes = self.L, self.names, self.slopes
        B = Xb.shape[0]
        c = (self.plain_scale or 1.0) / B
        # ----- forward: Z[l] = [W|b][l] [A[l-1]; 1], A[l] = g(Z[l]) in place -------------------
        W1, b1 = self.Wb[0][:, :-1], self.Wb[0][:, -1:]
        Z = ZL if L == 1 else buf.H[1][:-1]  # (n1, B)
        np.matmul(W1, Xb.T, out=Z)  # Z1 = W1 X (first layer: X has no row of ones)
        np.add(Z, b1, out=Z)
        for l in range(1, L):
            _hidden_forward_inplace(names[l - 1], buf.H[l][:-1], buf.scratch[l], slopes[l - 1])
            Z = ZL if l + 1 == L else buf.H[l + 1][:-1]  # (n[l+1], B)
            np.matmul(self.Wb[l], buf.H[l], out=Z)
        # ----- output delta: dZ[L] = c (AL - Y) for the natural pairs -------------------------
        dZ = buf.dZ[L]  # (n_y, B)
        self._output_delta(ZL, YbT, dZ, buf, c)
        # ----- backward ----------------------------------------------------------------------
        for l in range(L, 1, -1):
            np.matmul(dZ, buf.H[l - 1].T, out=self.gWb[l - 1])  # [dW|db] = dZ [A_prev; 1]ᵀ
            dA_prev = buf.dZ[l - 1]  # (n[l-1], B)
            np.matmul(self.Wb[l - 1][:, :-1].T, dZ, out=dA_prev)  # dA_prev = Wᵀ dZ
            _hidden_backward_inplace(
                names[l - 2],
                dA_prev,
                buf.H[l - 1][:-1],
                buf.scratch[l - 1],
                buf.mask[l - 1],
                slopes[l - 2],
            )
            dZ = dA_prev
        np.matmul(dZ, Xb, out=self.gWb[0][:, :-1])  # dW1 = dZ1 Xᵀ
        np.sum(dZ, axis=1, out=self.gWb[0][:, -1])  # db1 = Σ dZ1
        penalty = 0.0
        if self.net.l2:
            lam = self.net.l2
            weights = self.net.theta * self.weight_mask
            self.gtheta += (c * lam) * weights  # dW += λ/m W (times α when folded)
            penalty = lam / (2 * B) * float(np.dot(weights, weights))
        return penalty

    def _output_delta(self, ZL: Array, YbT: Array, dZ: Array, buf: _Buffers, c: float) -> None:
        """dZ[L] · c into ``dZ`` (n_y, B)."""
        name = self.names[-1]
        if self.fused and name == "sigmoid":  # σ(z) - y
            np.multiply(ZL, 0.5, out=dZ)
            np.tanh(dZ, out=dZ)
            np.multiply(dZ, 0.5, out=dZ)
            np.add(dZ, 0.5, out=dZ)
            np.subtract(dZ, YbT, out=dZ)
        elif self.fused and name == "softmax":  # softmax(z) - y
            col = buf.col
            np.max(ZL, axis=0, keepdims=True, out=col)
            np.subtract(ZL, col, out=dZ)
            np.exp(dZ, out=dZ)
            np.sum(dZ, axis=0, keepdims=True, out=col)
            np.divide(dZ, col, out=dZ)
            np.subtract(dZ, YbT, out=dZ)
        elif self.fused:  # linear + L2: z - y
            np.subtract(ZL, YbT, out=dZ)
        else:  # any other pair: dZ = dAL ⊙ g'(Z) through the tables
            act, loss = self.net.activations[-1], self.net.loss
            AL = act.forward(ZL)
            dZ[...] = act.backward(loss.gradient(AL, YbT), ZL, AL)
        np.multiply(dZ, c, out=dZ)

    def apply(self, optimizer) -> None:
        """θ ← θ - c dθ (folded α) or the optimizer's rule on θ and dθ/m."""
        if self.plain_scale is not None:
            np.subtract(self.net.theta, self.gtheta, out=self.net.theta)
        else:
            optimizer.step(self.net.theta, self.gtheta)
