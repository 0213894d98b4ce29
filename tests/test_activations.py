"""Tests for ``layerwise.activations``: every entry of the ACTIVATIONS table."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise import ACTIVATIONS, Activation, get_activation

NAMES = sorted(ACTIVATIONS)
ELEMENTWISE = [name for name in NAMES if ACTIVATIONS[name].derivative is not None]
H = 1e-6  # step of the central differences


def smooth_points(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    """Z values away from the ReLU kink at 0 (|z| >= 0.05), in float64."""
    Z = rng.uniform(-3, 3, size=shape)
    return np.where(np.abs(Z) < 0.05, 0.5, Z)


def numerical_vjp(g, Z: np.ndarray, dA: np.ndarray) -> np.ndarray:
    """d/dZ of Σ dA ⊙ g(Z), entry by entry with central differences: the exact dZ of backward."""
    dZ = np.empty_like(Z)
    for idx in np.ndindex(Z.shape):
        Zp, Zm = Z.copy(), Z.copy()
        Zp[idx] += H
        Zm[idx] -= H
        dZ[idx] = (np.sum(dA * g(Zp)) - np.sum(dA * g(Zm))) / (2 * H)
    return dZ


def test_table_holds_the_expected_functions() -> None:
    assert set(NAMES) == {"sigmoid", "tanh", "relu", "leaky_relu", "linear", "softmax"}
    for name, act in ACTIVATIONS.items():
        assert isinstance(act, Activation)
        assert act.name == name
    assert ACTIVATIONS["softmax"].derivative is None


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_derivative_matches_central_differences(name: str, rng: np.random.Generator) -> None:
    act = ACTIVATIONS[name]
    Z = smooth_points(rng, (4, 7))
    A = act.forward(Z)
    numerical = (act.forward(Z + H) - act.forward(Z - H)) / (2 * H)  # elementwise g'
    np.testing.assert_allclose(act.derivative(Z, A), numerical, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", NAMES)
def test_backward_matches_numerical_vector_jacobian_product(
    name: str, rng: np.random.Generator
) -> None:
    act = ACTIVATIONS[name]
    Z = smooth_points(rng, (4, 5))
    dA = rng.standard_normal(Z.shape)
    dZ = act.backward(dA, Z, act.forward(Z))
    assert dZ.shape == Z.shape
    np.testing.assert_allclose(dZ, numerical_vjp(act.forward, Z, dA), rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_backward_is_da_times_derivative(name: str, rng: np.random.Generator) -> None:
    act = ACTIVATIONS[name]
    Z = smooth_points(rng, (3, 4))
    A = act.forward(Z)
    dA = rng.standard_normal(Z.shape)
    np.testing.assert_array_equal(act.backward(dA, Z, A), dA * act.derivative(Z, A))


def test_leaky_relu_default_slope_is_one_hundredth() -> None:
    Z = np.array([[-2.0, 3.0]])
    for act in (ACTIVATIONS["leaky_relu"], get_activation("leaky_relu")):
        assert act.params == {"slope": 0.01}
        np.testing.assert_allclose(act.forward(Z), [[-0.02, 3.0]])
        np.testing.assert_allclose(act.derivative(Z, act.forward(Z)), [[0.01, 1.0]])


def test_leaky_relu_slope_is_configurable(rng: np.random.Generator) -> None:
    act = get_activation("leaky_relu", slope=0.2)
    Z = smooth_points(rng, (3, 6))
    A = act.forward(Z)
    np.testing.assert_allclose(A, np.where(Z > 0, Z, 0.2 * Z))
    np.testing.assert_allclose(act.derivative(Z, A), np.where(Z > 0, 1.0, 0.2))
    numerical = (act.forward(Z + H) - act.forward(Z - H)) / (2 * H)
    np.testing.assert_allclose(act.derivative(Z, A), numerical, rtol=1e-6)
    dA = rng.standard_normal(Z.shape)
    np.testing.assert_allclose(
        act.backward(dA, Z, A), numerical_vjp(act.forward, Z, dA), rtol=1e-6, atol=1e-9
    )
    assert act.spec() == {"name": "leaky_relu", "slope": 0.2}
    # The saved spec rebuilds the same function.
    again = get_activation(act.spec())
    np.testing.assert_array_equal(again.forward(Z), A)


def test_get_activation_passes_records_through_and_reads_specs() -> None:
    act = ACTIVATIONS["tanh"]
    assert get_activation(act) is act
    assert get_activation("tanh") is act
    assert get_activation({"name": "relu"}) is ACTIVATIONS["relu"]


def test_unknown_activation_lists_the_valid_names() -> None:
    with pytest.raises(ValueError, match=r"Unknown activation 'swish'\. Valid names: .*relu.*"):
        get_activation("swish")
    with pytest.raises(ValueError, match="Valid names: " + ", ".join(NAMES)):
        get_activation("swish")


def test_activation_parameters_are_checked() -> None:
    with pytest.raises(
        ValueError, match=r"'relu' takes no parameter \['slope'\]; it takes none\.$"
    ):
        get_activation("relu", slope=0.1)
    with pytest.raises(ValueError, match=r"slope must be finite and >= 0, got -1"):
        get_activation("leaky_relu", slope=-1)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_forward_is_stable_at_extreme_inputs(name: str, dtype: type) -> None:
    act = ACTIVATIONS[name]
    Z = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 0.0]], dtype=dtype)
    A = act.forward(Z)  # warnings are errors: an overflow here fails the test
    assert A.dtype == dtype
    assert A.shape == Z.shape
    assert np.isfinite(A).all()
    dZ = act.backward(np.ones_like(Z), Z, A)
    assert dZ.dtype == dtype
    assert np.isfinite(dZ).all()
    if act.derivative is not None:
        assert act.derivative(Z, A).dtype == dtype


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_extreme_values_of_bounded_functions(dtype: type) -> None:
    Z = np.array([[1000.0, -1000.0]], dtype=dtype)
    np.testing.assert_array_equal(ACTIVATIONS["sigmoid"].forward(Z), [[1.0, 0.0]])
    np.testing.assert_array_equal(ACTIVATIONS["tanh"].forward(Z), [[1.0, -1.0]])
    probs = ACTIVATIONS["softmax"].forward(Z.T)  # one column: [1000, -1000]
    np.testing.assert_array_equal(probs, [[1.0], [0.0]])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", NAMES)
def test_dtype_is_preserved(name: str, dtype: type, rng: np.random.Generator) -> None:
    act = ACTIVATIONS[name]
    Z = smooth_points(rng, (3, 4)).astype(dtype)
    A = act.forward(Z)
    assert A.dtype == dtype
    assert act.backward(np.ones_like(Z), Z, A).dtype == dtype


def test_softmax_columns_are_probabilities(rng: np.random.Generator) -> None:
    softmax = ACTIVATIONS["softmax"].forward
    Z = rng.standard_normal((5, 8)) * 10
    A = softmax(Z)
    assert (A > 0).all()
    np.testing.assert_allclose(A.sum(axis=0), np.ones(8))
    # Shifting a column by a constant changes nothing; it is exp(z) / Σ exp(z).
    np.testing.assert_allclose(softmax(Z + rng.standard_normal((1, 8)) * 100), A, atol=1e-12)
    Z_small = rng.standard_normal((3, 4))
    np.testing.assert_allclose(
        softmax(Z_small), np.exp(Z_small) / np.exp(Z_small).sum(axis=0, keepdims=True)
    )
    big = softmax(np.array([[1000.0, -1000.0], [1000.0, -999.0], [-1000.0, -1000.0]]))
    np.testing.assert_allclose(big.sum(axis=0), [1.0, 1.0])


def test_formulas_of_the_notes(rng: np.random.Generator) -> None:
    Z = smooth_points(rng, (3, 5))
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].forward(Z), 1 / (1 + np.exp(-Z)))
    np.testing.assert_allclose(ACTIVATIONS["tanh"].forward(Z), np.tanh(Z))
    np.testing.assert_array_equal(ACTIVATIONS["relu"].forward(Z), np.maximum(Z, 0))
    np.testing.assert_array_equal(ACTIVATIONS["linear"].forward(Z), Z)
    A = ACTIVATIONS["sigmoid"].forward(Z)
    np.testing.assert_allclose(ACTIVATIONS["sigmoid"].derivative(Z, A), A * (1 - A))
    np.testing.assert_array_equal(ACTIVATIONS["relu"].derivative(Z, Z), (Z > 0) * 1.0)


def test_builtin_is_decided_by_the_code_of_every_field() -> None:
    from dataclasses import replace
    from functools import partial

    from layerwise.activations import leaky_relu, leaky_relu_derivative, tanh

    own = get_activation("leaky_relu", slope=0.2)  # partials of the table's functions
    assert own.builtin and replace(own, params={"slope": 0.2}).builtin
    others = [
        partial(leaky_relu, slope=0.3),  # another setting
        partial(leaky_relu_derivative, slope=0.2),  # another function, the same setting
        partial(leaky_relu, 0.2),  # the same setting, passed another way
        leaky_relu,  # the function itself, not a partial
        tanh,
    ]
    for forward in others:
        assert not replace(own, forward=forward).builtin, forward
    assert not replace(own, params={"slope": 0.3}).builtin


def test_relu_family_derivatives_at_zero_take_the_left_branch() -> None:
    # the documented subgradient at Z = 0: 0 for ReLU, the slope for leaky ReLU
    Z = np.array([[-1.0, 0.0, 2.0]])
    for name, left in (("relu", 0.0), ("leaky_relu", 0.01)):
        act = ACTIVATIONS[name]
        np.testing.assert_array_equal(act.derivative(Z, act.forward(Z)), [[left, left, 1.0]])


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "act",
    [a for a in ACTIVATIONS.values() if a.inplace is not None]
    + [get_activation("leaky_relu", slope=0.2), get_activation("leaky_relu", slope=3.0)],
    ids=lambda a: f"{a.name}{a.params or ''}",
)
def test_inplace_ops_compute_the_forward_and_the_backward(act, dtype, rng) -> None:
    # the engine's in-place form of each record, op by op, against its plain functions
    Z = np.concatenate([rng.standard_normal((3, 6)) * 4, [[0.0, -0.0, 1e-3, -1e-3, 40, -40]]])
    Z = Z.astype(dtype)
    dA_in = rng.standard_normal(Z.shape).astype(dtype)
    A, dA = Z.copy(), dA_in.copy()
    scratch, mask = np.empty_like(Z), np.empty_like(Z)
    forward, backward = act.inplace(A, dA, scratch, mask)
    for op in forward:
        op()
    tol = {"rtol": 1e-5, "atol": 1e-6} if dtype == np.float32 else {"rtol": 1e-12, "atol": 1e-15}
    np.testing.assert_allclose(A, act.forward(Z), **tol)
    for op in backward:
        op()
    np.testing.assert_allclose(dA, dA_in * act.derivative(Z, act.forward(Z)), **tol)
    assert A.dtype == dA.dtype == dtype


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "act",
    [*ACTIVATIONS.values(), get_activation("leaky_relu", slope=0.2)],
    ids=lambda a: f"{a.name}{a.params or ''}",
)
def test_array_api_arrays_get_numpys_values_and_dtype(act, dtype, rng) -> None:
    # every formula on another array library (array-api-strict): NumPy's values, in Z's dtype
    xp = pytest.importorskip("array_api_strict")  # (±1000: no overflow, warnings are errors)
    Z = np.concatenate([rng.standard_normal((3, 6)) * 4, [[0.0, -0.0, 1e-3, -1e-3, 1e3, -1e3]]])
    Z, dA = Z.astype(dtype), rng.standard_normal(Z.shape).astype(dtype)
    A = act.forward(Z)
    expected = [A, act.backward(dA, Z, A)]
    if act.derivative is not None:
        expected.append(act.derivative(Z, A))
    Z_x, dA_x = xp.asarray(Z), xp.asarray(dA)
    A_x = act(Z_x)
    got = [A_x, act.backward(dA_x, Z_x, A_x)]
    if act.derivative is not None:
        got.append(act.derivative(Z_x, A_x))
    tol = {"rtol": 1e-6, "atol": 1e-7} if dtype == np.float32 else {"rtol": 1e-14, "atol": 0}
    for g, e in zip(got, expected, strict=True):
        assert type(g) is type(Z_x) and g.dtype == Z_x.dtype
        np.testing.assert_allclose(np.asarray(g), e, **tol)


def test_a_leaky_slope_between_one_and_two_trains_in_place_as_its_formula() -> None:
    # above 1, max(z, slope·z) is slope·z for z > 0: the in-place forward takes the min there
    act = get_activation("leaky_relu", slope=1.5)
    Z = np.array([[-2.0, 0.0, 3.0]])
    A, dA, scratch, mask = Z.copy(), np.ones_like(Z), np.empty_like(Z), np.empty_like(Z)
    for op in act.inplace(A, dA, scratch, mask)[0]:
        op()
    np.testing.assert_array_equal(A, [[-3.0, 0.0, 3.0]])


def test_a_records_methods_pass_their_arguments_on() -> None:
    # __call__ is forward; backward hands Z to a jacobian_backward that reads it
    Z, dA = np.array([[1.0, -2.0]]), np.array([[3.0, 5.0]])
    act = Activation("scaled", lambda Z: 2 * Z, None, jacobian_backward=lambda dA, Z, A: dA * Z)
    np.testing.assert_array_equal(act(Z), [[2.0, -4.0]])
    np.testing.assert_array_equal(act.backward(dA, Z, act(Z)), [[3.0, -10.0]])


def test_inplace_of_a_plain_record_is_its_field() -> None:
    from layerwise.activations import inplace_of

    for act in ACTIVATIONS.values():
        assert inplace_of(act) is act.inplace


class _EqualToAll:
    """A callable that claims to equal anything: its code is still not the table's."""

    def __call__(self, Z, A):
        return Z

    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


def test_builtin_compares_code_by_identity_and_settings_by_value() -> None:
    from dataclasses import replace

    own = get_activation("leaky_relu", slope=0.2)
    assert not replace(own, derivative=_EqualToAll()).builtin  # a callable: its identity
    assert not replace(own, forward="leaky_relu").builtin  # not code: compared by value
