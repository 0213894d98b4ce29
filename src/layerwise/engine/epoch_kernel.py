"""Many training steps in one compiled call, for small networks (numba, the ``fast`` extra).

The tape replays a few dozen NumPy calls per step; for a small network (the speed benchmark's
W2: 30-64-32-1, batches of 64) their Python overhead is most of the step. :func:`run_steps`
runs steps ``k0..k1-1`` of an epoch in compiled code: gather, forward, c·dZ[L], backward, L2
and the optimizer's update, on one preallocated workspace, with the same layout and formulas as
the tape (``[A; 1]`` rows of ones so the bias rides in each product). The forward products
``[W|b] [A; 1]`` run :mod:`.gemm`'s register tiles where the batch's size is a multiple of
their width (W2's 64 and its last batch of 8), else ``np.dot``; so does ``Wᵀ dZ``, from a copy
of Wᵀ into the workspace; ``dZ [A_prev; 1]ᵀ`` runs ``np.dot`` (numba calls SciPy's BLAS). It
computes what the tape computes, in the same order of operations except inside the products,
so float64 results agree to rounding.

Everything else (the shuffle, the targets' part of c·dZ[L], the dropout draws) stays in NumPy
and is prepared by :mod:`.whole` before the call: the random streams are the very same draws.
The workspace holds, for each layer, views built by :func:`view` from offsets (see
``whole.layout``): ``H`` (n + 1, B) = [A; 1], ``Hd`` = [A ⊙ D/keep; 1] (dropout only, else
``H``), ``D`` (n, B) the scaled mask, ``dZe`` (n + 1, B) = [dZ; spare row]; slot 0 of layer 0
holds the gathered batch ``X1T`` (n_x + 1, B) with its row of ones, its slot 2 a copy of one
layer's Wᵀ at a time. The element-wise loops run one loop per activation code, without
branches inside, writing every entry (a store only where a value changes becomes a masked
vector store, slow on AMD) with constants in the array's dtype, so LLVM vectorizes those it
can (ReLU, leaky ReLU and the derivatives; ``tanh`` stays a scalar call).
"""

from __future__ import annotations

import math

import numpy as np

from . import gemm
from .kernels import jit

# hidden activations, output deltas and optimizers, as codes (chosen in ``whole`` by code)
RELU, LEAKY_RELU, TANH, SIGMOID, LINEAR = 0, 1, 2, 3, 4
SIGMOID_DELTA, SOFTMAX_DELTA, LINEAR_DELTA = 0, 1, 2
GD, MOMENTUM, RMSPROP, ADAM = 0, 1, 2, 3
# slots of the float64 settings vector ``hyper``
LR, BETA1, BETA2, EPS, L2, L2_SCALE, PLAIN = range(7)


@jit
def view(flat, offset, rows, cols):  # a C-contiguous (rows, cols) view of flat[offset:]
    return flat[offset : offset + rows * cols].reshape(rows, cols)


@jit
def activate(code, slope, A):  # A (n, B) holding Z, in place: g(Z), as the tape computes it
    a = A.reshape(A.size)  # (one loop per code, without branches: vectorized where it can be)
    zero, s = a.dtype.type(0), a.dtype.type(slope)  # constants in A's dtype, as NumPy casts
    if code == RELU:  # (z + 0 writes every entry: a kept z would become a masked store)
        for q in range(a.size):
            z = a[q]
            a[q] = zero if z <= zero else z + zero  # nan stays nan, as z · 1[z > 0] in NumPy
    elif code == LEAKY_RELU:
        for q in range(a.size):
            z = a[q]
            t = z * s
            a[q] = (z if z >= t else t) if slope <= 1 else (z if z <= t else t)
    elif code == TANH:
        for q in range(a.size):
            a[q] = math.tanh(a[q])
    elif code == SIGMOID:  # σ(z) = ½ tanh(z/2) + ½
        for q in range(a.size):
            a[q] = math.tanh(a[q] * 0.5) * 0.5 + 0.5


@jit
def derivative(code, slope, dA, A):  # dA (n, B) in place: dZ = dA ⊙ g', g' read from A = g(Z)
    d, a = dA.reshape(dA.size), A.reshape(A.size)
    one, zero = d.dtype.type(1), d.dtype.type(0)  # (in dA's dtype: no round trip via float64)
    if code == RELU:  # a product: nan and inf in dA stay nan
        for q in range(d.size):
            d[q] *= one if a[q] > zero else zero
    elif code == LEAKY_RELU:
        keep, s = d.dtype.type(1.0 - slope), d.dtype.type(slope)
        for q in range(d.size):
            d[q] *= keep * (one if a[q] > zero else zero) + s
    elif code == TANH:
        for q in range(d.size):
            d[q] *= one - a[q] * a[q]
    elif code == SIGMOID:
        for q in range(d.size):
            d[q] *= (one - a[q]) * a[q]


