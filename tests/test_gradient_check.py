"""Gradient checks of whole networks (property tests) and of the checker itself."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from layerwise import Activation, Network, gradient_check
from layerwise.gradient_check import GradientCheck, gradients_to_vector, relative_difference
from tables import HIDDEN, PAIRS, make_targets

KINK = 1e-4  # distance from the ReLU / L1 kinks that ε = 1e-7 steps can never cross


@st.composite
def networks(draw):
    """A random float64 network, a batch and targets, away from every kink."""
    L = draw(st.integers(1, 4), label="L")
    output, loss, min_n_y = draw(st.sampled_from(PAIRS), label="pair")
    n_y = 1 if loss == "binary_crossentropy" else draw(st.integers(min_n_y, 8), label="n_y")
    widths = draw(st.lists(st.integers(1, 8), min_size=L, max_size=L), label="widths")
    hidden = draw(st.lists(st.sampled_from(HIDDEN), min_size=L - 1, max_size=L - 1), label="g")
    m = draw(st.integers(1, 16), label="m")
    l2 = draw(st.sampled_from([0.0, 0.0, 0.3]), label="l2")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    layer_dims = [*widths, n_y]  # widths[0] is n_x
    net = Network(
        layer_dims, hidden=hidden, output=output, loss=loss, init="xavier", seed=seed, l2=l2
    )
    rng = np.random.default_rng(seed)
    X = rng.uniform(-2, 2, (layer_dims[0], m))
    Y = make_targets(loss, n_y, m, rng)
    AL, caches = net.forward(X)
    for g, cache in zip(hidden, caches, strict=False):
        if g in ("relu", "leaky_relu"):
            assume(np.all(np.abs(cache.Z) > KINK))
    if loss == "absolute_error":
        assume(np.all(np.abs(AL - Y) > KINK))
    return net, X, Y


@pytest.mark.slow
@settings(max_examples=120, deadline=None)
@given(networks())
def test_backprop_matches_numerical_gradients(case) -> None:
    net, X, Y = case
    # ε = 1e-6 rather than the course's 1e-7: with ε = 1e-7 the rounding of J alone reaches
    # ~8e-8 for large multi-label costs (seen in 3000 random cases), too close to 1e-7 to be a
    # stable test; with 1e-6 the worst seen was 1e-8 (truncation error is O(ε²)).
    check = gradient_check(net, X, Y, epsilon=1e-6)
    # where every gradient is 0 (dead units, an output already at the targets' mean) the ratio
    # compares rounding with rounding: there the entries must agree to within rounding instead
    absolute = np.abs(check.grad - check.gradapprox).max()
    assert check.difference < 1e-7 or (np.abs(check.grad).max() == 0 and absolute < 1e-9), (
        check.report()
    )


@pytest.mark.parametrize("slope", [0.01, 0.2, 1.5])
def test_leaky_slopes_gradient_check(slope: float, rng: np.random.Generator) -> None:
    from layerwise import get_activation

    act = get_activation("leaky_relu", slope=slope)
    net = Network([3, 6, 5, 2], hidden=act, output="softmax", seed=4)
    X = rng.standard_normal((3, 9))
    Y = np.eye(2)[:, rng.integers(0, 2, 9)]
    assert gradient_check(net, X, Y).difference < 1e-7


def test_report_fields(rng: np.random.Generator) -> None:
    net = Network([3, 4, 3, 2], hidden="tanh", output="softmax", seed=1)
    X = rng.standard_normal((3, 5))
    Y = np.eye(2)[:, rng.integers(0, 2, 5)]
    check = gradient_check(net, X, Y, n_worst=4)
    assert isinstance(check, GradientCheck)
    assert list(check.per_parameter) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    assert all(d < 1e-7 for d in check.per_parameter.values())
    assert check.passed()
    assert not check.passed(threshold=0.0)
    assert check.grad.shape == check.gradapprox.shape == net.theta.shape
    assert check.difference == pytest.approx(relative_difference(check.grad, check.gradapprox))
    assert len(check.worst) == 4
    name, index, _, _ = check.worst[0]
    assert name in check.per_parameter
    assert len(index) == 2
    text = check.report()
    assert text.startswith("relative difference: ")
    assert "W3" in text and "worst entries" in text


def test_a_broken_gradient_is_detected(monkeypatch: pytest.MonkeyPatch, rng) -> None:
    net = Network([3, 4, 2], hidden="tanh", output="sigmoid", seed=2)
    X = rng.standard_normal((3, 6))
    Y = (rng.random((2, 6)) > 0.5).astype(float)
    assert gradient_check(net, X, Y).difference < 1e-7
    correct = Network.backward

    def broken(self, AL, Y, caches):
        grads = correct(self, AL, Y, caches)
        grads["dW2"] = grads["dW2"] * 2  # the bug: a factor of 2 on one parameter
        return grads

    monkeypatch.setattr(Network, "backward", broken)
    check = gradient_check(net, X, Y)
    assert check.difference > 1e-3
    assert not check.passed()
    assert check.per_parameter["W2"] > 0.1
    assert all(check.per_parameter[k] < 1e-7 for k in ("W1", "b1", "b2"))
    assert check.worst[0][0] == "W2"
    assert check.worst[0][2] == pytest.approx(2 * check.worst[0][3], rel=1e-5)


def test_a_wrong_activation_derivative_is_detected(rng: np.random.Generator) -> None:
    wrong_tanh = Activation("tanh", np.tanh, lambda Z, A: 1 - A)  # should be 1 - A²
    net = Network([3, 5, 1], hidden=wrong_tanh, seed=3)
    X = rng.standard_normal((3, 8))
    Y = (rng.random((1, 8)) > 0.5).astype(float)
    check = gradient_check(net, X, Y)
    assert check.difference > 1e-3
    assert check.per_parameter["W1"] > 1e-3  # the hidden layer's gradients are off
    assert check.per_parameter["W2"] < 1e-7  # the output layer's are not
    assert check.worst[0][0] in ("W1", "b1")


def test_entry_names_and_indices(rng: np.random.Generator) -> None:
    net = Network([2, 3, 1], hidden="tanh", seed=0)
    X = rng.standard_normal((2, 4))
    Y = (rng.random((1, 4)) > 0.5).astype(float)
    AL, caches = net.forward(X)
    grads = net.backward(AL, Y, caches)
    check = gradient_check(net, X, Y, n_worst=net.n_parameters())
    for name, (row, col), backprop, _ in check.worst:
        assert backprop == pytest.approx(grads["d" + name][row, col], rel=1e-12)


def test_gradients_to_vector_follows_theta() -> None:
    net = Network([3, 4, 2], seed=0)
    as_grads = {"d" + k: v for k, v in net.parameters.items()}
    np.testing.assert_array_equal(gradients_to_vector(net, as_grads), net.theta)


def test_relative_difference() -> None:
    assert relative_difference(np.zeros(3), np.zeros(3)) == 0.0
    a, b = np.array([3.0, 4.0]), np.array([3.0, 4.0 + 1e-6])
    assert relative_difference(a, b) == pytest.approx(1e-6 / (5 + np.linalg.norm(b)))
    assert relative_difference(a, -a) == pytest.approx(1.0)


# ----- large networks: sampled entries, progress; float32 refused ---------------------------------
def test_sampled_check_covers_each_layer_and_is_seeded(rng: np.random.Generator) -> None:
    net = Network([6, 5, 4, 1], hidden="tanh", seed=0)
    X, Y = rng.standard_normal((6, 4)), (rng.random((1, 4)) > 0.5) * 1.0
    check = gradient_check(net, X, Y, per_layer=3, seed=1)
    assert len(check.checked) == 3 + 3 + 3 and check.difference < 1e-7
    assert {name for name, _ in check.per_parameter.items()} == set(net.parameters)
    blocks = np.cumsum([5 * 7, 4 * 6, 1 * 5])
    assert [np.sum(check.checked < b) for b in blocks] == [3, 6, 9]  # 3 in every layer
    again = gradient_check(net, X, Y, per_layer=3, seed=1)
    np.testing.assert_array_equal(check.checked, again.checked)
    assert not np.array_equal(check.checked, gradient_check(net, X, Y, per_layer=3, seed=2).checked)
    assert np.isnan(check.gradapprox).sum() == net.n_parameters() - 9
    whole = gradient_check(net, X, Y)
    np.testing.assert_allclose(check.gradapprox[check.checked], whole.gradapprox[check.checked])


def test_a_sampled_check_still_finds_a_broken_layer(monkeypatch, rng) -> None:
    net = Network([4, 6, 2], hidden="tanh", output="sigmoid", seed=2)
    X, Y = rng.standard_normal((4, 5)), (rng.random((2, 5)) > 0.5).astype(float)
    correct = Network.backward

    def broken(self, AL, Y, caches):
        grads = correct(self, AL, Y, caches)
        grads["dW1"] = grads["dW1"] * 1.5
        return grads

    monkeypatch.setattr(Network, "backward", broken)
    check = gradient_check(net, X, Y, per_layer=4)
    assert check.difference > 1e-3 and check.per_parameter["W1"] > 0.1


def test_a_long_check_reports_progress(capsys, rng: np.random.Generator) -> None:
    net = Network([3, 4, 1], hidden="tanh", seed=0)
    X, Y = rng.standard_normal((3, 2)), np.array([[1.0, 0.0]])
    gradient_check(net, X, Y, progress=True)
    lines = capsys.readouterr().err.splitlines()
    assert lines[-1].startswith("gradient check: 21 of 21 entries") and len(lines) == 11
    gradient_check(net, X, Y)  # 21 entries: quiet by default
    assert capsys.readouterr().err == ""


def test_a_float32_network_is_refused_with_a_hint(rng: np.random.Generator) -> None:
    net = Network([3, 4, 1], hidden="tanh", seed=0, dtype=np.float32)
    X, Y = rng.standard_normal((3, 5)), (rng.random((1, 5)) > 0.5) * 1.0
    with pytest.raises(ValueError, match=r"needs a float64 network, got float32.*Hint: check a"):
        gradient_check(net, X, Y)
    copy = Network.from_config(net.config() | {"dtype": "float64"}, net.theta)
    assert gradient_check(copy, X, Y).difference < 1e-7


def test_per_layer_is_checked(rng: np.random.Generator) -> None:
    net = Network([3, 1], seed=0)
    with pytest.raises(ValueError, match="per_layer must be >= 1, got 0"):
        gradient_check(net, np.ones((3, 1)), np.ones((1, 1)), per_layer=0)
