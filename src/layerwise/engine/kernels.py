"""Fused element-wise kernels for the engine, compiled by numba (the optional ``fast`` extra).

The NumPy tape spends a few in-place calls on each element-wise formula (ReLU: a mask, then a
product; softmax - Y: seven calls), each one a pass over its buffer. Each kernel here does one
formula in one pass, with the arithmetic of the NumPy ops it replaces (no ``fastmath``: the
compiler reorders nothing and approximates nothing; only db's row sums add in an order of their
own, eight running sums, where NumPy's product has BLAS's), so results agree with the NumPy
path to rounding (float64: ~1e-16 relative per step; the tests hold them to the reference
within 1e-10).

The engine asks :func:`activation_ops`, :func:`bias_activation_op`, :func:`bias_gradient_op`,
:func:`backward_bias_op`, :func:`outer_op` and :func:`delta_ops` for a kernel; each answers
None where it has none (a custom record, another activation, an array numba cannot take), and
the engine keeps the record's own NumPy ops. A kernel is chosen by the record's *code* (its
``inplace`` or ``delta`` function), never by its name. The kernels run on the calling thread
(numba's thread pool beside OpenBLAS's busy threads made W1 2.4× slower, see DESIGN.md), and a
row's sum always adds its entries in the same order: the same data, the same bits.

This module imports numba: ``engine.paths`` imports it only when an engine is built.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numba
import numpy as np

from ..activations import inplace_of, relu_inplace
from ..outputs import Pair, sigmoid_delta, softmax_delta

Array = np.ndarray
Op = Callable[[], object]
# numpy's error model: x/0 gives inf or nan as NumPy does (the divergence guard sees them),
# where Python's would raise ZeroDivisionError
_JIT = {"cache": True, "fastmath": False, "error_model": "numpy", "nogil": True}


def jit(fn: Callable) -> Callable:
    """``numba.njit`` with the compiled code cached on disk where numba finds a writable place
    (the package's ``__pycache__``, else the user's cache folder); where it finds none (a
    read-only install and no writable home), compiled once per process instead."""
    try:
        return numba.njit(**_JIT)(fn)
    except RuntimeError:  # numba: "cannot cache function ...: no locator available"
        return numba.njit(**(_JIT | {"cache": False}))(fn)


# ----- kernels --------------------------------------------------------------------------------
@jit
def relu(A):  # A (n, B) in place: max(0, z); nan stays nan, as in np.maximum
    n, B = A.shape
    zero = A.dtype.type(0)
    for k in range(n):
        for j in range(B):  # every entry written (z + 0 is z for z > 0): see relu_backward
            z = A[k, j]
            A[k, j] = zero if z <= zero else z + zero


@jit
def bias_relu(Z, b):  # Z (n, B) in place: max(0, z + b), b (n, 1)
    n, B = Z.shape
    for k in range(n):
        bk = b[k, 0]
        for j in range(B):
            z = Z[k, j] + bk
            Z[k, j] = z
            if z <= 0:
                Z[k, j] = 0


@jit
def relu_backward(dA, A):  # dA (n, B) in place: dZ = dA ⊙ 1[A > 0] (A = max(0, Z))
    n, B = dA.shape
    one, zero = dA.dtype.type(1), dA.dtype.type(0)
    for k in range(n):
        for j in range(B):  # a product, not 0: nan and inf in dA stay nan
            dA[k, j] *= one if A[k, j] > zero else zero
    # Every entry is written, in dA's dtype. An entry written only where it changes (``if not
    # A > 0: dA *= 0``) becomes a masked vector store, 4-6x slower on AMD (measured), and an
    # integer constant makes float32 take a round trip through float64.


@jit
def _row_sum(row):  # Σ_j row[j] in a fixed order: 8 running sums (one vector add), then a tree
    B = row.shape[0]
    full = B - B % 8
    a0 = a1 = a2 = a3 = a4 = a5 = a6 = a7 = row.dtype.type(0)
    for j in range(0, full, 8):
        a0 += row[j]
        a1 += row[j + 1]
        a2 += row[j + 2]
        a3 += row[j + 3]
        a4 += row[j + 4]
        a5 += row[j + 5]
        a6 += row[j + 6]
        a7 += row[j + 7]
    for j in range(full, B):
        a0 += row[j]
    return ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7))


@jit
def bias_gradient(dZ, out, subtract):  # db = dZ · 1: out (n, 1) = db, or out -= db
    for k in range(dZ.shape[0]):
        s = _row_sum(dZ[k])
        out[k, 0] = out[k, 0] - s if subtract else s


@jit
def relu_backward_bias(dA, A, out, subtract):  # relu_backward, then bias_gradient, row by row
    n, B = dA.shape
    one, zero = dA.dtype.type(1), dA.dtype.type(0)
    for k in range(n):
        for j in range(B):  # (as relu_backward)
            dA[k, j] *= one if A[k, j] > zero else zero
        s = _row_sum(dA[k])  # the row is still in L1
        out[k, 0] = out[k, 0] - s if subtract else s


@jit
def outer(w, dZ, out):  # out (n, B) = w (n, 1) dZ (1, B): Wᵀ dZ when layer l has one unit
    n, B = out.shape
    for k in range(n):
        wk = w[k, 0]
        for j in range(B):
            out[k, j] = wk * dZ[0, j]


@jit
def softmax_delta_kernel(ZL, T, dZ, c):  # dZ = c·softmax(ZL) - T per column, max first
    n, B = ZL.shape
    for j in range(B):
        top = ZL[0, j]
        for k in range(1, n):
            top = max(top, ZL[k, j])
        total = np.exp(ZL[0, j] - top)
        dZ[0, j] = total
        for k in range(1, n):
            e = np.exp(ZL[k, j] - top)
            dZ[k, j] = e
            total += e
        scale = total / c  # what the NumPy ops divide by: Σ e^z / c
        for k in range(n):
            dZ[k, j] = dZ[k, j] / scale - T[k, j]


@jit
def sigmoid_delta_kernel(ZL, T, dZ, half, half_c):  # (c/2) tanh(z/2) + c(½ - y), T: c(½ - y)
    n, B = ZL.shape
    for k in range(n):
        for j in range(B):
            dZ[k, j] = np.tanh(ZL[k, j] * half) * half_c + T[k, j]


# ----- what the engine asks for ----------------------------------------------------------------
def _plain(*arrays: Array) -> bool:
    """Arrays numba takes as they are: ndarrays (not memmaps or other subclasses), aligned,
    of one float dtype."""
    dtypes = {a.dtype for a in arrays}
    return (
        all(type(a) is np.ndarray and a.flags.aligned for a in arrays)
        and len(dtypes) == 1
        and dtypes.pop() in (np.float32, np.float64)
    )


def activation_ops(act, A: Array, dA: Array) -> tuple[list[Op], list[Op]] | None:
    """(forward, backward) kernels for a hidden layer, or None: the record's own ops."""
    if inplace_of(act) is not relu_inplace or not _plain(A, dA):
        return None
    return [partial(relu, A)], [partial(relu_backward, dA, A)]