@jit
def gather(X_rows, order, i, X1T):  # X1T (n_x + 1, B): the batch's columns in the epoch's order
    n1, B = X1T.shape
    for e in range(B):
        r = order[i + e]
        for k in range(n1 - 1):
            X1T[k, e] = X_rows[r, k]
    X1T[n1 - 1, :] = 1


@jit
def fits(B, ws):  # whether a batch of B examples runs the tiles (see gemm.lanes)
    return B % gemm.lanes(ws.itemsize) == 0


@jit
def product(A, B, C, tiles):  # C = A B: the tiles where C's columns fit them, else BLAS
    if tiles:
        gemm.nn(A, B, C)
    else:
        np.dot(A, B, C)


@jit
def dropout(U, u0, keep, A, D, Hd):  # D = (U < keep)/keep, Hd[:-1] = A ⊙ D; returns next u0
    n, B = A.shape
    scale = 1 / keep
    for u in range(n):
        for e in range(B):
            D[u, e] = 1.0 if U[u0 + u * B + e] < keep else 0.0
            D[u, e] *= scale
            Hd[u, e] = A[u, e] * D[u, e]
    Hd[n, :] = 1
    return u0 + n * B


@jit
def forward(X_rows, order, i, B, theta, toff, dims, codes, slopes, keep, ws, offs, U, u0):
    """Z[l] = [W|b][l] [A[l-1]; 1] and A[l] = g(Z[l]) for every layer; the logits land in
    layer L's slot 0. Returns the position in U after the step's draws."""
    L, tiles = dims.size - 1, fits(B, ws)
    X1T = view(ws, offs[0, 0], dims[0] + 1, B)
    gather(X_rows, order, i, X1T)
    Z = view(ws, offs[1, 0], dims[1], B)
    product(view(theta, toff[1], dims[1], dims[0] + 1), X1T, Z, tiles)
    for l in range(1, L):
        n = dims[l]
        A, H = view(ws, offs[l, 0], n, B), view(ws, offs[l, 0], n + 1, B)
        activate(codes[l], slopes[l], A)
        H[n, :] = 1
        if keep[l] < 1:
            D, Hd = view(ws, offs[l, 2], n, B), view(ws, offs[l, 1], n + 1, B)
            u0 = dropout(U, u0, keep[l], A, D, Hd)
        Wb = view(theta, toff[l + 1], dims[l + 1], n + 1)
        product(Wb, view(ws, offs[l, 1], n + 1, B), view(ws, offs[l + 1, 0], dims[l + 1], B), tiles)
    return u0


@jit
def delta(code, c, ZL, T, i, dZ):  # c·dZ[L] from the logits and T = the targets' part (m, n_y)
    n, B = ZL.shape
    for e in range(B):
        if code == SOFTMAX_DELTA:  # c·softmax(z) - c·y, the column's max subtracted first
            top = ZL[0, e]
            for u in range(1, n):
                top = max(top, ZL[u, e])
            total = ZL[0, e] * 0
            for u in range(n):
                dZ[u, e] = math.exp(ZL[u, e] - top)
                total += dZ[u, e]
            total *= 1 / c
            for u in range(n):
                dZ[u, e] = dZ[u, e] / total - T[i + e, u]
        else:
            for u in range(n):
                if code == SIGMOID_DELTA:  # (c/2) tanh(z/2) + c(½ - y)
                    dZ[u, e] = math.tanh(ZL[u, e] * 0.5) * (0.5 * c) + T[i + e, u]
                else:  # c·z - c·y
                    dZ[u, e] = ZL[u, e] * c - T[i + e, u]


@jit
def backward(B, theta, g, toff, dims, codes, slopes, keep, ws, offs):
    """From c·dZ[L] (layer L's slot 3): [dW|db] = dZ [A_prev; 1]ᵀ into g, and dZ_prev =
    [W|b]ᵀ dZ (⊙ D/keep) ⊙ g' for each layer below, W before its update."""
    L = dims.size - 1
    for l in range(L, 0, -1):
        n, p = dims[l], dims[l - 1]
        dZ, gWb = view(ws, offs[l, 3], n, B), view(g, toff[l], n, p + 1)
        np.dot(dZ, view(ws, offs[l - 1, 0 if l == 1 else 1], p + 1, B).T, gWb)
        if l == 1:
            continue
        dZ_prev, Wb = view(ws, offs[l - 1, 3], p, B), view(theta, toff[l], n, p + 1)
        if fits(B, ws):  # Wᵀ copied (p, n), then the forward's tiles
            WT = view(ws, offs[0, 2], p, n)
            for u in range(n):
                for k in range(p):
                    WT[k, u] = Wb[u, k]
            gemm.nn(WT, dZ, dZ_prev)
        else:
            np.dot(Wb.T, dZ, view(ws, offs[l - 1, 3], p + 1, B))
        if keep[l - 1] < 1:
            D = view(ws, offs[l - 1, 2], p, B)
            for u in range(p):
                for e in range(B):
                    dZ_prev[u, e] *= D[u, e]
        derivative(codes[l - 1], slopes[l - 1], dZ_prev, view(ws, offs[l - 1, 0], p, B))


