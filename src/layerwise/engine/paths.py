"""Which code an engine runs: the element-wise kernels and the BLAS of its products.

Three settings, each read when an engine is built (so a change applies to the next ``fit``):

- **kernels**: ``"numpy"``, the reference tape of NumPy calls, or ``"numba"``, fused kernels
  compiled by numba (:mod:`.kernels`, the ``fast`` extra); ``"auto"`` (the default) takes numba
  when it is installed and the epoch is large enough to repay loading it
  (:data:`KERNELS_MIN_ELEMENTS`; toy problems keep the NumPy tape).
- **blas**: ``"openblas"``, NumPy's own BLAS (``np.dot``, and the OpenBLAS of NumPy's wheels
  for the accumulating update), or ``"mkl"``, Intel MKL's GEMMs for every large product
  (:mod:`.mkl`, the ``mkl`` extra); ``"auto"`` (the default) takes MKL when it is installed
  *and* runs a code path tuned for this CPU (on CPUs it does not recognize, such as AMD's, MKL
  falls back to generic code that was slower than OpenBLAS in the speed benchmark).

- **epoch**: ``"tape"`` (the default), the recorded steps above, or ``"compiled"``, whole runs
  of steps in one compiled call (:mod:`.whole`, numba and the BLAS it calls through SciPy);
  ``"auto"`` compiles a network's steps when numba and SciPy are installed, ``KERNELS`` is not
  ``"numpy"``, the epoch is large enough to repay loading the compiled code
  (:data:`EPOCH_MIN_ELEMENTS`) and each step small enough that the tape's Python calls, not its
  products, are its cost (:data:`EPOCH_MAX_WORK`). Opt-in: the first compile of a signature,
  once per install, takes 20-40 s (cached on disk afterwards).
  A network the compiled code does not cover (a custom record, a non-fused output pair, an
  optimizer subclass) keeps the tape, whatever the setting.

Set them in the environment (``LAYERWISE_KERNELS=numpy``, ``LAYERWISE_BLAS=openblas``,
``LAYERWISE_EPOCH=tape``) or here (``layerwise.engine.paths.KERNELS = "numpy"``; the module
setting wins over the environment).
Every path computes the same formulas; results agree to rounding (see the README).
"""

from __future__ import annotations

import importlib
import importlib.util
import os
from types import ModuleType

from .blas import Library

KERNELS: str | None = None  # None: $LAYERWISE_KERNELS, else "auto"
BLAS: str | None = None  # None: $LAYERWISE_BLAS, else "auto"
#: ``auto`` uses the kernels for an epoch of at least this many activations (m × Σ_l n[l]; the
#: speed benchmark's W2: 5,000 × 97): the kernels save about 2 ns per activation (W2: 12 µs of
#: a 55 µs step), importing numba and loading them costs about 0.7 s once per process.
KERNELS_MIN_ELEMENTS = 100_000
#: ``auto`` compiles whole epochs for an epoch of at least this many activations, as it takes
#: the kernels (numba is loaded then anyway). On top of numba, the first fit loads SciPy's BLAS
#: (numba's ``np.dot``), ~0.35 s once per process (the first compile of a signature, once per
#: install, 20-40 s): W2 repays it after ~100 epochs, a sweep or the playground at once.
EPOCH_MIN_ELEMENTS = 100_000
#: ...and for steps of at most this many multiply-adds in their forward products (B × Σ_l
#: n[l] (n[l-1] + 1); W2: 64 × 4,097 ≈ 262,000). The tape spends ~25 µs of Python calls per
#: step whatever its size; a step of 2 M multiply-adds spends roughly 1 ms in its products, so
#: above this the calls are a few percent of the step and the tape (which can use MKL and the
#: fused kernels) keeps the large products. Measured on the loaded 2-core machine ([30, n, n,
#: 1], batches of 64, interleaved, medians of 5; compiled ÷ tape, float32 and float64): n = 32
#: 0.89/0.90, 64 1.00/0.92, 128 (1.3 M) 0.50/0.62, 256 (4.7 M) 2.8/1.14, 512 1.18/1.12.
EPOCH_MAX_WORK = 2_000_000
EPOCH: str | None = None  # None: $LAYERWISE_EPOCH, else "tape"
_CHOICES = {
    "EPOCH": ("auto", "tape", "compiled"),
    "KERNELS": ("auto", "numpy", "numba"),
    "BLAS": ("auto", "openblas", "mkl"),
}
_EXTRA = {"numba": "fast", "mkl": "mkl"}


