"""The course's own code, written the way the course writes it, against the library's API.

A learner copies the assignment's functions: ``update_parameters`` rebinds dict entries
(``parameters["W1"] = parameters["W1"] - learning_rate * grads["dW1"]``), in the older version
on the dict it was given and in the newer one on ``params.copy()``, and the loop rebinds
``parameters = update_parameters(parameters, grads, learning_rate)``. Both must train the network
exactly as ``fit`` does.
"""

from __future__ import annotations

import copy

import numpy as np
import pytest

import layerwise as lw
from conftest import make_flower


def update_parameters_v1(parameters, grads, learning_rate):
    """The course's update, first version: on the dict it is given."""
    L = len(parameters) // 2  # number of layers in the neural network
    for l in range(L):
        parameters["W" + str(l + 1)] = (
            parameters["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]
        )
        parameters["b" + str(l + 1)] = (
            parameters["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]
        )
    return parameters


def update_parameters_v2(params, grads, learning_rate):
    """The course's update, later version: on a copy of the dict."""
    parameters = params.copy()
    L = len(parameters) // 2
    for l in range(L):
        parameters["W" + str(l + 1)] = (
            params["W" + str(l + 1)] - learning_rate * grads["dW" + str(l + 1)]
        )
        parameters["b" + str(l + 1)] = (
            params["b" + str(l + 1)] - learning_rate * grads["db" + str(l + 1)]
        )
    return parameters


def L_layer_model(X, Y, layers_dims, update, learning_rate=0.0075, num_iterations=60):
    """The course's loop: initialize, then forward, cost, backward, update by rebinding."""
    net = lw.Network(layers_dims, hidden="relu", init="xavier", legacy_rng=True, seed=1)
    parameters = net.parameters  # initialize_parameters_deep
    costs = []
    for _ in range(num_iterations):
        AL, caches = net.forward(X)  # L_model_forward
        cost = net.cost(AL, Y)  # compute_cost
        grads = net.backward(AL, Y, caches)  # L_model_backward
        parameters = update(parameters, grads, learning_rate)  # update_parameters
        costs.append(cost)
    return net, parameters, costs


@pytest.mark.parametrize("update", [update_parameters_v1, update_parameters_v2])
def test_the_course_loop_trains_exactly_like_fit(update) -> None:
    X, Y = make_flower()
    dims = [2, 5, 3, 1]
    net, parameters, costs = L_layer_model(X, Y, dims, update)
    twin = lw.Network(dims, hidden="relu", init="xavier", legacy_rng=True, seed=1)
    history = twin.fit(X, Y, epochs=60, learning_rate=0.0075)
    assert costs[-1] < costs[0]  # it learned: the update reached the network
    np.testing.assert_allclose(costs, history.cost, rtol=1e-12)
    np.testing.assert_allclose(net.theta, twin.theta, rtol=1e-12, atol=1e-15)
    for key, value in parameters.items():  # the dict the learner holds is the network's
        np.testing.assert_array_equal(value, net.parameters[key])


def test_assigning_an_entry_checks_name_shape_and_dtype() -> None:
    net = lw.Network([3, 2, 1], seed=0)
    parameters = net.parameters
    parameters["b1"] = np.ones((2, 1))
    np.testing.assert_array_equal(net.layers[0].b, np.ones((2, 1)))
    with pytest.raises(ValueError, match=r"parameters\['W1'\] must have shape \(2, 3\), got"):
        parameters["W1"] = np.ones((3, 2))
    with pytest.raises(KeyError, match=r"no parameter 'W3'.*Hint: layers count from 1"):
        parameters["W3"] = np.ones((1, 2))
    with pytest.raises(TypeError, match=r"must hold real numbers, got dtype <U1"):
        parameters["b2"] = np.array([["x"]])
    with pytest.raises(TypeError, match="cannot delete parameters"):
        del parameters["W1"]
    assert len(parameters) == 4 and list(parameters) == ["W1", "b1", "W2", "b2"]


def test_snapshots_are_detached_and_copies_are_live() -> None:
    net = lw.Network([2, 2, 1], seed=0)
    parameters = net.parameters
    frozen, deep = parameters.snapshot(), copy.deepcopy(parameters)
    live = parameters.copy()
    live["W2"] = np.zeros((1, 2))
    assert not net.layers[1].W.any()  # the copy wrote into the network
    assert frozen["W2"].any() and deep["W2"].any()  # the detached ones did not move


def test_a_one_dimensional_example_gets_the_hint_that_works() -> None:
    net = lw.Network([4, 3, 1], seed=0)
    x = np.arange(4.0)  # one example of 4 features, as X[:, 0] gives it
    with pytest.raises(ValueError, match=r"reshape it to \(4, 1\): one column per example"):
        net.forward(x)
    AL, _ = net.forward(x.reshape(4, 1))  # following the hint works
    assert AL.shape == (1, 1)
    with pytest.raises(ValueError, match=r"reshape it to \(1, 5\)"):
        lw.Network([1, 1]).forward(np.arange(5.0))  # five examples of one feature
