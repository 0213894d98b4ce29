"""Intel MKL's GEMMs through ctypes, for the engine's products (the optional ``mkl`` extra).

The ``mkl`` package on PyPI ships ``libmkl_rt``, MKL's single dynamic library, with the CBLAS
interface. Its ``cblas_sgemm``/``cblas_dgemm`` take the same arguments as the OpenBLAS routines
in :mod:`.blas` with 32-bit integers (the LP64 interface, MKL's default), so :func:`load`
returns a :class:`~.blas.Library` and ``blas.gemm`` binds it like any other. On the speed
benchmark's machine its products ran W1's GEMMs about 20 % faster than NumPy's OpenBLAS.

MKL's threads are its own (Intel OpenMP), apart from NumPy's OpenBLAS pool, which keeps its
own settings. :func:`load` gives MKL one thread per CPU this process may run on, unless
``MKL_NUM_THREADS`` says otherwise (then MKL reads it itself).

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

_LP64 = ctypes.c_int32


def _candidates() -> list[str]:
    """Where ``libmkl_rt`` may be: the files of the installed ``mkl`` distribution, then the
    environment's library folders."""
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
    for root in dict.fromkeys((sys.prefix, sys.base_prefix)):
        paths += sorted(glob.glob(os.path.join(root, "lib", "libmkl_rt.so*")))
        paths += sorted(glob.glob(os.path.join(root, "Library", "bin", "mkl_rt*.dll")))
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
            lib.cblas_sgemm, lib.cblas_dgemm, lib.MKL_Get_Version  # noqa: B018 (present?)
        except (OSError, AttributeError):
            continue
        return lib
    return None


@cache
def load() -> Library | None:
    """MKL's ``cblas_sgemm``/``cblas_dgemm`` (LP64), with its threads set; None without MKL."""
    lib = _library()
    if lib is None:
        return None
    routines = {
        np.dtype(np.float32): configure(lib.cblas_sgemm, ctypes.c_float, _LP64),
        np.dtype(np.float64): configure(lib.cblas_dgemm, ctypes.c_double, _LP64),
    }
    if "MKL_NUM_THREADS" not in os.environ and hasattr(lib, "MKL_Set_Num_Threads"):
        lib.MKL_Set_Num_Threads.argtypes = [ctypes.c_int]
        lib.MKL_Set_Num_Threads(_usable_cpus())
    return Library("mkl", routines, max_dim=2**31 - 1)


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