@jit
def l2(c, hyper, theta, g, toff, dims):  # dθ += c·λ/s·W on the weights; returns the step's term
    coef = c * hyper[L2] * hyper[L2_SCALE]
    total = 0.0
    for l in range(1, dims.size):
        n, p = dims[l], dims[l - 1]
        Wb, gWb = view(theta, toff[l], n, p + 1), view(g, toff[l], n, p + 1)
        for u in range(n):
            for k in range(p):
                total += float(Wb[u, k]) * float(Wb[u, k])
                gWb[u, k] += Wb[u, k] * coef
    return hyper[L2] * hyper[L2_SCALE] / 2 * total


@jit
def update(opt, t, hyper, scalars, theta, g, v, s):
    """The optimizer's rule on all of θ (as ``optimizers`` writes it, operation for operation);
    ``scalars`` (dtype) receives its constants in θ's dtype, as NumPy casts Python floats."""
    if opt == GD:  # α is already in dθ
        for q in range(theta.size):
            theta[q] -= g[q]
        return t
    t += 1
    b1, b2 = hyper[BETA1], hyper[BETA2]
    scalars[0], scalars[1], scalars[2] = hyper[LR], b1, 1 - b1
    scalars[3], scalars[4], scalars[5] = b2, 1 - b2, hyper[EPS]
    if opt == ADAM:  # α v̂ / (√ŝ + ε), the corrections as scales
        scalars[0] = hyper[LR] * (1.0 / (1 - b1 ** float(t)))
        scalars[6] = 1.0 / (1 - b2 ** float(t))
    lr, beta, one_minus, b2d = scalars[0], scalars[1], scalars[2], scalars[3]
    one_minus2, eps, shat = scalars[4], scalars[5], scalars[6]
    for q in range(theta.size):
        if opt == MOMENTUM:
            v[q] = v[q] * beta + one_minus * g[q]
            theta[q] -= lr * v[q]
        elif opt == RMSPROP:
            s[q] = s[q] * beta + one_minus * g[q] * g[q]
            theta[q] -= lr * g[q] / (math.sqrt(s[q]) + eps)
        else:
            v[q] = v[q] * beta + one_minus * g[q]
            s[q] = s[q] * b2d + one_minus2 * g[q] * g[q]
            theta[q] -= lr * v[q] / (math.sqrt(s[q] * shat) + eps)
    return t


@jit
def run_steps(
    k0, k1, bounds, X_rows, order, T, w, theta, g, toff, dims, codes, slopes, keep, ws, offs,
    U, ZL_epoch, pen, opt, t, hyper, scalars, v, s,
):  # fmt: skip
    """Steps k0..k1-1 of the epoch (examples bounds[k]..bounds[k+1]-1 each) on the rows
    ``X_rows`` in ``order``, the targets' part ``T`` and weights ``w`` (m, 1), or (0, 1)
    unweighted; θ, dθ, the network's codes and the workspace as :mod:`.whole` lays them out;
    the optimizer's code, step count t, settings and moments v, s. Writes the logits into
    ZL_epoch, each step's L2 term into pen[k - k0]; returns the new t. A call costs ~3 µs
    besides its steps (W2, measured), so a step per call, when a stop is asked after each,
    costs little more than a whole epoch in one call."""
    L, u0 = dims.size - 1, 0
    for k in range(k0, k1):
        i, B = bounds[k], bounds[k + 1] - bounds[k]
        c = hyper[PLAIN] / B
        u0 = forward(X_rows, order, i, B, theta, toff, dims, codes, slopes, keep, ws, offs, U, u0)
        ZL, dZ = view(ws, offs[L, 0], dims[L], B), view(ws, offs[L, 3], dims[L], B)
        ZL_epoch[:, i : i + B] = ZL
        delta(codes[L], c, ZL, T, i, dZ)
        if w.shape[0] > 0:  # weighted: c·dZ[L] ⊙ w_batch
            for u in range(dims[L]):
                for e in range(B):
                    dZ[u, e] *= w[i + e, 0]
        backward(B, theta, g, toff, dims, codes, slopes, keep, ws, offs)
        pen[k - k0] = l2(c, hyper, theta, g, toff, dims) if hyper[L2] > 0 else 0.0
        t = update(opt, t, hyper, scalars, theta, g, v, s)
    return t
