"""``layerwise.assignment``: the course's functions against the course's published values.

The inputs are made as the course's test cases make them (``testCases_v3.py`` of "Building your
Deep Neural Network: Step by Step", Course 1, week 4): ``np.random.seed(s)`` then ``randn`` calls
in its order. The expected values are the printed ones (8 decimals), hence ``atol=5e-9``.
Pinned version: testCases_v3 for every case, and v4's ``compute_cost`` case (Y = [[1, 1, 0]],
0.2797765635793422) beside v3's (Y = [[1, 1, 1]], 0.414931599615). The later assignment
(2021+) draws other backward cases (dZ of shape (3, 4)); those are not used here. ``dA`` keys
follow v4: ``grads["dA1"]`` is layer 2's dA_prev (v3 named it "dA2").
"""

from __future__ import annotations

import numpy as np
import pytest

import layerwise as lw
from conftest import make_flower
from layerwise import assignment, layers
from layerwise.assignment import (
    L_model_backward,
    L_model_forward,
    compute_cost,
    initialize_parameters,
    initialize_parameters_deep,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    update_parameters,
)

PRINTED = {"rtol": 0, "atol": 5e-9}  # the course prints 8 decimals


def randn(*shape: int) -> np.ndarray:
    return np.random.randn(*shape)


# ----- the course's test cases, drawn as testCases_v3 draws them -----------------------------
def linear_forward_case():
    np.random.seed(1)
    return randn(3, 2), randn(1, 3), randn(1, 1)  # A, W, b


def linear_activation_forward_case():
    np.random.seed(2)
    return randn(3, 2), randn(1, 3), randn(1, 1)  # A_prev, W, b


def L_model_forward_case_2hidden():
    np.random.seed(6)
    X = randn(5, 4)
    shapes = {"W1": (4, 5), "b1": (4, 1), "W2": (3, 4), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
    return X, {key: randn(*shape) for key, shape in shapes.items()}


def linear_backward_case():
    np.random.seed(1)
    dZ = randn(1, 2)
    A, W, b = randn(3, 2), randn(1, 3), randn(1, 1)
    return dZ, (A, W, b)


def linear_activation_backward_case():
    np.random.seed(2)
    dA = randn(1, 2)
    A, W, b = randn(3, 2), randn(1, 3), randn(1, 1)
    Z = randn(1, 2)
    return dA, ((A, W, b), Z)


def L_model_backward_case():
    np.random.seed(3)
    AL = randn(1, 2)
    Y = np.array([[1, 0]])
    first = ((randn(4, 2), randn(3, 4), randn(3, 1)), randn(3, 2))
    second = ((randn(3, 2), randn(1, 3), randn(1, 1)), randn(1, 2))
    return AL, Y, (first, second)


def update_parameters_case():
    np.random.seed(2)
    parameters = {"W1": randn(3, 4), "b1": randn(3, 1), "W2": randn(1, 3), "b2": randn(1, 1)}
    np.random.seed(3)
    grads = {"dW1": randn(3, 4), "db1": randn(3, 1), "dW2": randn(1, 3), "db2": randn(1, 1)}
    return parameters, grads


# ----- each function against its published values --------------------------------------------
def test_initialize_parameters_two_layers() -> None:
    randn(5)  # the course's function seeds itself: what was drawn before does not matter
    p = initialize_parameters(3, 2, 1)
    W1 = [[0.01624345, -0.00611756, -0.00528172], [-0.01072969, 0.00865408, -0.02301539]]
    np.testing.assert_allclose(p["W1"], W1, **PRINTED)
    np.testing.assert_allclose(p["W2"], [[0.01744812, -0.00761207]], **PRINTED)
    np.testing.assert_array_equal(p["b1"], np.zeros((2, 1)))
    np.testing.assert_array_equal(p["b2"], np.zeros((1, 1)))
    assert list(p) == ["W1", "b1", "W2", "b2"]


def test_initialize_parameters_deep() -> None:
    np.random.seed(0)  # the course's function seeds itself (with 3)
    p = initialize_parameters_deep([5, 4, 3])
    W1_0 = [0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388]
    W2 = [
        [-0.01185047, -0.0020565, 0.01486148, 0.00236716],
        [-0.01023785, -0.00712993, 0.00625245, -0.00160513],
        [-0.00768836, -0.00230031, 0.00745056, 0.01976111],
    ]
    np.testing.assert_allclose(p["W1"][0], W1_0, **PRINTED)
    np.testing.assert_allclose(p["W2"], W2, **PRINTED)
    assert p["W1"].shape == (4, 5) and p["b1"].shape == (4, 1) and p["b2"].shape == (3, 1)
    assert not p["b1"].any() and not p["b2"].any()


def test_the_initializers_advance_the_global_state_as_randn_does() -> None:
    np.random.seed(1)
    initialize_parameters_deep([3, 2, 1])
    after = np.random.randn(2)
    np.random.seed(3)
    randn(2, 3), randn(1, 2)  # the course's draws: seed(3), W1, then W2
    np.testing.assert_array_equal(after, randn(2))


def test_linear_forward() -> None:
    A, W, b = linear_forward_case()
    Z, cache = linear_forward(A, W, b)
    np.testing.assert_allclose(Z, [[3.26295337, -1.23429987]], **PRINTED)
    assert len(cache) == 3 and all(x is y for x, y in zip(cache, (A, W, b), strict=True))


def test_linear_activation_forward() -> None:
    A_prev, W, b = linear_activation_forward_case()
    A, cache = linear_activation_forward(A_prev, W, b, activation="sigmoid")
    np.testing.assert_allclose(A, [[0.96890023, 0.11013289]], **PRINTED)
    linear_cache, Z = cache
    assert all(x is y for x, y in zip(linear_cache, (A_prev, W, b), strict=True))
    np.testing.assert_allclose(Z, W @ A_prev + b, rtol=1e-15)
    A, _ = linear_activation_forward(A_prev, W, b, activation="relu")
    np.testing.assert_allclose(A, [[3.43896131, 0.0]], **PRINTED)


def test_L_model_forward() -> None:
    X, parameters = L_model_forward_case_2hidden()
    AL, caches = L_model_forward(X, parameters)
    np.testing.assert_allclose(AL, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]], **PRINTED)
    assert len(caches) == 3
    assert caches[0][0][0] is X and caches[2][0][1] is parameters["W3"]


