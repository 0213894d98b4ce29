"""The compiled steps' register tiles (``engine.gemm``): C = A B on every shape the tiles and
their leftover rows and columns cover, float32 and float64, the same bits twice, and numba's
vectorizer setting restored after use.

The compiled steps train through them (``test_compiled_epoch.py``: batches of 16 run the tiles,
the last batch of 2 runs ``np.dot``).
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

numba = pytest.importorskip("numba")

from numba.core import config as numba_config  # noqa: E402

from layerwise.engine import epoch_kernel, gemm, whole  # noqa: E402
from layerwise.parameters import block_offsets  # noqa: E402


@numba.njit(cache=False)
def _product(A, B, C):  # the tiles as the compiled steps reach them: from numba code
    gemm.nn(A, B, C)


@numba.njit(cache=False)
def _blas(A, B, C):  # np.dot in numba code: SciPy's BLAS, the steps' other path
    np.dot(A, B, C)


def _compiled_product(A, B):
    C = np.full((A.shape[0], B.shape[1]), np.nan, A.dtype)
    with gemm.vectorizing():
        _product(A, B, C)
    return C


SHAPES = [  # (M, K, N in multiples of the narrow width): tiles of 4 rows and the rows left,
    (1, 1, 1),  # wide strips and the narrow one, K = 1 (no k loop)
    (3, 2, 1),
    (4, 5, 2),
    (5, 31, 3),
    (9, 7, 4),
    (64, 31, 8),
    (33, 65, 9),
]


@pytest.mark.slow  # (compiles the tiles for each dtype: ~10-20 s)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(("M", "k", "units"), SHAPES)
def test_the_tiles_multiply_as_numpy(dtype, M, k, units) -> None:
    rng = np.random.default_rng(M * 100 + k)
    N = units * gemm.lanes(np.dtype(dtype).itemsize)
    A = rng.standard_normal((M, k)).astype(dtype)
    B = rng.standard_normal((k, N)).astype(dtype)
    C = _compiled_product(A, B)
    exact = A.astype(np.float64) @ B.astype(np.float64)
    scale = np.abs(A).astype(np.float64) @ np.abs(B).astype(np.float64)
    eps = np.finfo(dtype).eps
    assert np.all(np.abs(C - exact) <= k * eps * scale + 1e-300), (
        "a product off by more than K ulps"
    )
    assert C.dtype == dtype
    again = _compiled_product(A, B)
    assert np.array_equal(C.view(np.uint8), again.view(np.uint8)), "same inputs, other bits"


def test_the_uncompiled_loops_compute_the_same_product() -> None:
    rng = np.random.default_rng(1)
    A, B = rng.standard_normal((6, 3)), rng.standard_normal((3, 12))
    C = np.empty((6, 12))
    gemm.nn(A, B, C)  # from Python: the generated loops run as Python
    np.testing.assert_allclose(C, A @ B, rtol=1e-13)


def test_the_widths_follow_the_item_size() -> None:
    assert gemm.lanes(4) == 8 and gemm.lanes(8) == 4
    assert gemm.TILES[4][1] == gemm.lanes(4) and gemm.TILES[8][1] == gemm.lanes(8)


def test_vectorizing_restores_numbas_setting_nested_and_across_threads(monkeypatch) -> None:
    monkeypatch.setattr(numba_config, "SLP_VECTORIZE", 0)
    inside, release = threading.Event(), threading.Event()

    def other_thread():
        with gemm.vectorizing():
            inside.set()
            release.wait(10)

    worker = threading.Thread(target=other_thread)
    worker.start()
    inside.wait(10)
    with gemm.vectorizing():
        with gemm.vectorizing():
            assert numba_config.SLP_VECTORIZE == 1
        assert numba_config.SLP_VECTORIZE == 1
    assert numba_config.SLP_VECTORIZE == 1, "restored while another thread is still inside"
    release.set()
    worker.join(10)
    assert numba_config.SLP_VECTORIZE == 0


def test_the_generated_source_is_straight_line_tiles() -> None:
    source = gemm.product_source("nn", 16, 8)
    assert source.count("c3_15 += a3 * b15") == 1  # the wide tile: 4 rows x 16 columns
    assert source.count("c3_7 += a3 * b7") == 2  # the narrow one (and the wide one's)
    assert "C[i, c] += a * B[k, c]" in source  # the rows left below 4


@pytest.mark.slow
def test_the_compiled_forward_runs_the_tiles_where_the_batch_fits() -> None:
    """The steps' forward products are the tiles' (bit for bit) for a batch of 8 float32
    examples, which BLAS would have computed with other bits."""
    rng = np.random.default_rng(3)
    dims, B = [31, 16, 1], 8
    offs, size = whole.layout(dims, B, [1.0, 1.0, 1.0])
    ws, toff = np.zeros(size, np.float32), np.array([0, *block_offsets(dims)[:-1]])
    theta = rng.standard_normal(block_offsets(dims)[-1]).astype(np.float32)
    X_rows = rng.standard_normal((B, dims[0])).astype(np.float32)
    codes = np.array([0, epoch_kernel.LINEAR, epoch_kernel.SIGMOID_DELTA])  # Z1 kept as A1
    ones = np.ones((1, B), np.float32)
    with gemm.vectorizing():
        epoch_kernel.forward(
            X_rows, np.arange(B), 0, B, theta, toff, np.array(dims), codes, np.zeros(3),
            np.ones(3), ws, offs, np.empty(0), 0,
        )  # fmt: skip
    W1b = theta[: toff[2]].reshape(16, 32)
    W2b = theta[toff[2] :].reshape(1, 17)
    X1T = np.vstack([X_rows.T, ones])
    Z1 = _compiled_product(W1b, X1T)
    expected = _compiled_product(W2b, np.vstack([Z1, ones]))
    logits = ws[offs[2, 0] : offs[2, 0] + B].reshape(1, B)
    assert np.array_equal(logits.view(np.uint32), expected.view(np.uint32))
    by_blas = np.empty_like(Z1)
    _blas(W1b, X1T, by_blas)
    if np.array_equal(by_blas.view(np.uint32), Z1.view(np.uint32)):
        pytest.skip("this machine's BLAS gives the tiles' bits: the check cannot tell them apart")


def test_the_compiled_backward_runs_the_tiles_for_w_transposed_dz() -> None:
    """dZ[l-1] = W[l]ᵀ dZ[l] (l ≥ 2) is the tiles' product of Wᵀ, copied, by dZ (bit for bit)
    for a batch of 8 float32 examples; the last layer's rows of [W|b] are left out (no bias
    row), and BLAS would have given other bits."""
    rng = np.random.default_rng(4)
    dims, B = [5, 16, 24], 8
    offs, size = whole.layout(dims, B, [1.0, 1.0, 1.0])
    ws, toff = np.zeros(size, np.float32), np.array([0, *block_offsets(dims)[:-1]])
    theta = rng.standard_normal(block_offsets(dims)[-1]).astype(np.float32)
    dZ2 = rng.standard_normal((24, B)).astype(np.float32)
    ws[offs[2, 3] : offs[2, 3] + dZ2.size] = dZ2.ravel()
    codes = np.array([0, epoch_kernel.LINEAR, epoch_kernel.LINEAR_DELTA])  # g' = 1: dZ1 = dA1
    g = np.zeros_like(theta)
    with gemm.vectorizing():
        epoch_kernel.backward(
            B, theta, g, toff, np.array(dims), codes, np.zeros(3), np.ones(3), ws, offs
        )
    W2 = theta[toff[2] :].reshape(24, 17)[:, :16]
    expected = _compiled_product(np.ascontiguousarray(W2.T), dZ2)
    dZ1 = ws[offs[1, 3] : offs[1, 3] + 16 * B].reshape(16, B)
    assert np.array_equal(dZ1.view(np.uint32), expected.view(np.uint32))
    by_blas = np.empty_like(expected)
    _blas(np.ascontiguousarray(W2.T), dZ2, by_blas)
    if np.array_equal(by_blas.view(np.uint32), dZ1.view(np.uint32)):
        pytest.skip("this machine's BLAS gives the tiles' bits: the check cannot tell them apart")
