"""Tests for ``layerwise.layers``: linear_forward / linear_backward and the Dense block."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise import ACTIVATIONS, Dense, DenseCache
from layerwise.layers import linear_backward, linear_forward

N_PREV, N, M = 4, 3, 6


def test_linear_forward_shape_and_formula(rng: np.random.Generator) -> None:
    A_prev = rng.standard_normal((N_PREV, M))
    W, b = rng.standard_normal((N, N_PREV)), rng.standard_normal((N, 1))
    Z = linear_forward(A_prev, W, b)
    assert Z.shape == (N, M)
    for i in range(M):  # column i is W a_i + b
        np.testing.assert_allclose(Z[:, i : i + 1], W @ A_prev[:, i : i + 1] + b)


def test_linear_backward_shapes_and_formulas(rng: np.random.Generator) -> None:
    A_prev = rng.standard_normal((N_PREV, M))
    W = rng.standard_normal((N, N_PREV))
    dZ = rng.standard_normal((N, M))
    dA_prev, dW, db = linear_backward(dZ, A_prev, W)
    assert dA_prev.shape == (N_PREV, M)
    assert dW.shape == (N, N_PREV)
    assert db.shape == (N, 1)
    # dW = (1/m) Σ_i dz_i a_iᵀ, db = (1/m) Σ_i dz_i, dA_prev = Wᵀ dZ
    outer = sum(np.outer(dZ[:, i], A_prev[:, i]) for i in range(M)) / M
    np.testing.assert_allclose(dW, outer)
    np.testing.assert_allclose(db, dZ.mean(axis=1).reshape(N, 1))
    np.testing.assert_allclose(dA_prev, W.T @ dZ)


def test_linear_backward_against_central_differences(rng: np.random.Generator) -> None:
    # J(W, b, A_prev) = (1/m) Σ dZ ⊙ (W A_prev + b): its gradients are exactly linear_backward's
    # (dA_prev is not divided by m: the 1/m lives in dW and db only, as in the course).
    A_prev = rng.standard_normal((N_PREV, M))
    W, b = rng.standard_normal((N, N_PREV)), rng.standard_normal((N, 1))
    dZ = rng.standard_normal((N, M))
    dA_prev, dW, db = linear_backward(dZ, A_prev, W)

    def J(W_: np.ndarray, b_: np.ndarray) -> float:
        return float(np.sum(dZ * linear_forward(A_prev, W_, b_)) / M)

    h = 1e-6
    for target, grad, fn in ((W, dW, lambda x: J(x, b)), (b, db, lambda x: J(W, x))):
        numerical = np.empty_like(target)
        for idx in np.ndindex(target.shape):
            up, down = target.copy(), target.copy()
            up[idx] += h
            down[idx] -= h
            numerical[idx] = (fn(up) - fn(down)) / (2 * h)
        np.testing.assert_allclose(grad, numerical, rtol=1e-6, atol=1e-9)
    numerical = np.empty_like(A_prev)
    for idx in np.ndindex(A_prev.shape):
        up, down = A_prev.copy(), A_prev.copy()
        up[idx] += h
        down[idx] -= h
        numerical[idx] = (
            np.sum(dZ * linear_forward(up, W, b)) - np.sum(dZ * linear_forward(down, W, b))
        ) / (2 * h)
    np.testing.assert_allclose(dA_prev, numerical, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_dense_forward_and_cache(name: str, rng: np.random.Generator) -> None:
    act = ACTIVATIONS[name]
    W, b = rng.standard_normal((N, N_PREV)), rng.standard_normal((N, 1))
    layer = Dense(W, b, act)
    assert layer.shape == (N, N_PREV)
    A_prev = rng.standard_normal((N_PREV, M))
    A, cache = layer.forward(A_prev)
    assert isinstance(cache, DenseCache)
    assert A.shape == cache.Z.shape == (N, M)
    np.testing.assert_allclose(cache.Z, W @ A_prev + b)
    np.testing.assert_allclose(A, act.forward(W @ A_prev + b))
    assert cache.A_prev is A_prev
    np.testing.assert_allclose(cache.A, act.forward(cache.Z))  # the cached A is g(cached Z)
    assert cache.A is A  # backward reads the very output it was given


@pytest.mark.parametrize("name", sorted(ACTIVATIONS))
def test_dense_backward_formulas(name: str, rng: np.random.Generator) -> None:
    act = ACTIVATIONS[name]
    W, b = rng.standard_normal((N, N_PREV)), rng.standard_normal((N, 1))
    layer = Dense(W, b, act)
    A_prev = rng.standard_normal((N_PREV, M))
    _, cache = layer.forward(A_prev)
    dA = rng.standard_normal((N, M))
    dA_prev, dW, db = layer.backward(dA, cache)
    dZ = act.backward(dA, cache.Z, cache.A)  # dZ = dA ⊙ g'(Z) (softmax: its Jacobian)
    assert (dA_prev.shape, dW.shape, db.shape) == ((N_PREV, M), (N, N_PREV), (N, 1))
    np.testing.assert_allclose(dW, dZ @ A_prev.T / M)
    np.testing.assert_allclose(db, np.sum(dZ, axis=1, keepdims=True) / M)
    np.testing.assert_allclose(dA_prev, W.T @ dZ)


def test_dense_backward_with_given_dz_skips_the_activation(rng: np.random.Generator) -> None:
    layer = Dense(rng.standard_normal((N, N_PREV)), np.zeros((N, 1)), ACTIVATIONS["sigmoid"])
    A_prev = rng.standard_normal((N_PREV, M))
    _, cache = layer.forward(A_prev)
    dZ = rng.standard_normal((N, M))
    for got, want in zip(
        layer.backward(None, cache, dZ), linear_backward(dZ, A_prev, layer.W), strict=True
    ):
        np.testing.assert_array_equal(got, want)


def test_dense_keeps_float32(rng: np.random.Generator) -> None:
    f32 = np.float32
    layer = Dense(
        rng.standard_normal((N, N_PREV)).astype(f32), np.zeros((N, 1), f32), ACTIVATIONS["tanh"]
    )
    A, cache = layer.forward(rng.standard_normal((N_PREV, M)).astype(f32))
    assert A.dtype == f32
    grads = layer.backward(np.ones_like(A), cache)
    assert all(g.dtype == f32 for g in grads)


def test_dense_checks_the_bias_shape() -> None:
    with pytest.raises(
        ValueError, match=r"b must have shape \(3, 1\) to match W \(3, 4\), got \(3,\)"
    ):
        Dense(np.zeros((3, 4)), np.zeros(3), ACTIVATIONS["relu"])