@pytest.mark.parametrize(
    ("Y", "cost", "atol"),
    [([[1, 1, 0]], 0.2797765635793422, 1e-15), ([[1, 1, 1]], 0.414931599615, 5e-13)],
    ids=["v4", "v3"],
)
def test_compute_cost(Y, cost, atol) -> None:
    J = compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array(Y))
    assert J.shape == ()  # the course's assert
    np.testing.assert_allclose(J, cost, rtol=0, atol=atol)


def test_linear_backward() -> None:
    dZ, cache = linear_backward_case()
    dA_prev, dW, db = linear_backward(dZ, cache)
    expected = [[0.51822968, -0.19517421], [-0.40506361, 0.15255393], [2.37496825, -0.89445391]]
    np.testing.assert_allclose(dA_prev, expected, **PRINTED)
    np.testing.assert_allclose(dW, [[-0.10076895, 1.40685096, 1.64992505]], **PRINTED)
    np.testing.assert_allclose(db, [[0.50629448]], **PRINTED)


def test_linear_activation_backward() -> None:
    dA, cache = linear_activation_backward_case()
    dA_prev, dW, db = linear_activation_backward(dA, cache, activation="sigmoid")
    expected = [[0.11017994, 0.01105339], [0.09466817, 0.00949723], [-0.05743092, -0.00576154]]
    np.testing.assert_allclose(dA_prev, expected, **PRINTED)
    np.testing.assert_allclose(dW, [[0.10266786, 0.09778551, -0.01968084]], **PRINTED)
    np.testing.assert_allclose(db, [[-0.05729622]], **PRINTED)
    dA_prev, dW, db = linear_activation_backward(dA, cache, activation="relu")
    expected = [[0.44090989, 0.0], [0.37883606, 0.0], [-0.2298228, 0.0]]
    np.testing.assert_allclose(dA_prev, expected, **PRINTED)
    np.testing.assert_allclose(dW, [[0.44513824, 0.37371418, -0.10478989]], **PRINTED)
    np.testing.assert_allclose(db, [[-0.20837892]], **PRINTED)


def test_L_model_backward() -> None:
    AL, Y, caches = L_model_backward_case()
    grads = L_model_backward(AL, Y, caches)
    assert sorted(grads) == ["dA0", "dA1", "dW1", "dW2", "db1", "db2"]
    dW1 = [
        [0.41010002, 0.07807203, 0.13798444, 0.10502167],
        [0.0, 0.0, 0.0, 0.0],
        [0.05283652, 0.01005865, 0.01777766, 0.0135308],
    ]
    np.testing.assert_allclose(grads["dW1"], dW1, **PRINTED)
    np.testing.assert_allclose(grads["db1"], [[-0.22007063], [0.0], [-0.02835349]], **PRINTED)
    dA1 = [[0.12913162, -0.44014127], [-0.14175655, 0.48317296], [0.01663708, -0.05670698]]
    np.testing.assert_allclose(grads["dA1"], dA1, **PRINTED)


