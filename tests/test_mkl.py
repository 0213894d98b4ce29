"""Tests for ``layerwise.engine.mkl``: MKL's GEMMs through ctypes. Skipped where MKL is not
installed (the optional ``mkl`` extra): the engine then uses NumPy's BLAS, tested everywhere."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

from layerwise import Network
from layerwise.engine import blas as _blas
from layerwise.engine import mkl, paths, tape

MKL = mkl.load()
pytestmark = pytest.mark.skipif(
    MKL is None, reason="MKL is not installed (the optional `mkl` extra); NumPy's BLAS is tested"
)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("orders", ["CC", "CF", "FC", "FF"])
def test_mkl_gemm_accumulates_into_its_output(
    dtype: type, orders: str, rng: np.random.Generator
) -> None:
    A = np.asarray(rng.standard_normal((6, 9)), dtype=dtype, order=orders[0])[1:, 2:]
    B = np.asarray(rng.standard_normal((8, 5)), dtype=dtype, order=orders[1])[:7, 1:4]
    block = rng.standard_normal((5, 4)).astype(dtype)
    C = block[:, :3]
    expected = 0.5 * block[:, :3] - 2.0 * (A.astype(np.float64) @ B)
    untouched = block[:, 3].copy()
    _blas.gemm(-2.0, A, B, 0.5, C, MKL)()
    np.testing.assert_allclose(C, expected, rtol=1e-5 if dtype == np.float32 else 1e-12)
    np.testing.assert_array_equal(block[:, 3], untouched)


@pytest.mark.slow
def test_mkl_gemm_holds_under_either_interface_layer() -> None:
    # MKL's plain cblas names read 64-bit integers under ILP64; the *_64 routines never change
    code = (
        "import numpy as np; from layerwise.engine import blas, mkl; "
        "A = np.arange(6.0).reshape(2, 3); B = np.ones((3, 2)); C = np.zeros((2, 2)); "
        "blas.gemm(1.0, A, B, 0.0, C, mkl.load())(); print(C.ravel().tolist())"
    )
    for layer in ("LP64", "ILP64"):
        env = dict(os.environ, MKL_INTERFACE_LAYER=layer)
        out = subprocess.run(
            [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120
        )
        assert out.returncode == 0 and out.stdout.strip() == "[3.0, 3.0, 12.0, 12.0]", out


def test_mkl_reports_its_code_path() -> None:
    assert mkl.code_path() and isinstance(mkl.tuned(), bool)


def test_every_large_product_goes_through_mkl(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls, real = [], _blas.gemm
    monkeypatch.setattr(_blas, "gemm", lambda *args: calls.append(args) or real(*args))
    monkeypatch.setattr(paths, "BLAS", "mkl")
    monkeypatch.setattr(paths, "KERNELS", "numpy")
    net = Network([300, 64, 32, 1], seed=3, dtype=np.float32)
    X = rng.standard_normal((300, 200)).astype(np.float32)
    net.fit(X, (rng.random((1, 200)) < 0.5) * 1.0, epochs=1, learning_rate=0.05, batch_size=100)
    # per batch: Z1 = W1 X (64·300·100) and the update W1 -= dZ1 Xᵀ; the rest is under 10⁶
    assert len(calls) == 4 and all(args[-1] is MKL for args in calls)
    assert tape.LIBRARY_MIN_WORK == 1_000_000
