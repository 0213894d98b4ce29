"""Tests for ``layerwise.diagnostics``: the symmetry problem and vanishing gradients."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise import Network
from layerwise.diagnostics import gradient_norms, identical_units, is_symmetric


@pytest.mark.parametrize("hidden", ["tanh", "sigmoid", "relu"])
def test_zero_init_keeps_hidden_units_identical(hidden: str, flower) -> None:
    X, Y = flower
    net = Network([2, 4, 3, 1], hidden=hidden, init="zeros")
    assert is_symmetric(net)
    net.fit(X, Y, epochs=50, learning_rate=0.5)
    assert is_symmetric(net)
    assert identical_units(net, 1) == [[0, 1, 2, 3]]
    assert identical_units(net, 2) == [[0, 1, 2]]


def test_zero_init_with_mini_batches_and_adam_stays_symmetric(flower) -> None:
    X, Y = flower
    net = Network([2, 5, 1], hidden="sigmoid", init="zeros")
    net.fit(X, Y, epochs=5, batch_size=64, optimizer="adam", learning_rate=0.01, seed=0)
    assert not np.all(net.parameters["W1"] == 0)  # it did learn something ...
    assert is_symmetric(net)  # ... but every hidden unit learned the same thing


@pytest.mark.parametrize("init", ["small_random", "xavier", "he"])
def test_random_init_breaks_symmetry(init: str, flower) -> None:
    X, Y = flower
    net = Network([2, 4, 3, 1], hidden="tanh", init=init, seed=0)
    assert not is_symmetric(net)
    net.fit(X, Y, epochs=50, learning_rate=0.5)
    assert not is_symmetric(net)
    assert identical_units(net, 1) == []
    assert identical_units(net, 2) == []


def test_identical_units_finds_groups() -> None:
    net = Network([2, 5, 1], hidden="tanh", seed=0)
    W1 = net.parameters["W1"]
    W1[2] = W1[0]  # units 0 and 2 identical
    W1[4] = W1[3]  # units 3 and 4 identical
    assert identical_units(net, 1) == [[0, 2], [3, 4]]
    net.parameters["b1"][4] += 1.0  # a different bias: a different function
    assert identical_units(net, 1) == [[0, 2]]
    assert not is_symmetric(net)
    with pytest.raises(ValueError, match=r"layer must be between 1 and 2, got 3\."):
        identical_units(net, 3)
    with pytest.raises(ValueError, match=r"layer must be between 1 and 2, got 0\."):
        identical_units(net, 0)


def test_gradient_norms_one_per_parameter(rng: np.random.Generator) -> None:
    net = Network([3, 4, 2, 1], hidden="relu", seed=0)
    X = rng.standard_normal((3, 8))
    Y = (rng.random((1, 8)) > 0.5).astype(float)
    norms = gradient_norms(net, X, Y)
    assert list(norms) == ["dW1", "db1", "dW2", "db2", "dW3", "db3"]
    AL, caches = net.forward(X)
    grads = net.backward(AL, Y, caches)
    for key, value in norms.items():
        assert isinstance(value, float)
        assert value == pytest.approx(np.sqrt(np.sum(grads[key] ** 2)))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_deep_sigmoid_network_has_vanishing_gradients(seed: int) -> None:
    # σ' ≤ 1/4: each sigmoid layer shrinks the backward signal; over six hidden layers the first
    # layer's gradient comes out about 1000 times smaller than the last layer's.
    rng = np.random.default_rng(seed)
    net = Network([10] + [10] * 6 + [1], hidden="sigmoid", init="xavier", seed=seed)
    X = rng.standard_normal((10, 64))
    Y = (rng.random((1, 64)) > 0.5).astype(float)
    norms = gradient_norms(net, X, Y)
    first, last = norms["dW1"], norms[f"dW{net.L}"]
    assert first > 0
    assert first < 0.01 * last