def test_update_parameters() -> None:
    parameters, grads = update_parameters_case()
    before = {key: value.copy() for key, value in parameters.items()}
    held = dict(parameters)  # the arrays the caller holds
    result = update_parameters(parameters, grads, 0.1)
    assert result is parameters  # the same dict, each key rebound
    W1 = [
        [-0.59562069, -0.09991781, -2.14584584, 1.82662008],
        [-1.76569676, -0.80627147, 0.51115557, -1.18258802],
        [-1.0535704, -0.86128581, 0.68284052, 2.20374577],
    ]
    np.testing.assert_allclose(result["W1"], W1, **PRINTED)
    np.testing.assert_allclose(
        result["b1"], [[-0.04659241], [-1.28888275], [0.53405496]], **PRINTED
    )
    np.testing.assert_allclose(result["W2"], [[-0.55569196, 0.0354055, 1.32964895]], **PRINTED)
    np.testing.assert_allclose(result["b2"], [[-0.84610769]], **PRINTED)
    for key, value in held.items():  # rebound, not changed in place, as the course's update
        np.testing.assert_array_equal(value, before[key])
        assert result[key] is not value


def test_predict_prints_the_accuracy(capsys) -> None:
    X, parameters = L_model_forward_case_2hidden()  # AL = [[0.039, 0.705, 0.197, 0.047]]
    p = assignment.predict(X, np.array([[0, 1, 1, 0]]), parameters)
    np.testing.assert_array_equal(p, [[0.0, 1.0, 0.0, 0.0]])
    assert capsys.readouterr().out == "Accuracy: 0.75\n"


def test_star_import_gives_exactly_the_course_names() -> None:
    namespace: dict = {}
    exec("from layerwise.assignment import *", namespace)
    assert set(namespace) - {"__builtins__"} == {
        "initialize_parameters",
        "initialize_parameters_deep",
        "linear_forward",
        "sigmoid",
        "relu",
        "sigmoid_backward",
        "relu_backward",
        "linear_activation_forward",
        "L_model_forward",
        "compute_cost",
        "linear_backward",
        "linear_activation_backward",
        "L_model_backward",
        "update_parameters",
        "predict",
    }
    A, cache = namespace["sigmoid"](np.array([[0.0]]))
    assert A.tolist() == [[0.5]] and cache.tolist() == [[0.0]]


def test_the_top_level_linear_steps_are_the_courses() -> None:
    A, W, b = linear_forward_case()
    Z, cache = lw.linear_forward(A, W, b)  # the learner's line
    dA_prev, dW, db = lw.linear_backward(np.ones_like(Z), cache)
    assert lw.linear_forward is linear_forward and lw.linear_backward is linear_backward
    assert dA_prev.shape == A.shape and dW.shape == W.shape and db.shape == b.shape