def _source(name: str) -> str:
    """Where setting ``name`` comes from: the module setting, else the environment."""
    return f"layerwise.engine.paths.{name}" if globals()[name] is not None else f"LAYERWISE_{name}"


#: Each setting's value when neither the module nor the environment sets it. The compiled
#: steps are opt-in: their first compile, once per install and signature, takes 20-40 s, a
#: pause no default fit should impose; ``auto`` or ``compiled`` ask for them.
_DEFAULTS = {"EPOCH": "tape", "KERNELS": "auto", "BLAS": "auto"}


def _setting(name: str) -> str:
    given = globals()[name]
    if given is None:
        given = os.environ.get(f"LAYERWISE_{name}", _DEFAULTS[name])
    value = str(given).strip().lower() or _DEFAULTS[name]
    if value not in _CHOICES[name]:
        raise ValueError(
            f"{_source(name)} must be one of {', '.join(_CHOICES[name])}, got {given!r}. "
            "Hint: leave it unset to let the engine choose."
        )
    return value


def _missing(name: str, what: str) -> RuntimeError:
    source = _source(name)
    return RuntimeError(
        f"{source}={what!r} asks for {what}, which is not usable here. Hint: pip install "
        f"'layerwise[{_EXTRA[what]}]', or leave {source} unset to let the engine choose."
    )


def kernels(elements: int | None = None) -> ModuleType | None:
    """The kernels module (numba) the engine should use, or None for the NumPy tape.

    ``elements``: the activations an epoch computes (m × Σ_l n[l]). ``auto`` takes numba only
    from :data:`KERNELS_MIN_ELEMENTS` on: below it the kernels save less than importing numba
    and loading them costs (about 0.7 s, once per process), as for the course's toy sets."""
    choice = _setting("KERNELS")
    if choice == "numpy":
        return None
    if choice == "auto" and (
        (elements is not None and elements < KERNELS_MIN_ELEMENTS)
        or importlib.util.find_spec("numba") is None
    ):
        return None
    try:
        return importlib.import_module(".kernels", __package__)
    except (ImportError, OSError, RuntimeError) as error:  # absent, or numba cannot load
        if choice == "auto":
            return None
        raise _missing("KERNELS", "numba") from error


def epoch_kernel(elements: int, work: int, choice: str | None = None) -> ModuleType | None:
    """The compiled-steps module (:mod:`.epoch_kernel`) for an epoch of ``elements``
    activations and steps of ``work`` forward multiply-adds, or None for the tape. ``choice``:
    the EPOCH setting to apply (default: the one set)."""
    choice = _setting("EPOCH") if choice is None else choice
    if choice == "tape":
        return None
    usable = all(importlib.util.find_spec(name) is not None for name in ("numba", "scipy"))
    small = elements >= EPOCH_MIN_ELEMENTS and work <= EPOCH_MAX_WORK
    if choice == "auto" and (not usable or not small or _setting("KERNELS") == "numpy"):
        return None  # (KERNELS=numpy: the reference tape, numba kept out)
    try:
        if not usable:
            raise ImportError("numba's np.dot needs SciPy's BLAS")
        return importlib.import_module(".epoch_kernel", __package__)
    except (ImportError, OSError, RuntimeError) as error:  # absent, or numba cannot load
        if choice == "auto":
            return None
        raise RuntimeError(
            f"{_source('EPOCH')}='compiled' asks for compiled epochs, which need numba and "
            "SciPy, not usable here. Hint: pip install 'layerwise[fast]', or leave "
            f"{_source('EPOCH')} unset to let the engine choose."
        ) from error


def blas_library() -> Library | None:
    """The BLAS for the engine's large products (MKL), or None for NumPy's own."""
    choice = _setting("BLAS")
    if choice == "openblas":
        return None
    from . import mkl

    if choice == "auto" and not mkl.tuned():  # asked before MKL's threads are set up
        return None
    library = mkl.load()
    if library is None:
        raise _missing("BLAS", "mkl")
    return library


def describe() -> dict[str, str]:
    """What an engine built now would run: ``{"kernels": ..., "blas": ...}``."""
    library = blas_library()
    return {
        "kernels": "numpy" if kernels() is None else "numba",
        "blas": "openblas" if library is None else library.name,
    }