def bias_activation_op(act, Z: Array, b: Array) -> Op | None:
    """One pass for Z += b then A = g(Z) (the first layer when its bias is separate)."""
    if inplace_of(act) is not relu_inplace or not _plain(Z, b):
        return None
    return partial(bias_relu, Z, b)


def bias_gradient_op(dZ: Array, out: Array, subtract: bool) -> Op | None:
    """db = dZ · 1 (n, 1) into ``out``, or ``out -= db`` (the plain update, c already in dZ)."""
    if not _plain(dZ, out):
        return None
    return partial(bias_gradient, dZ, out, subtract)


def backward_bias_op(act, dA: Array, A: Array, out: Array, subtract: bool) -> Op | None:
    """dZ = dA ⊙ g' in place and db = dZ · 1 into ``out`` (or ``out -= db``) in one pass: the
    first layer when its bias is separate."""
    if inplace_of(act) is not relu_inplace or not _plain(dA, A, out):
        return None
    return partial(relu_backward_bias, dA, A, out, subtract)


def outer_op(w: Array, dZ: Array, out: Array) -> Op | None:
    """out = w dZ for w (n, 1) and dZ (1, B): one pass, where NumPy broadcasts a product."""
    if not _plain(w, dZ, out):
        return None
    return partial(outer, w, dZ, out)


def delta_ops(pair: Pair, ZL: Array, T: Array, dZ: Array, c: float) -> list[Op] | None:
    """c·dZ[L] in one pass for the softmax and sigmoid rows, or None (the row's own ops)."""
    if not _plain(ZL, T, dZ):
        return None
    scalar = dZ.dtype.type
    if pair.delta is softmax_delta:
        return [partial(softmax_delta_kernel, ZL, T, dZ, scalar(c))]
    if pair.delta is sigmoid_delta:
        return [partial(sigmoid_delta_kernel, ZL, T, dZ, scalar(0.5), scalar(0.5 * c))]
    return None