# ----- the course's loop, written the course's way, equals Network + fit ------------------------
def course_two_layer_model(X, Y, n_h, learning_rate, num_iterations):
    """The course's ``two_layer_model``: LINEAR → RELU → LINEAR → SIGMOID, dict rebinding."""
    np.random.seed(1)
    parameters = initialize_parameters(X.shape[0], n_h, 1)
    costs = []
    for _ in range(num_iterations):
        W1, b1, W2, b2 = (parameters[k] for k in ("W1", "b1", "W2", "b2"))
        A1, cache1 = linear_activation_forward(X, W1, b1, "relu")
        A2, cache2 = linear_activation_forward(A1, W2, b2, "sigmoid")
        costs.append(compute_cost(A2, Y))
        dA2 = -(np.divide(Y, A2) - np.divide(1 - Y, 1 - A2))
        dA1, dW2, db2 = linear_activation_backward(dA2, cache2, "sigmoid")
        _, dW1, db1 = linear_activation_backward(dA1, cache1, "relu")
        grads = {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs


def course_L_layer_model(X, Y, parameters, learning_rate, num_iterations):
    """The course's ``L_layer_model`` loop on the parameters it is given."""
    costs = []
    for _ in range(num_iterations):
        AL, caches = L_model_forward(X, parameters)
        costs.append(compute_cost(AL, Y))
        grads = L_model_backward(AL, Y, caches)
        parameters = update_parameters(parameters, grads, learning_rate)
    return parameters, costs


def test_the_course_two_layer_loop_equals_fit() -> None:
    X, Y = make_flower()
    parameters, costs = course_two_layer_model(X, Y, 4, 0.5, 30)
    net = lw.Network([2, 4, 1], hidden="relu", init="small_random", seed=1, legacy_rng=True)
    history = net.fit(X, Y, epochs=30, learning_rate=0.5)
    assert costs[-1] < costs[0]  # it learned
    np.testing.assert_allclose(costs, history.cost, rtol=0, atol=1e-12)
    for key, value in net.parameters.items():
        np.testing.assert_allclose(parameters[key], value, rtol=0, atol=1e-12)


def test_the_course_L_layer_loop_equals_fit_and_trains_a_network() -> None:
    X, Y = make_flower()
    dims = [2, 5, 3, 1]
    own, costs = course_L_layer_model(X, Y, initialize_parameters_deep(dims), 1.0, 25)
    net = lw.Network(dims, hidden="relu", init="small_random", seed=3, legacy_rng=True)
    live = lw.Network(dims, hidden="relu", init="small_random", seed=3, legacy_rng=True)
    history = net.fit(X, Y, epochs=25, learning_rate=1.0)
    _, live_costs = course_L_layer_model(X, Y, live.parameters, 1.0, 25)  # rebinds into live
    assert costs[-1] < costs[0]
    np.testing.assert_allclose(costs, history.cost, rtol=0, atol=1e-12)
    np.testing.assert_allclose(live_costs, costs, rtol=0, atol=1e-12)
    np.testing.assert_allclose(live.theta, net.theta, rtol=0, atol=1e-12)
    for key, value in net.parameters.items():
        np.testing.assert_allclose(own[key], value, rtol=0, atol=1e-12)


# ----- mixing the two contracts: errors that name the difference ------------------------------
def test_an_unknown_activation_names_the_courses_two() -> None:
    A_prev, W, b = linear_activation_forward_case()
    with pytest.raises(ValueError, match=r"activation must be one of 'sigmoid', 'relu'.*'tanh'"):
        linear_activation_forward(A_prev, W, b, "tanh")
    dA, cache = linear_activation_backward_case()
    with pytest.raises(ValueError, match=r"got 'Relu'\. Hint: .*Network"):
        linear_activation_backward(dA, cache, "Relu")


def network_and_caches():
    X, Y = make_flower()
    net = lw.Network([2, 3, 1], hidden="relu", seed=0)
    AL, caches = net.forward(X)
    return net, X, Y, AL, caches


def test_course_backward_refuses_network_caches() -> None:
    _, _, Y, AL, caches = network_and_caches()
    hint = r"got a DenseCache \(A_prev, Z, A\) from Network\.forward\. Hint: .*net\.backward"
    with pytest.raises(TypeError, match=r"L_model_backward takes the course's cache .*" + hint):
        L_model_backward(AL, Y, caches)
    with pytest.raises(TypeError, match=r"linear_activation_backward takes .*" + hint):
        linear_activation_backward(np.ones_like(AL), caches[-1], "sigmoid")
    with pytest.raises(TypeError, match=r"^linear_backward takes .*" + hint):
        linear_backward(np.ones_like(AL), caches[-1])


def test_network_backward_refuses_course_caches() -> None:
    net, X, Y, _, _ = network_and_caches()
    AL, caches = L_model_forward(X, net.parameters)
    with pytest.raises(
        TypeError,
        match=r"DenseCache \(A_prev, Z, A\).*layer 1's is the course's cache "
        r"\(\(A_prev, W, b\), Z\)\. Hint: layerwise\.assignment\.L_model_backward",
    ):
        net.backward(AL, Y, caches)


def test_the_array_linear_backward_refuses_a_course_cache() -> None:
    dZ, cache = linear_backward_case()
    with pytest.raises(
        TypeError,
        match=r"takes the arrays A_prev and W, got a tuple of 3 as A_prev and nothing as W\. "
        r"Hint: .*layerwise\.assignment\.linear_backward",
    ):
        layers.linear_backward(dZ, cache)


def test_the_core_initializer_refuses_the_courses_three_numbers() -> None:
    with pytest.raises(
        TypeError,
        match=r"layer_dims must be a list .*got the number 3\. "
        r"Hint: .*layerwise\.assignment\.initialize_parameters",
    ):
        lw.initialize_parameters(3, 2, 1)
