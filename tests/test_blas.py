"""Tests for ``layerwise._blas``: the accumulating GEMM the engine's plain update uses, and when
the engine uses it."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise import Network
from layerwise import engine as _engine
from layerwise.engine import blas as _blas
from layerwise.optimizers import get_optimizer


def test_numpy_wheels_blas_is_found() -> None:
    # NumPy's own wheels ship scipy-openblas64: there the fast update must not fall back silently
    blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
    expected = blas["name"] == "scipy-openblas" and "USE64BITINT" in blas["openblas configuration"]
    assert _blas.AVAILABLE is expected


needs_blas = pytest.mark.skipif(not _blas.AVAILABLE, reason="NumPy is not built on scipy-openblas")


@pytest.fixture
def gemm_calls(monkeypatch: pytest.MonkeyPatch, numpy_path: None) -> list:
    """The arguments of every ``_blas.gemm`` the engine records (the real one still runs), on
    NumPy's path (the fused kernels take db1 out of the products)."""
    calls, real = [], _blas.gemm
    monkeypatch.setattr(_blas, "gemm", lambda *args: calls.append(args) or real(*args))
    return calls


@needs_blas
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("a_order", ["C", "F"])
@pytest.mark.parametrize("b_order", ["C", "F"])
def test_gemm_accumulates_into_its_output(
    dtype: type, a_order: str, b_order: str, rng: np.random.Generator
) -> None:
    # A and B are slices of larger arrays too: leading dimensions from their strides
    A = np.asarray(rng.standard_normal((6, 9)), dtype=dtype, order=a_order)[1:, 2:]
    B = np.asarray(rng.standard_normal((8, 5)), dtype=dtype, order=b_order)[:7, 1:4]
    block = rng.standard_normal((5, 4)).astype(dtype)  # C is a column slice: row stride 4
    C = block[:, :3]
    expected = 0.5 * block[:, :3] - 2.0 * (A.astype(np.float64) @ B)
    untouched = block[:, 3].copy()
    _blas.gemm(-2.0, A, B, 0.5, C)()
    np.testing.assert_allclose(C, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_array_equal(block[:, 3], untouched)


@needs_blas
def test_gemm_refuses_what_blas_cannot_read(rng: np.random.Generator) -> None:
    A, B, C = rng.standard_normal((4, 6)), rng.standard_normal((6, 2)), np.zeros((4, 2))
    with pytest.raises(ValueError, match="contiguous rows or columns"):
        _blas.gemm(1.0, A[:, ::2], B[::2], 0.0, C)
    with pytest.raises(ValueError, match="contiguous rows"):
        _blas.gemm(1.0, A, B, 0.0, np.zeros((2, 4)).T)
    with pytest.raises(ValueError, match="do not chain"):
        _blas.gemm(1.0, A, B[:5], 0.0, C)
    with pytest.raises(ValueError, match="float64"):
        _blas.gemm(1.0, A.astype(np.float32), B, 0.0, C)
    with pytest.raises(ValueError, match="contiguous rows"):  # reversed rows: BLAS would skip
        _blas.gemm(1.0, A, B, 0.0, C[::-1])
    with pytest.raises(ValueError, match="contiguous rows"):  # every row the same memory
        _blas.gemm(1.0, A, B, 0.0, np.lib.stride_tricks.as_strided(np.zeros(2), (4, 2), (0, 8)))
    with pytest.raises(ValueError, match="apart from its operands"):
        _blas.gemm(1.0, C, np.eye(2), 0.0, C)
    packed = np.zeros(24, dtype=[("a", "u1"), ("x", "f8")])["x"].reshape(4, 6)  # 9-byte stride
    with pytest.raises(ValueError, match="aligned"):
        _blas.gemm(1.0, packed, B, 0.0, C)


def _engine_for(net: Network, optimizer: str = "gd", B: int = 128) -> _engine.Engine:
    X_rows = np.zeros((256, net.layer_dims[0]), net.dtype)
    Y_rows = np.zeros((256, net.layer_dims[-1]), net.dtype)
    return _engine.Engine(net, X_rows, Y_rows, B, False, None, get_optimizer(optimizer, 0.1))


@pytest.mark.parametrize(
    ("dims", "options", "optimizer", "expected"),
    [
        ([784, 256, 10], {}, "gd", _blas.AVAILABLE),  # large: the update rides in the GEMMs
        ([30, 64, 1], {}, "gd", False),  # small: a ctypes call costs more than it saves
        ([784, 256, 10], {"l2": 0.1}, "gd", False),  # L2 adds λW to dθ first
        ([784, 256, 10], {}, "adam", False),  # the optimizer needs dθ itself
    ],
)
def test_the_engine_updates_inside_the_gemm_only_where_it_pays(
    dims: list[int], options: dict, optimizer: str, expected: bool, numpy_path: None
) -> None:
    net = Network(dims, output="softmax" if dims[-1] > 1 else "sigmoid", seed=0, **options)
    assert _engine_for(net, optimizer).blas_update is expected


@needs_blas
def test_large_network_training_matches_the_two_pass_update(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch, gemm_calls: list
) -> None:
    # the real threshold, a real size: a separate bias on layer 1, bias rows on the others
    X = rng.standard_normal((300, 200)).astype(np.float32)
    Y = (rng.random((1, 200)) < 0.5).astype(np.float32)
    fast = Network([300, 64, 32, 1], seed=3, dtype=np.float32)
    slow = Network([300, 64, 32, 1], seed=3, dtype=np.float32)
    fast.fit(X, Y, epochs=3, learning_rate=0.05, batch_size=100)
    assert len(gemm_calls) == 2  # dW1 (64·100·300) in both batches; the rest is smaller than 10⁶
    monkeypatch.setattr(_engine, "BLAS_UPDATE_MIN_WORK", float("inf"))
    slow.fit(X, Y, epochs=3, learning_rate=0.05, batch_size=100)
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-4, atol=1e-6)


@needs_blas
@pytest.mark.parametrize("threshold", [0, 90])
def test_the_fixtures_thresholds_put_products_through_blas(
    threshold: int, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch, gemm_calls: list
) -> None:
    # what the blas_update fixture relies on: its thresholds really send products to BLAS
    monkeypatch.setattr(_engine, "BLAS_UPDATE_MIN_WORK", threshold)
    net = Network([3, 5, 4, 1], seed=0)
    net.fit(rng.standard_normal((3, 7)), (rng.random((1, 7)) < 0.5) * 1.0, epochs=1)
    # threshold 0: dW1, db1, [dW|db]2, [dW|db]3; threshold 90: dW1 (105) and [dW|db]2 (168)
    assert len(gemm_calls) == (4 if threshold == 0 else 2)
