"""Intel MKL's GEMMs through ctypes, for the engine's products (the optional ``mkl`` extra).

The ``mkl`` package on PyPI ships ``libmkl_rt``, MKL's single dynamic library, with the CBLAS
interface. Its ``cblas_sgemm_64``/``cblas_dgemm_64`` take the same arguments as the OpenBLAS
routines in :mod:`.blas` with 64-bit integers, whatever interface layer (LP64 or ILP64) the
process set for MKL's plain names (``MKL_INTERFACE_LAYER``, or another library), so
:func:`load` returns a :class:`~.blas.Library` and ``blas.gemm`` binds it like any other. Where
MKL runs its generic code (AMD CPUs) its GEMMs were slower than NumPy's OpenBLAS in the speed
benchmark, and ``paths`` does not choose it there by itself.

MKL's threads are its own (Intel OpenMP), apart from NumPy's OpenBLAS pool, which keeps its
own settings. :func:`load` gives MKL one thread per CPU this process may run on, unless
``MKL_NUM_THREADS`` or ``OMP_NUM_THREADS`` is set (then MKL reads it itself).

Nothing here runs at ``import layerwise``: the engine calls :func:`load` when it is built.
"""

from __future__ import annotations

import ctypes
import glob
import os
import sys
from functools import cache
from importlib import metadata

import numpy as np

from .blas import Library, configure

_ILP64 = ctypes.c_int64  # the *_64 routines' integers


def _candidates() -> list[str]:
    """Where ``libmkl_rt`` may be: the files of the installed ``mkl`` distribution, then this
    environment's library folders (a conda environment's MKL); never the base interpreter's,
    so that an environment without the extra stays on NumPy's BLAS."""
    paths = []
    try:
        files = metadata.files("mkl") or []
    except metadata.PackageNotFoundError:
        files = []
    for file in files:
        name = os.path.basename(str(file))
        if name.startswith(("libmkl_rt.so", "libmkl_rt.dylib", "mkl_rt")) and not name.endswith(
            ".lib"
        ):
            paths.append(str(file.locate()))
    paths += sorted(glob.glob(os.path.join(sys.prefix, "lib", "libmkl_rt.so*")))
    paths += sorted(glob.glob(os.path.join(sys.prefix, "Library", "bin", "mkl_rt*.dll")))
    return list(dict.fromkeys(paths))


class _Version(ctypes.Structure):  # MKL's MKLVersion
    _fields_ = [
        ("major", ctypes.c_int),
        ("minor", ctypes.c_int),
        ("update", ctypes.c_int),
        ("status", ctypes.c_char_p),
        ("build", ctypes.c_char_p),
        ("processor", ctypes.c_char_p),
        ("platform", ctypes.c_char_p),
    ]


@cache
def _library() -> ctypes.CDLL | None:
    for path in _candidates():
        try:
            lib = ctypes.CDLL(path)
            lib.cblas_sgemm_64, lib.cblas_dgemm_64, lib.MKL_Get_Version  # noqa: B018 (present?)
        except (OSError, AttributeError):
            continue
        return lib
    return None


@cache
def load() -> Library | None:
    """MKL's ``cblas_sgemm_64``/``cblas_dgemm_64`` (64-bit integers), with its threads set;
    None without MKL."""
    lib = _library()
    if lib is None:
        return None
    routines = {
        np.dtype(np.float32): configure(lib.cblas_sgemm_64, ctypes.c_float, _ILP64),
        np.dtype(np.float64): configure(lib.cblas_dgemm_64, ctypes.c_double, _ILP64),
    }
    told = "MKL_NUM_THREADS" in os.environ or "OMP_NUM_THREADS" in os.environ
    if not told and hasattr(lib, "MKL_Set_Num_Threads"):
        lib.MKL_Set_Num_Threads.argtypes = [ctypes.c_int]
        lib.MKL_Set_Num_Threads(_usable_cpus())
    return Library("mkl", routines)


def code_path() -> str:
    """The processor line MKL reports, e.g. "Intel(R) Advanced Vector Extensions 512 ... enabled
    processors", or "Intel(R) Architecture processors" for its generic code; "" without MKL."""
    lib = _library()
    if lib is None:
        return ""
    version = _Version()
    lib.MKL_Get_Version(ctypes.byref(version))
    return (version.processor or b"").decode(errors="replace")


def tuned() -> bool:
    """True when MKL runs code for this CPU's vector units (what ``auto`` requires)."""
    path = code_path()
    return "Vector Extensions" in path or "AVX" in path


def _usable_cpus() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1
