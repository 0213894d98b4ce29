"""Small matrix products for the compiled steps (numba): register tiles, vectorized by LLVM.

A small network's products (W2: 64 × 31 · 31 × 64 in float32, ~127,000 multiply-adds) are
too small for BLAS: OpenBLAS spends more on packing and dispatch than on arithmetic and reaches
15–25 GFLOP/s there. Here each product is cut into tiles of ``MR`` rows × ``NR`` columns of C
whose running sums stay in registers over the whole k loop: each step of k loads ``NR``
consecutive entries of a row of B and ``MR`` entries of A, and does ``MR · NR``
multiply-adds. The tiles are written out as straight-line code (one local variable per entry
of C, generated below), which LLVM's SLP vectorizer packs into vector registers (8 float32 or
4 float64 lanes on AVX2: a 4 × 16 float32 tile is eight accumulators and eight fused
multiply-adds a step).

Each entry of C is ``A[i, 0] B[0, j]`` plus the terms k = 1, 2, ... added one at a time in
order, each product fused with its addition (``fastmath={"contract"}``, nothing else: no
reordering, no approximation), so the same inputs give the same bits on a given machine, and
results agree with BLAS to rounding.

numba leaves the SLP vectorizer off by default (``NUMBA_SLP_VECTORIZE``); :func:`vectorizing`
turns it on around the calls that may compile these functions (the compiled steps: see
:mod:`.epoch_kernel`), since numba reads the setting when it compiles. Without it the same code
runs, scalar: 7× slower on 64×31 · 31×64 (74 µs against 10.6, measured).

The product :func:`nn` ``C = A B`` takes row-major arrays with ``N`` (C's columns) a multiple
of :func:`lanes` (the caller falls back to ``np.dot`` otherwise). The compiled steps also run
``Wᵀ dZ`` through it, from Wᵀ copied into a row-major buffer (the same compiled tiles, no
second compile); ``dZ Hᵀ`` stays with BLAS: tiles for it either did not vectorize (a sum
along the rows of both operands) or paid for their transposes. The compiled steps' disk cache
holds these tiles inside their code and is keyed on ``epoch_kernel.py`` alone: after editing
this file, clear that cache (the engine's ``__pycache__/epoch_kernel*.nb*``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numba
from numba.core import config as _numba_config
from numba.extending import overload

#: the tiles' widths by item size: float32 takes 16 then 8 columns, float64 8 then 4
TILES = {4: (16, 8), 8: (8, 4)}
_FLAGS = {"fastmath": {"contract"}, "error_model": "numpy", "nogil": True}
_lock = threading.Lock()
_users = 0
_saved = 0


@contextmanager
def vectorizing() -> Iterator[None]:
    """numba's SLP vectorizer on while the block runs (compiles in it vectorize the tiles);
    the setting is restored once no thread is inside any more."""
    global _users, _saved
    with _lock:
        if _users == 0:
            _saved = _numba_config.SLP_VECTORIZE
            _numba_config.SLP_VECTORIZE = 1
        _users += 1
    try:
        yield
    finally:
        with _lock:
            _users -= 1
            if _users == 0:
                _numba_config.SLP_VECTORIZE = _saved


@numba.njit(cache=False)
def lanes(itemsize: int) -> int:
    """The multiple of C's columns the tiles need: 8 (float32) or 4 (float64), as ``TILES``."""
    return 8 if itemsize == 4 else 4


def _tile_lines(rows: int, cols: int, indent: str) -> list[str]:
    """Straight-line code of one tile, C[i:i+rows, j:j+cols] = A[i:i+rows, :] B[:, j:j+cols],
    one local variable per entry of C."""
    cells = [(r, c) for r in range(rows) for c in range(cols)]
    lines = [f"c{r}_{c} = A[i + {r}, 0] * B[0, j + {c}]" for r, c in cells]
    lines += ["for k in range(1, K):"]
    lines += [f"    a{r} = A[i + {r}, k]" for r in range(rows)]
    lines += [f"    b{c} = B[k, j + {c}]" for c in range(cols)]
    lines += [f"    c{r}_{c} += a{r} * b{c}" for r, c in cells]
    lines += [f"C[i + {r}, j + {c}] = c{r}_{c}" for r, c in cells]
    return [indent + line for line in lines]


def _strip_lines(cols: int, indent: str) -> list[str]:
    """C[:, j:j+cols] by tiles of 4 rows, then the rows left (fewer than 4) by a plain loop
    that adds the same products in the same order."""
    inner = indent + "    "
    return [
        f"{indent}for i in range(0, M - M % 4, 4):",
        *_tile_lines(4, cols, inner),
        f"{indent}for i in range(M - M % 4, M):",
        f"{inner}for c in range(j, j + {cols}):",
        f"{inner}    C[i, c] = A[i, 0] * B[0, c]",
        f"{inner}for k in range(1, K):",
        f"{inner}    a = A[i, k]",
        f"{inner}    for c in range(j, j + {cols}):",
        f"{inner}        C[i, c] += a * B[k, c]",
    ]


def product_source(name: str, wide: int, narrow: int) -> str:
    """The source of C = A B: strips of ``wide`` columns, then one of ``narrow`` if N leaves
    one (N is a multiple of ``narrow``)."""
    return (
        "\n".join(
            [
                f"def {name}(A, B, C):",
                "    M, N, K = C.shape[0], C.shape[1], B.shape[0]",
                f"    for j in range(0, N - N % {wide}, {wide}):",
                *_strip_lines(wide, " " * 8),
                f"    for j in range(N - N % {wide}, N, {narrow}):",
                *_strip_lines(narrow, " " * 8),
            ]
        )
        + "\n"
    )


def _source_function(itemsize: int):
    """The Python function of C = A B for arrays of ``itemsize`` bytes (its tiles' widths)."""
    name = f"nn{8 * itemsize}"
    namespace: dict = {}
    code = compile(product_source(name, *TILES[itemsize]), f"<gemm.{name}>", "exec")
    exec(code, namespace)  # our own source, made from three small ints
    return namespace[name]


_BY_SIZE = {size: _source_function(size) for size in TILES}


def nn(A, B, C):
    """C (M, N) = A (M, K) B (K, N), all C-contiguous, N a multiple of :func:`lanes`, K ≥ 1.
    In numba code, the tiles for the arrays' item size (compiled where it is called, inside
    :func:`vectorizing`); called from Python, the same loops, uncompiled."""
    _BY_SIZE[C.itemsize](A, B, C)


@overload(nn, jit_options=_FLAGS)
def _nn(A, B, C):
    return _BY_SIZE[C.dtype.bitwidth // 8]
