"""Tests for ``layerwise.initializers``: every entry of the INITIALIZERS table."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise import INITIALIZERS, Network, initialize_parameters, make_rng

NAMES = sorted(INITIALIZERS)
DIMS = [5, 4, 3, 2]


def expected_scale(name: str, n_prev: int) -> float:
    """The scale of W[l] each initializer promises, written out independently."""
    return {
        "zeros": 0.0,
        "small_random": 0.01,
        "xavier": np.sqrt(1.0 / n_prev),
        "he": np.sqrt(2.0 / n_prev),
    }[name]


def test_table_holds_the_expected_initializers() -> None:
    assert set(NAMES) == {"zeros", "small_random", "xavier", "he"}
    for name in NAMES:
        for n_prev in (1, 7, 100):
            assert INITIALIZERS[name](n_prev) == pytest.approx(expected_scale(name, n_prev))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_shapes_dtypes_and_zero_biases(name: str, dtype: type) -> None:
    params = initialize_parameters(DIMS, name, seed=0, dtype=dtype)
    assert list(params) == ["W1", "b1", "W2", "b2", "W3", "b3"]
    for l in range(1, len(DIMS)):
        assert params[f"W{l}"].shape == (DIMS[l], DIMS[l - 1])
        assert params[f"b{l}"].shape == (DIMS[l], 1)
        assert params[f"W{l}"].dtype == dtype
        assert params[f"b{l}"].dtype == dtype
        np.testing.assert_array_equal(params[f"b{l}"], 0)
        if name == "zeros":
            np.testing.assert_array_equal(params[f"W{l}"], 0)
        else:
            assert np.all(params[f"W{l}"] != 0)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "zeros"])
def test_empirical_scale_of_a_big_layer(name: str) -> None:
    n_prev, n = 1000, 400  # 400 000 draws: the sample std is within ~0.2% of the scale
    W = initialize_parameters([n_prev, n], name, seed=3)["W1"]
    scale = expected_scale(name, n_prev)
    assert W.std() == pytest.approx(scale, rel=0.01)
    assert abs(W.mean()) < 0.01 * scale


@pytest.mark.parametrize("legacy", [False, True])
@pytest.mark.parametrize("name", NAMES)
def test_a_seed_reproduces_exactly(name: str, legacy: bool) -> None:
    first = initialize_parameters(DIMS, name, seed=42, legacy=legacy)
    second = initialize_parameters(DIMS, name, seed=42, legacy=legacy)
    for key in first:
        np.testing.assert_array_equal(first[key], second[key])
    if name != "zeros":
        other = initialize_parameters(DIMS, name, seed=43, legacy=legacy)
        assert not np.array_equal(first["W1"], other["W1"])


@pytest.mark.parametrize("name", NAMES)
def test_course_draw_order_with_legacy_random_state(name: str) -> None:
    dims = [4, 3, 2, 1]
    params = initialize_parameters(dims, name, seed=1, legacy=True)
    rs = np.random.RandomState(1)  # the course's np.random.seed(1), then randn in layer order
    for l in range(1, len(dims)):
        scale = expected_scale(name, dims[l - 1])
        # zeros draws nothing; the others take the NEXT (n[l], n[l-1]) draw; biases draw nothing
        W = (
            np.zeros((dims[l], dims[l - 1]))
            if name == "zeros"
            else (rs.standard_normal((dims[l], dims[l - 1])) * scale)
        )
        np.testing.assert_array_equal(params[f"W{l}"], W)
        np.testing.assert_array_equal(params[f"b{l}"], np.zeros((dims[l], 1)))


def test_course_randn_equals_standard_normal_draws() -> None:
    # The course writes np.random.randn(n1, n0) * 0.01; RandomState.randn is the same stream.
    params = initialize_parameters([3, 2, 1], "small_random", seed=2, legacy=True)
    rs = np.random.RandomState(2)
    np.testing.assert_array_equal(params["W1"], rs.randn(2, 3) * 0.01)
    np.testing.assert_array_equal(params["W2"], rs.randn(1, 2) * 0.01)


def test_default_generator_draws_in_layer_order() -> None:
    params = initialize_parameters([3, 4, 2], "he", seed=5)
    g = np.random.default_rng(5)
    np.testing.assert_array_equal(params["W1"], g.standard_normal((4, 3)) * np.sqrt(2 / 3))
    np.testing.assert_array_equal(params["W2"], g.standard_normal((2, 4)) * np.sqrt(2 / 4))


def test_network_uses_the_legacy_draws() -> None:
    net = Network([3, 4, 1], hidden="tanh", init="xavier", seed=1, legacy_rng=True)
    rs = np.random.RandomState(1)
    np.testing.assert_array_equal(net.parameters["W1"], rs.standard_normal((4, 3)) * np.sqrt(1 / 3))
    np.testing.assert_array_equal(net.parameters["W2"], rs.standard_normal((1, 4)) * np.sqrt(1 / 4))


def test_make_rng() -> None:
    assert isinstance(make_rng(0), np.random.Generator)
    assert isinstance(make_rng(0, legacy=True), np.random.RandomState)
    g = np.random.default_rng(1)
    assert make_rng(g) is g
    rs = np.random.RandomState(1)
    assert make_rng(rs, legacy=False) is rs
    np.testing.assert_array_equal(make_rng(7).random(3), np.random.default_rng(7).random(3))
    with pytest.raises(TypeError, match="seed must be an int, None or a NumPy generator"):
        make_rng(1.5)
    with pytest.raises(TypeError, match="seed must be an int"):
        make_rng(True)


def test_a_generator_seed_is_consumed_in_order() -> None:
    g = np.random.default_rng(9)
    first = initialize_parameters([2, 3], "xavier", seed=g)["W1"]
    second = initialize_parameters([2, 3], "xavier", seed=g)["W1"]
    assert not np.array_equal(first, second)  # the same generator moved on


def test_unknown_init_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match=r"Unknown init 'glorot'\. Valid names: he, small_random"):
        initialize_parameters([2, 1], "glorot")


def test_initialize_parameters_draws_he_by_default() -> None:
    default = initialize_parameters([3, 4, 1], seed=0)
    he = initialize_parameters([3, 4, 1], "he", seed=0)
    assert default.keys() == he.keys()
    for key in he:
        np.testing.assert_array_equal(default[key], he[key])
    assert not np.array_equal(
        default["W1"], initialize_parameters([3, 4, 1], "xavier", seed=0)["W1"]
    )


def test_zeros_draws_nothing_from_a_generator_it_is_given() -> None:
    rng = np.random.default_rng(0)
    params = initialize_parameters([3, 4, 1], "zeros", seed=rng)
    assert not any(p.any() for p in params.values())
    assert rng.random() == np.random.default_rng(0).random()  # its stream is untouched
