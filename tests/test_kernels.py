"""Tests for ``layerwise.engine.kernels``: each fused kernel against the NumPy formulas it
replaces, the choice by a record's code, and bit-for-bit repeatability. Skipped without numba
(the optional ``fast`` extra): the engine then runs NumPy's tape, tested everywhere else."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("numba", reason="numba is the optional `fast` extra; NumPy's path is tested")

from layerwise import Activation, Network
from layerwise.activations import ACTIVATIONS, relu, relu_derivative
from layerwise.engine import kernels
from layerwise.outputs import TASKS

DTYPES = [np.float64, np.float32]


def tolerance(dtype: type) -> dict[str, float]:
    return {"rtol": 1e-6, "atol": 1e-5} if dtype == np.float32 else {"rtol": 1e-13, "atol": 1e-15}


@pytest.mark.parametrize("dtype", DTYPES)
def test_relu_kernels_compute_the_formulas(dtype: type, rng: np.random.Generator) -> None:
    Z = rng.standard_normal((5, 9)).astype(dtype)
    Z[0, :3] = [np.nan, -np.inf, 0.0]
    b = rng.standard_normal((5, 1)).astype(dtype)
    A = Z.copy()
    kernels.relu(A)
    np.testing.assert_array_equal(A, relu(Z))  # nan stays nan, as np.maximum keeps it
    A = Z.copy()
    kernels.bias_relu(A, b)
    np.testing.assert_array_equal(A, relu(Z + b))
    dA = rng.standard_normal((5, 9)).astype(dtype)
    dA[1, 0] = np.nan  # where g' = 0 the product keeps it: nan · 0
    expected = dA * relu_derivative(A, A)
    kernels.relu_backward(dA, A)
    np.testing.assert_array_equal(dA, expected)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("B", [1, 7, 8, 19])  # under, at and past the 8 running sums
@pytest.mark.parametrize("subtract", [False, True])
def test_bias_gradient_is_the_row_sum(
    dtype: type, B: int, subtract: bool, rng: np.random.Generator
) -> None:
    dZ = rng.standard_normal((4, B)).astype(dtype)
    block = rng.standard_normal((4, 3)).astype(dtype)  # out is a column of a block, as b1 is
    start = block[:, 2:].copy()
    kernels.bias_gradient(dZ, block[:, 2:], subtract)
    row_sums = dZ.astype(np.float64).sum(axis=1, keepdims=True)
    expected = start - row_sums if subtract else row_sums
    np.testing.assert_allclose(block[:, 2:], expected, **tolerance(dtype))
    A = rng.standard_normal((4, B)).astype(dtype)
    masked = dZ * (A > 0)
    start = block[:, 2:].copy()
    kernels.relu_backward_bias(dZ, A, block[:, 2:], subtract)
    np.testing.assert_array_equal(dZ, masked)
    sums = masked.astype(np.float64).sum(axis=1, keepdims=True)
    expected = start - sums if subtract else sums
    np.testing.assert_allclose(block[:, 2:], expected, **tolerance(dtype))


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_the_first_layers_fused_bias_kernels_train_as_the_numpy_tape(
    optimizer: str, rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 64 × 200 inputs: the first layer's bias is separate from its GEMM, so bias + ReLU and
    # ReLU backward + db1 run fused; with plain gradient descent b1 -= db1 inside the kernel
    from layerwise.engine import paths, tape

    X = rng.standard_normal((200, 256))
    Y = np.eye(3)[:, rng.integers(0, 3, 256)]
    used, thetas = [], {}
    real = kernels.relu_backward_bias
    monkeypatch.setattr(tape, "LIBRARY_MIN_WORK", 0)
    for path in ("numpy", "numba"):
        monkeypatch.setattr(paths, "KERNELS", path)
        monkeypatch.setattr(
            kernels, "relu_backward_bias", lambda *a: used.append(a[-1]) or real(*a)
        )
        net = Network([200, 100, 16, 3], output="softmax", seed=4)
        net.fit(X, Y, epochs=2, batch_size=64, optimizer=optimizer, learning_rate=0.01, seed=1)
        thetas[path] = net.theta
    assert used and set(used) == {optimizer == "gd"}  # subtract: b1 -= db1 in the kernel
    np.testing.assert_allclose(thetas["numba"], thetas["numpy"], rtol=1e-10, atol=1e-12)


def test_kernels_compile_without_a_disk_cache_where_numba_has_none(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import numba

    real, asked = numba.njit, []

    def njit(**options):  # as numba does on a read-only install with no writable home
        asked.append(options["cache"])
        if options["cache"]:
            raise RuntimeError("cannot cache function 'f': no locator available")
        return real(**options)

    monkeypatch.setattr(numba, "njit", njit)
    f = kernels.jit(lambda x: x + 1.0)
    assert f(1.0) == 2.0 and asked == [True, False]


@pytest.mark.parametrize("dtype", DTYPES)
def test_outer_is_the_broadcast_product(dtype: type, rng: np.random.Generator) -> None:
    w = rng.standard_normal((6, 2)).astype(dtype)[:, :1]  # Wᵀ of a one-unit layer: a view
    dZ, out = rng.standard_normal((1, 5)).astype(dtype), np.empty((6, 5), dtype)
    kernels.outer_op(w, dZ, out)()
    np.testing.assert_array_equal(out, w * dZ)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("task", ["multiclass", "binary"])
def test_output_deltas_are_the_rows_formulas(
    dtype: type, task: str, rng: np.random.Generator
) -> None:
    pair, n_y, c = TASKS[task], 4 if task == "multiclass" else 1, 0.1 / 6
    ZL = (30 * rng.standard_normal((n_y, 2 * 6)))[:, ::2].astype(dtype)  # strided, as in the epoch
    T = rng.random((n_y, 6)).astype(dtype)
    expected, dZ, col = np.empty_like(T), np.empty_like(T), np.empty(6, dtype)
    for op in pair.delta(ZL, T, expected, col, c):
        op()
    (op,) = kernels.delta_ops(pair, ZL, T, dZ, c)
    op()
    np.testing.assert_allclose(dZ, expected, **tolerance(dtype))


def test_kernels_follow_the_records_code_not_its_name(rng: np.random.Generator) -> None:
    A, dA = np.zeros((3, 4)), np.zeros((3, 4))
    assert kernels.activation_ops(ACTIVATIONS["relu"], A, dA) is not None
    impostor = Activation("relu", lambda Z: np.abs(Z), lambda Z, A: np.sign(Z))
    assert kernels.activation_ops(impostor, A, dA) is None
    assert kernels.activation_ops(ACTIVATIONS["tanh"], A, dA) is None
    assert kernels.delta_ops(TASKS["regression"], A, A, dA, 0.1) is None  # its own two ops
    # arrays numba should not take as they are: another dtype, an unaligned view
    assert kernels.activation_ops(ACTIVATIONS["relu"], A.astype(np.float32), dA) is None
    packed = np.zeros(12, dtype=[("a", "u1"), ("x", "f8")])["x"].reshape(3, 4)
    assert kernels.activation_ops(ACTIVATIONS["relu"], packed, dA) is None


def test_a_relu_network_trains_on_the_kernels_like_the_reference(
    rng: np.random.Generator, monkeypatch: pytest.MonkeyPatch
) -> None:
    # large enough for a separate first-layer bias (gathered batches of 64 × 200 > 8192)
    from layerwise.engine import paths

    X = rng.standard_normal((200, 300))
    Y = np.eye(3)[:, rng.integers(0, 3, 300)]
    runs = {}
    for path in ("numpy", "numba", "numba"):
        monkeypatch.setattr(paths, "KERNELS", path)
        net = Network([200, 32, 16, 3], hidden="relu", output="softmax", seed=0)
        net.fit(X, Y, epochs=3, learning_rate=0.1, batch_size=64, seed=5)
        runs.setdefault(path, []).append(net.theta)
    np.testing.assert_allclose(runs["numba"][0], runs["numpy"][0], rtol=1e-10, atol=1e-12)
    np.testing.assert_array_equal(runs["numba"][0], runs["numba"][1])  # same seed, same bits
