"""GEMM with an accumulating output, C ← αAB + βC, from the BLAS NumPy itself uses (or MKL).

``np.matmul`` always overwrites its output (β = 0), so the update W ← W - c·dZ A_prevᵀ takes
two passes: the product into a gradient buffer, then W -= dW over memory the GEMM has just
left. The BLAS routine does both in one pass (α = -1, β = 1). NumPy does not expose it, but
NumPy's wheels ship OpenBLAS (``scipy-openblas64``) and export its CBLAS interface, so the
training engine calls ``cblas_?gemm`` from that same library through ctypes: same kernels,
same thread pool, no extra dependency.

Where NumPy was built against another BLAS (Accelerate, MKL, a distribution's OpenBLAS),
:data:`AVAILABLE` is False and the engine keeps the two-pass update. A :class:`Library` is the
pair of routines; ``engine.mkl`` builds one from Intel MKL (the optional ``mkl`` extra), which
``gemm`` calls the same way.
"""

from __future__ import annotations

import ctypes
import glob
import os
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

Array = np.ndarray
_ROW_MAJOR, _NO_TRANS, _TRANS = 101, 111, 112


@dataclass(frozen=True)
class Library:
    """A BLAS's ``cblas_sgemm``/``cblas_dgemm`` by dtype (ctypes functions, CBLAS argument
    order, 64-bit integers) and its name."""

    name: str
    routines: dict[np.dtype, Callable[..., None]]


def configure(fn, real: type, blasint: type) -> Callable[..., None]:
    """Declare a ctypes ``cblas_?gemm``'s argument types: (layout, transA, transB, M, N, K, α,
    A, lda, B, ldb, β, C, ldc), integers of ``blasint``, scalars of ``real``."""
    enum = ctypes.c_int
    fn.argtypes = [enum, enum, enum, blasint, blasint, blasint, real, ctypes.c_void_p]
    fn.argtypes += [blasint, ctypes.c_void_p, blasint, real, ctypes.c_void_p, blasint]
    fn.restype = None
    return fn


def _load() -> Library | None:
    """NumPy's bundled OpenBLAS (64-bit integers), or None if absent."""
    try:
        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
    except (AttributeError, KeyError, TypeError):
        return None
    if blas.get("name") != "scipy-openblas" or "USE64BITINT" not in blas.get(
        "openblas configuration", ""
    ):
        return None
    root = os.path.dirname(np.__file__)
    paths = sorted(glob.glob(os.path.join(root, os.pardir, "numpy.libs", "libscipy_openblas64_*")))
    paths += sorted(glob.glob(os.path.join(root, ".dylibs", "libscipy_openblas64_*")))
    for path in paths:
        try:
            lib = ctypes.CDLL(path)
            routines = {
                np.dtype(np.float32): configure(lib.scipy_cblas_sgemm64_, ctypes.c_float, _I64),
                np.dtype(np.float64): configure(lib.scipy_cblas_dgemm64_, ctypes.c_double, _I64),
            }
        except (OSError, AttributeError):
            continue
        return Library("openblas", routines)
    return None


_I64 = ctypes.c_int64
OPENBLAS = _load()
AVAILABLE = OPENBLAS is not None


def _leading(outer: int, inner: int, n_inner: int, n_outer: int, item: int) -> int | None:
    """The leading dimension of ``n_outer`` lines of ``n_inner`` elements, ``inner`` bytes apart
    inside a line and ``outer`` bytes between lines; None where BLAS cannot read that."""
    if n_inner > 1 and inner != item:
        return None
    if n_outer == 1:  # one line: the stride between lines is never used
        return max(n_inner, 1)
    if outer % item or outer < n_inner * item:  # misaligned, overlapping or reversed lines
        return None
    return outer // item


def _layout(M: Array, dtype: np.dtype, role: str) -> tuple[int, int]:
    """(transpose flag, leading dimension) of a 2-D operand whose rows or columns are
    contiguous; anything else is a programming error in the engine."""
    if M.ndim != 2 or M.dtype != dtype or not M.flags.aligned:
        raise ValueError(f"gemm {role} must be an aligned 2-D {dtype} array, got {M.dtype}.")
    (rows, cols), (s0, s1), item = M.shape, M.strides, M.itemsize
    ld = _leading(s0, s1, cols, rows, item)
    if ld is not None:
        return _NO_TRANS, ld
    ld = _leading(s1, s0, rows, cols, item)  # a transposed view
    if ld is not None and role != "output":
        return _TRANS, ld
    lines = "rows" if role == "output" else "rows or columns"
    raise ValueError(f"gemm {role} must have contiguous {lines}, got strides {M.strides}.")


def gemm(
    alpha: float, A: Array, B: Array, beta: float, C: Array, library: Library | None = None
) -> Callable[[], None]:
    """A bound call computing ``C ← alpha·A @ B + beta·C`` in place, A (M, K), B (K, N),
    C (M, N), through ``library`` (default: NumPy's OpenBLAS).

    ``C`` must have contiguous rows (any row stride, e.g. a column slice of a larger block);
    ``A`` and ``B`` contiguous rows or columns, neither overlapping ``C``. The call keeps
    references to the three arrays, so the pointers it holds stay valid as long as it does.
    """
    library = library or OPENBLAS
    if library is None:
        raise RuntimeError("gemm needs the OpenBLAS of NumPy's wheels; see _blas.AVAILABLE.")
    if C.ndim != 2 or C.dtype not in library.routines:
        raise ValueError(f"gemm output must be 2-D float32 or float64, got {C.dtype} {C.shape}.")
    (M, N), K = C.shape, A.shape[-1]  # noqa: N806 (BLAS's names)
    if A.ndim != 2 or B.ndim != 2 or A.shape[0] != M or B.shape != (K, N):
        raise ValueError(f"gemm shapes do not chain: {A.shape} @ {B.shape} -> {C.shape}.")
    if not C.flags.writeable or np.may_share_memory(C, A) or np.may_share_memory(C, B):
        raise ValueError("gemm output must be writeable and apart from its operands.")
    _, ldc = _layout(C, C.dtype, "output")
    (ta, lda), (tb, ldb) = _layout(A, C.dtype, "operand"), _layout(B, C.dtype, "operand")
    fn = library.routines[C.dtype]
    args = (_ROW_MAJOR, ta, tb, M, N, K, alpha, A.ctypes.data, lda)
    args += (B.ctypes.data, ldb, beta, C.ctypes.data, ldc)
    call = partial(fn, *args)  # a partial, not a closure: no Python frame per call
    call.arrays = (A, B, C)  # type: ignore[attr-defined]  # keeps the pointers valid
    return call
