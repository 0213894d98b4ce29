"""GEMM with an accumulating output, C ← αAB + βC, from the BLAS NumPy itself uses.

``np.matmul`` always overwrites its output (β = 0), so the update W ← W - c·dZ A_prevᵀ takes
two passes: the product into a gradient buffer, then W -= dW over memory the GEMM has just
left. The BLAS routine does both in one pass (α = -1, β = 1). NumPy does not expose it, but
NumPy's wheels ship OpenBLAS (``scipy-openblas64``) and export its CBLAS interface, so the
training engine calls ``cblas_?gemm`` from that same library through ctypes: same kernels,
same thread pool, no extra dependency.

Where NumPy was built against another BLAS (Accelerate, MKL, a distribution's OpenBLAS),
:data:`AVAILABLE` is False and the engine keeps the two-pass update.
"""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Callable
from functools import partial

import numpy as np

Array = np.ndarray
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


def _load() -> dict[np.dtype, ctypes._CFuncPtr]:
    """``{float32: sgemm, float64: dgemm}`` from NumPy's bundled OpenBLAS, or {} if absent."""
    try:
        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
    except (AttributeError, KeyError, TypeError):
        return {}
    if blas.get("name") != "scipy-openblas" or "USE64BITINT" not in blas.get(
        "openblas configuration", ""
    ):
        return {}
    root = os.path.dirname(np.__file__)
    paths = sorted(glob.glob(os.path.join(root, os.pardir, "numpy.libs", "libscipy_openblas64_*")))
    paths += sorted(glob.glob(os.path.join(root, ".dylibs", "libscipy_openblas64_*")))
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            routines = {
                np.dtype(np.float32): (lib.scipy_cblas_sgemm64_, ctypes.c_float),
                np.dtype(np.float64): (lib.scipy_cblas_dgemm64_, ctypes.c_double),
            }
        except (OSError, AttributeError):
            continue
        found = {}
        for dtype, (fn, real) in routines.items():
            enum, blasint = ctypes.c_int, ctypes.c_int64
            fn.argtypes = [enum, enum, enum, blasint, blasint, blasint, real, ctypes.c_void_p]
            fn.argtypes += [blasint, ctypes.c_void_p, blasint, real, ctypes.c_void_p, blasint]
            fn.restype = None
            found[dtype] = fn
        return found
    return {}


_GEMM = _load()
AVAILABLE = bool(_GEMM)


def _operand(M: Array, dtype: np.dtype) -> tuple[int, int]:
    """(transpose flag, leading dimension) of a 2-D operand whose rows or columns are
    contiguous; anything else is a programming error in the engine."""
    if M.ndim != 2 or M.dtype != dtype:
        raise ValueError(f"gemm operand must be a 2-D {dtype} array, got {M.dtype} {M.shape}.")
    item = M.itemsize
    if M.strides[1] == item and M.strides[0] >= M.shape[1] * item:
        return _NO_TRANS, max(M.strides[0] // item, 1)
    if M.strides[0] == item and M.strides[1] >= M.shape[0] * item:  # a transposed view
        return _TRANS, max(M.strides[1] // item, 1)
    raise ValueError(f"gemm operand must have contiguous rows or columns, strides {M.strides}.")


def gemm(alpha: float, A: Array, B: Array, beta: float, C: Array) -> Callable[[], None]:
    """A bound call computing ``C ← alpha·A @ B + beta·C`` in place.

    ``C`` must have contiguous rows (any row stride, e.g. a column slice of a larger block);
    ``A`` and ``B`` contiguous rows or columns. The call keeps references to the three arrays,
    so the pointers it holds stay valid as long as it does.
    """
    if C.ndim != 2 or C.strides[1] != C.itemsize or not C.flags.writeable:
        raise ValueError(f"gemm output must be writeable with contiguous rows, got {C.strides}.")
    (M, N), K = C.shape, A.shape[1]  # noqa: N806 (BLAS's names)
    if A.shape[0] != M or B.shape != (K, N):
        raise ValueError(f"gemm shapes do not chain: {A.shape} @ {B.shape} -> {C.shape}.")
    fn = _GEMM[C.dtype]
    (ta, lda), (tb, ldb) = _operand(A, C.dtype), _operand(B, C.dtype)
    args = (_ROW_MAJOR, ta, tb, M, N, K, alpha, A.ctypes.data, lda)
    args += (B.ctypes.data, ldb, beta, C.ctypes.data, C.strides[0] // C.itemsize)
    call = partial(fn, *args)  # a partial, not a closure: no Python frame per call
    call.arrays = (A, B, C)  # type: ignore[attr-defined]  # keeps the pointers valid
    return call
