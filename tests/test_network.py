"""Tests for ``layerwise.network.Network``: building, forward, cost, backward, predict, views."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from layerwise import ACTIVATIONS, Network, gradient_check
from layerwise.activations import Activation, get_activation
from layerwise.losses import Loss
from layerwise.network import save
from layerwise.persistence import read_archive
from model_files import edit_header


def sigmoid(Z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-Z))


# ----- building ----------------------------------------------------------------------------------
def test_built_from_layer_dims() -> None:
    net = Network([5, 4, 3, 1], hidden="tanh", seed=0)
    assert net.L == 3
    assert [layer.shape for layer in net.layers] == [(4, 5), (3, 4), (1, 3)]
    assert net.n_parameters() == 4 * 6 + 3 * 5 + 1 * 4
    assert net.theta.shape == (net.n_parameters(),)
    assert [a.name for a in net.activations] == ["tanh", "tanh", "sigmoid"]
    assert net.output == "sigmoid"
    assert list(net.parameters) == ["W1", "b1", "W2", "b2", "W3", "b3"]


def test_hidden_as_a_list_per_layer() -> None:
    net = Network([3, 4, 4, 4, 2], hidden=["relu", "tanh", "leaky_relu"], output="softmax")
    assert [a.name for a in net.activations] == ["relu", "tanh", "leaky_relu", "softmax"]
    custom = get_activation("leaky_relu", slope=0.2)
    net = Network([3, 4, 1], hidden=[custom], output="linear")
    assert net.activations[0] is custom


def test_hidden_as_one_saved_spec() -> None:
    spec = {"name": "leaky_relu", "slope": 0.2}  # as Network.config() writes it
    net = Network([3, 4, 4, 1], hidden=spec)
    assert [a.spec() for a in net.activations[:-1]] == [spec, spec]


@pytest.mark.parametrize(
    ("dims", "output", "loss"),
    [
        ([3, 4, 1], "sigmoid", "binary_crossentropy"),
        ([3, 4, 3], "sigmoid", "multilabel_crossentropy"),
        ([3, 4, 3], "softmax", "categorical_crossentropy"),
        ([3, 4, 2], "linear", "squared_error"),
        ([3, 4, 1], "tanh", "squared_error"),
    ],
)
def test_loss_is_inferred_from_the_output(dims: list[int], output: str, loss: str) -> None:
    assert Network(dims, output=output).loss.name == loss


def test_explicit_loss_and_aliases() -> None:
    assert Network([2, 1], output="linear", loss="l1").loss.name == "absolute_error"
    assert Network([2, 1], output="linear", loss="mae").loss.name == "absolute_error"
    assert Network([2, 3], output="sigmoid", loss="multilabel").loss.name == (
        "multilabel_crossentropy"
    )


def test_init_auto_is_he_for_relu_and_xavier_otherwise() -> None:
    assert Network([3, 4, 1], hidden="relu").init == "he"
    assert Network([3, 4, 1], hidden="leaky_relu").init == "he"
    assert Network([3, 4, 1], hidden="tanh").init == "xavier"
    assert Network([3, 1]).init == "xavier"


def test_seed_reproduces_and_changes_the_weights() -> None:
    a, b, c = (Network([3, 5, 2], output="softmax", seed=s) for s in (1, 1, 2))
    np.testing.assert_array_equal(a.theta, b.theta)
    assert not np.array_equal(a.theta, c.theta)


# ----- the course's two small models -------------------------------------------------------------
def test_logistic_regression_with_zero_init(rng: np.random.Generator) -> None:
    n_x, m = 4, 10
    net = Network([n_x, 1], output="sigmoid", init="zeros")
    assert net.loss.name == "binary_crossentropy"
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    AL, caches = net.forward(X)
    np.testing.assert_array_equal(AL, np.full((1, m), 0.5))
    assert net.cost(AL, Y) == pytest.approx(np.log(2))
    # The course's propagate(): dw = X (A - Y)ᵀ / m (shape (n_x, 1)), W = wᵀ; db = Σ(A - Y) / m.
    grads = net.backward(AL, Y, caches)
    np.testing.assert_allclose(grads["dW1"], (X @ (AL - Y).T / m).T)
    np.testing.assert_allclose(grads["db1"], [[np.sum(AL - Y) / m]])
    # With weights w, b the output is σ(wᵀx + b).
    w, b = rng.standard_normal((n_x, 1)), 0.3
    net.set_parameters({"W1": w.T, "b1": np.array([[b]])})
    np.testing.assert_allclose(net.predict_proba(X), sigmoid(w.T @ X + b))


def test_one_hidden_layer_tanh_network(rng: np.random.Generator) -> None:
    n_x, n_h, m = 2, 4, 7
    net = Network([n_x, n_h, 1], hidden="tanh", seed=3)
    X = rng.standard_normal((n_x, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    p = net.parameters
    A1 = np.tanh(p["W1"] @ X + p["b1"])  # (n_h, m)
    A2 = sigmoid(p["W2"] @ A1 + p["b2"])  # (1, m)
    AL, caches = net.forward(X)
    np.testing.assert_allclose(AL, A2)
    expected_cost = -np.mean(Y * np.log(A2) + (1 - Y) * np.log(1 - A2))
    assert net.cost(AL, Y) == pytest.approx(expected_cost, rel=1e-12)
    # The course's backward_propagation for this network:
    dZ2 = A2 - Y
    dZ1 = p["W2"].T @ dZ2 * (1 - A1**2)
    grads = net.backward(AL, Y, caches)
    np.testing.assert_allclose(grads["dW2"], dZ2 @ A1.T / m)
    np.testing.assert_allclose(grads["db2"], np.sum(dZ2, axis=1, keepdims=True) / m)
    np.testing.assert_allclose(grads["dW1"], dZ1 @ X.T / m)
    np.testing.assert_allclose(grads["db1"], np.sum(dZ1, axis=1, keepdims=True) / m)
    assert list(grads) == ["dW1", "db1", "dW2", "db2"]


def test_hand_worked_2_2_1_network() -> None:
    """One forward pass, cost, backward pass and gradient-descent step, worked by hand."""
    X = np.array([[1.0, -1.0], [2.0, 0.5]])  # two examples: x1 = (1, 2), x2 = (-1, 0.5)
    Y = np.array([[1.0, 0.0]])
    m = 2
    W1 = np.array([[0.1, 0.2], [-0.3, 0.4]])
    b1 = np.array([[0.0], [0.1]])
    W2 = np.array([[0.5, -0.6]])
    b2 = np.array([[0.05]])
    learning_rate = 0.5

    # Forward.
    # Z1 = W1 X + b1 = [[0.1 + 0.4, -0.1 + 0.1], [-0.3 + 0.8 + 0.1, 0.3 + 0.2 + 0.1]]
    #    = [[0.5, 0.0], [0.6, 0.6]]
    Z1 = W1 @ X + b1
    np.testing.assert_allclose(Z1, [[0.5, 0.0], [0.6, 0.6]], atol=1e-12)
    # A1 = tanh(Z1) = [[0.46211716, 0.0], [0.53704957, 0.53704957]]
    A1 = np.tanh(Z1)
    np.testing.assert_allclose(A1, [[0.46211716, 0.0], [0.53704957, 0.53704957]], atol=1e-8)
    # Z2 = W2 A1 + b2 = [[0.5·0.46211716 - 0.6·0.53704957 + 0.05, -0.6·0.53704957 + 0.05]]
    #    = [[-0.04117116, -0.27222974]]
    Z2 = W2 @ A1 + b2
    np.testing.assert_allclose(Z2, [[-0.04117116, -0.27222974]], atol=1e-8)
    # A2 = σ(Z2) = 1 / (1 + e^-Z2) = [[0.48970866, 0.43235978]]
    A2 = 1 / (1 + np.exp(-Z2))
    np.testing.assert_allclose(A2, [[0.48970866, 0.43235978]], atol=1e-8)
    # J = -(1/2) [log(0.48970866) + log(1 - 0.43235978)] = 0.64010605
    J = -(np.log(A2[0, 0]) + np.log(1 - A2[0, 1])) / m
    np.testing.assert_allclose(J, 0.64010605, atol=1e-8)

    # Backward.
    # dZ2 = A2 - Y = [[-0.51029134, 0.43235978]]
    dZ2 = A2 - Y
    np.testing.assert_allclose(dZ2, [[-0.51029134, 0.43235978]], atol=1e-8)
    # dW2 = dZ2 A1ᵀ / 2 = [[(-0.51029134·0.46211716 + 0) / 2,
    #                      (-0.51029134·0.53704957 + 0.43235978·0.53704957) / 2]]
    #     = [[-0.11790719, -0.02092655]]
    dW2 = dZ2 @ A1.T / m
    np.testing.assert_allclose(dW2, [[-0.11790719, -0.02092655]], atol=1e-8)
    # db2 = (-0.51029134 + 0.43235978) / 2 = -0.03896578
    db2 = dZ2.sum(axis=1, keepdims=True) / m
    np.testing.assert_allclose(db2, [[-0.03896578]], atol=1e-8)
    # dA1 = W2ᵀ dZ2 = [[-0.25514567, 0.21617989], [0.3061748, -0.25941587]]
    # dZ1 = dA1 ⊙ (1 - A1²) = [[-0.20065873, 0.21617989], [0.21786718, -0.18459456]]
    dZ1 = (W2.T @ dZ2) * (1 - A1**2)
    np.testing.assert_allclose(
        dZ1, [[-0.20065873, 0.21617989], [0.21786718, -0.18459456]], atol=1e-8
    )
    # dW1 = dZ1 Xᵀ / 2 = [[-0.20841931, -0.14661376], [0.20123087, 0.17171854]]
    dW1 = dZ1 @ X.T / m
    np.testing.assert_allclose(
        dW1, [[-0.20841931, -0.14661376], [0.20123087, 0.17171854]], atol=1e-8
    )
    # db1 = row sums of dZ1 / 2 = [[0.00776058], [0.01663631]]
    db1 = dZ1.sum(axis=1, keepdims=True) / m
    np.testing.assert_allclose(db1, [[0.00776058], [0.01663631]], atol=1e-8)

    # One gradient-descent step, θ ← θ - 0.5 dθ:
    # W1 = [[0.20420966, 0.27330688], [-0.40061544, 0.31414073]], b1 = [[-0.00388029], [0.09168185]]
    # W2 = [[0.5589536, -0.58953672]], b2 = [[0.06948289]]
    new = {
        "W1": W1 - learning_rate * dW1,
        "b1": b1 - learning_rate * db1,
        "W2": W2 - learning_rate * dW2,
        "b2": b2 - learning_rate * db2,
    }
    np.testing.assert_allclose(
        new["W1"], [[0.20420966, 0.27330688], [-0.40061544, 0.31414073]], atol=1e-8
    )
    np.testing.assert_allclose(new["b1"], [[-0.00388029], [0.09168185]], atol=1e-8)
    np.testing.assert_allclose(new["W2"], [[0.5589536, -0.58953672]], atol=1e-8)
    np.testing.assert_allclose(new["b2"], [[0.06948289]], atol=1e-8)

    # The library gives the same numbers.
    net = Network([2, 2, 1], hidden="tanh", output="sigmoid")
    assert net.loss.name == "binary_crossentropy"
    net.set_parameters({"W1": W1, "b1": b1, "W2": W2, "b2": b2})
    AL, caches = net.forward(X)
    np.testing.assert_allclose(caches[0].Z, Z1, rtol=1e-12)
    np.testing.assert_allclose(caches[0].A, A1, rtol=1e-12)
    np.testing.assert_allclose(caches[1].Z, Z2, rtol=1e-12)
    np.testing.assert_allclose(AL, A2, rtol=1e-12)
    assert net.cost(AL, Y) == pytest.approx(J, rel=1e-12)
    assert net.cost(AL, Y, caches) == pytest.approx(J, rel=1e-12)
    grads = net.backward(AL, Y, caches)
    for key, value in {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-12, atol=1e-15)

    history = net.fit(X, Y, epochs=1, learning_rate=learning_rate)
    assert history.cost == [pytest.approx(J, rel=1e-12)]  # the cost before the update
    for key, value in new.items():
        np.testing.assert_allclose(net.parameters[key], value, rtol=1e-12, atol=1e-15)


# ----- predict -----------------------------------------------------------------------------------
def test_predict_sigmoid_gives_zeros_and_ones(rng: np.random.Generator) -> None:
    for n_y in (1, 3):
        net = Network([3, 5, n_y], hidden="tanh", seed=1)
        X = rng.standard_normal((3, 8))
        pred = net.predict(X)
        assert pred.shape == (n_y, 8)
        np.testing.assert_array_equal(pred, (net.predict_proba(X) > 0.5).astype(int))
        assert set(np.unique(pred)) <= {0, 1}


def test_predict_softmax_gives_class_indices(rng: np.random.Generator) -> None:
    net = Network([3, 5, 4], hidden="relu", output="softmax", seed=1)
    X = rng.standard_normal((3, 9))
    proba = net.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=0), np.ones(9))
    pred = net.predict(X)
    assert pred.shape == (1, 9)
    np.testing.assert_array_equal(pred[0], proba.argmax(axis=0))


def test_predict_linear_gives_values(rng: np.random.Generator) -> None:
    net = Network([3, 5, 2], hidden="tanh", output="linear", seed=1)
    X = rng.standard_normal((3, 6))
    p = net.parameters
    expected = p["W2"] @ np.tanh(p["W1"] @ X + p["b1"]) + p["b2"]
    np.testing.assert_allclose(net.predict(X), expected)


# ----- parameters --------------------------------------------------------------------------------
def test_parameters_are_views(rng: np.random.Generator) -> None:
    net = Network([3, 4, 1], hidden="tanh", seed=0)
    X = rng.standard_normal((3, 5))
    before = net.predict_proba(X)
    net.parameters["W1"][0, 0] += 1.0
    after = net.predict_proba(X)
    assert not np.allclose(before, after)
    net.parameters["b2"][...] = 100.0
    np.testing.assert_allclose(net.predict_proba(X), 1.0)
    # and they are views of the flat vector theta: [vec([W1|b1]), vec([W2|b2])]
    assert np.shares_memory(net.parameters["W1"], net.theta)
    assert net.theta[3] == net.parameters["b1"][0, 0]  # row 0 of [W1 | b1] is W1[0, :3], b1[0]


def test_set_parameters_copies_and_validates() -> None:
    net = Network([3, 2, 1], seed=0)
    new = {"W1": np.ones((2, 3)), "b1": np.full((2, 1), 2.0), "W2": np.ones((1, 2)), "b2": [[3]]}
    net.set_parameters(new)
    np.testing.assert_array_equal(net.parameters["b1"], [[2.0], [2.0]])
    new["W1"][0, 0] = 99  # a copy was taken
    assert net.parameters["W1"][0, 0] == 1.0
    with pytest.raises(
        ValueError,
        match=r"parameters must have keys \['W1', 'W2', 'b1', 'b2'\]; missing \['b2'\], "
        r"unexpected \['W3'\]",
    ):
        net.set_parameters({"W1": np.ones((2, 3)), "b1": np.ones((2, 1)), "W2": 0, "W3": 0})
    with pytest.raises(ValueError, match=r"\['W2'\] must have shape \(1, 2\), got \(2, 1\)"):
        net.set_parameters(new | {"W2": np.ones((2, 1))})


# ----- dtype -------------------------------------------------------------------------------------
def test_float32_network_keeps_float32(rng: np.random.Generator) -> None:
    net = Network([4, 5, 3], hidden="relu", output="softmax", dtype=np.float32, l2=0.1)
    assert net.theta.dtype == np.float32
    assert all(p.dtype == np.float32 for p in net.parameters.values())
    X = rng.standard_normal((4, 6))  # float64 in: converted once, on the way in
    Y = np.eye(3)[:, rng.integers(0, 3, 6)]
    AL, caches = net.forward(X)
    assert AL.dtype == np.float32
    assert all(c.Z.dtype == np.float32 and c.A.dtype == np.float32 for c in caches)
    grads = net.backward(AL, Y, caches)
    assert all(g.dtype == np.float32 for g in grads.values())
    assert np.isfinite(net.cost(AL, Y, caches))


@pytest.mark.parametrize("output", ["sigmoid", "linear"])
def test_float32_backward_for_every_loss_path(output: str, rng: np.random.Generator) -> None:
    net = Network(
        [3, 4, 1],
        hidden="tanh",
        output=output,
        loss="l1" if output == "linear" else None,
        dtype=np.float32,
    )
    X = rng.standard_normal((3, 5)).astype(np.float32)
    Y = (rng.random((1, 5)) > 0.5).astype(np.float32)
    AL, caches = net.forward(X)
    assert all(g.dtype == np.float32 for g in net.backward(AL, Y, caches).values())


# ----- cost --------------------------------------------------------------------------------------
def test_cost_from_logits_is_finite_when_the_output_saturates() -> None:
    net = Network([1, 1], output="sigmoid")
    net.set_parameters({"W1": np.array([[2000.0]]), "b1": np.zeros((1, 1))})
    X, Y = np.array([[1.0, -1.0]]), np.array([[0.0, 1.0]])  # both confidently wrong: z = ±2000
    AL, caches = net.forward(X)
    assert net.cost(AL, Y, caches) == pytest.approx(2000.0)  # mean of |z| over 2 examples
    assert np.isfinite(net.cost(AL, Y))  # probability form: clipped, still finite


def test_l2_regularization_adds_to_cost_and_gradients(rng: np.random.Generator) -> None:
    lam, m = 0.7, 6
    plain = Network([3, 4, 2, 1], hidden="tanh", seed=2)
    reg = Network([3, 4, 2, 1], hidden="tanh", seed=2, l2=lam)
    np.testing.assert_array_equal(plain.theta, reg.theta)
    X = rng.standard_normal((3, m))
    Y = (rng.random((1, m)) > 0.5).astype(float)
    AL, caches = reg.forward(X)
    squares = sum(np.sum(reg.parameters[f"W{l}"] ** 2) for l in (1, 2, 3))
    assert reg.l2_penalty(m) == pytest.approx(lam / (2 * m) * squares)
    assert reg.cost(AL, Y) == pytest.approx(plain.cost(AL, Y) + lam / (2 * m) * squares)
    g_plain, g_reg = plain.backward(AL, Y, caches), reg.backward(AL, Y, caches)
    for l in (1, 2, 3):
        W = reg.parameters[f"W{l}"]
        np.testing.assert_allclose(g_reg[f"dW{l}"], g_plain[f"dW{l}"] + lam / m * W)
        np.testing.assert_array_equal(g_reg[f"db{l}"], g_plain[f"db{l}"])  # biases: no penalty
    assert gradient_check(reg, X, Y).difference < 1e-7


# ----- text --------------------------------------------------------------------------------------
def test_summary_shows_shapes_and_parameter_count() -> None:
    net = Network([12288, 20, 7, 5, 1], hidden="relu", seed=0)
    text = net.summary()
    for shape in ("(20, 12288)", "(20, 1)", "(7, 20)", "(5, 7)", "(1, 5)"):
        assert shape in text
    total = 20 * 12289 + 7 * 21 + 5 * 8 + 1 * 6
    assert net.n_parameters() == total
    assert f"parameters: {total:,}" in text
    assert "relu" in text and "sigmoid" in text and "binary_crossentropy" in text


def test_config_and_repr() -> None:
    net = Network([3, 4, 2], hidden=get_activation("leaky_relu", slope=0.2), output="softmax")
    config = net.config()
    assert config["layer_dims"] == [3, 4, 2]
    assert config["activations"] == [{"name": "leaky_relu", "slope": 0.2}, {"name": "softmax"}]
    assert config["loss"] == "categorical_crossentropy"
    assert config["dtype"] == "float64"
    assert "Network([3, 4, 2]" in repr(net)
    rebuilt = Network(
        config["layer_dims"],
        hidden=config["activations"][:-1],
        output=ACTIVATIONS["softmax"],
        loss=config["loss"],
    )
    assert rebuilt.activations[0].params == {"slope": 0.2}


@pytest.mark.parametrize("copier", [lambda n: pickle.loads(pickle.dumps(n)), copy.deepcopy])
def test_pickle_and_deepcopy_keep_parameters_as_views_of_theta(copier) -> None:
    net = Network([3, 4, 2], hidden=get_activation("leaky_relu", slope=0.2), output="softmax",
                  seed=5, l2=0.1)  # fmt: skip
    clone = copier(net)
    np.testing.assert_array_equal(clone.theta, net.theta)
    assert (clone.seed, clone.l2, clone.activations[0].params) == (5, 0.1, {"slope": 0.2})
    clone.parameters["W1"][0, 0] = 7.0  # editing the dict edits the clone's theta, not net's
    assert clone.theta[0] == 7.0 and net.theta[0] != 7.0


def test_from_config_rebuilds_the_same_function(rng: np.random.Generator) -> None:
    net = Network([3, 5, 1], hidden="tanh", seed=2)
    X = rng.standard_normal((3, 6))
    clone = Network.from_config(net.config(), net.theta)
    np.testing.assert_array_equal(clone.predict_proba(X), net.predict_proba(X))
    with pytest.raises(ValueError, match=r"theta must have shape \(26,\)"):
        Network.from_config(net.config(), np.zeros(3))


def test_predict_sigmoid_at_exactly_one_half_is_zero() -> None:
    # zero weights: A[L] = σ(0) = 0.5 exactly, and the course predicts 1 only when A > 0.5
    p = Network([3, 4, 1], init="zeros").predict(np.ones((3, 5)))
    assert p.dtype == np.int64
    np.testing.assert_array_equal(p, np.zeros((1, 5)))


@pytest.mark.parametrize(
    "options",
    [
        {"hidden": ["relu", "tanh"], "output": "sigmoid", "loss": "bce", "init": "xavier"},
        {"hidden": "leaky_relu", "output": "linear", "loss": "absolute_error", "dtype": "float32"},
        {"hidden": "tanh", "output": "softmax", "legacy_rng": True, "l2": 0.3, "init": "he"},
    ],
)
def test_from_config_rebuilds_every_setting(options, rng: np.random.Generator) -> None:
    dims = [3, 4, 4, 1] if isinstance(options["hidden"], list) else [3, 4, 2]
    net = Network(dims, seed=5, **options)
    config = net.config()
    assert set(config) == {
        "layer_dims", "activations", "loss", "init", "seed", "legacy_rng", "dtype", "l2"
    }  # fmt: skip
    back = Network.from_config(config, net.theta)
    assert back.config() == config
    assert back.theta.dtype == net.theta.dtype
    X = rng.standard_normal((3, 6)).astype(net.dtype)
    np.testing.assert_array_equal(back.predict(X), net.predict(X))
    # what a file may leave out: legacy_rng, l2 and init take their defaults
    short = {k: v for k, v in config.items() if k not in ("legacy_rng", "l2", "init")}
    rebuilt = Network.from_config(short).config()
    assert rebuilt["legacy_rng"] is False and rebuilt["l2"] == 0.0 and rebuilt["init"] == "zeros"


def test_summary_lists_each_layer_its_shapes_and_parameter_count() -> None:
    assert Network([3, 4, 1], seed=0).summary().splitlines() == [
        "layer  W shape         b shape     activation      params",
        "1      (4, 3)          (4, 1)      relu                16",
        "2      (1, 4)          (1, 1)      sigmoid              5",
        "loss: binary_crossentropy   parameters: 21   dtype: float64",
    ]
    assert repr(Network([3, 4, 1], seed=0)) == (
        "Network([3, 4, 1], activations=['relu', 'sigmoid'], loss='binary_crossentropy')"
    )


@pytest.mark.parametrize(
    ("AL", "got"),
    [(np.zeros(3), "shape (3,)"), (np.zeros((2, 3)), "shape (2, 3)"), ([[0.5]], "list")],
)
def test_cost_names_what_it_got_instead_of_the_output(AL, got) -> None:
    with pytest.raises(ValueError) as err:
        Network([3, 4, 1], seed=0).cost(AL, np.zeros((1, 3)))
    assert str(err.value) == (
        f"AL must be the network's output, an array of shape (n_y=1, m), got {got}. "
        "Hint: AL, caches = net.forward(X)."
    )


# ----- what Network refuses, in its own words -----------------------------------------------
@pytest.mark.parametrize("dims", [[3], [3, 0], [3, -1], [3, 1.5], ["3", 1], []])
def test_layer_dims_must_be_two_or_more_positive_integers(dims) -> None:
    with pytest.raises(ValueError) as err:
        Network(dims)
    assert str(err.value) == (
        "layer_dims must hold at least two positive integers [n_x, ..., n_y], "
        f"got {dims!r}. Hint: logistic regression is [n_x, 1]."
    )


@pytest.mark.parametrize("dims", [[3, "x"], [3, None], 5])
def test_layer_dims_that_are_not_integers(dims) -> None:
    with pytest.raises(TypeError) as err:
        Network(dims)
    assert str(err.value) == f"layer_dims must be a list of integers, got {dims!r}."


def test_layer_dims_of_whole_numbers_in_any_type() -> None:
    assert Network([1, 1]).layer_dims == [1, 1]
    assert Network([np.int64(3), 2.0, True]).layer_dims == [3, 2, 1]


def test_hidden_must_match_the_hidden_layers() -> None:
    with pytest.raises(ValueError) as err:
        Network([3, 4, 1], hidden=["relu", "tanh"])
    assert str(err.value) == "hidden must be one activation or 1 (one per hidden layer), got 2."
    assert Network([3, 1], hidden=[]).L == 1


def test_a_hidden_layer_must_be_elementwise() -> None:
    with pytest.raises(ValueError) as err:
        Network([3, 4, 4, 1], hidden=["tanh", "softmax"])
    assert str(err.value) == (
        "hidden activation 'softmax' is not elementwise; hidden layers take sigmoid, tanh, relu, "
        "leaky_relu, linear or a custom elementwise record. Hint: softmax is an output activation."
    )


def test_init_auto_is_xavier_for_a_custom_record_named_relu() -> None:
    impostor = ACTIVATIONS["relu"].__class__("relu", np.tanh, lambda Z, A: 1 - A**2)
    assert Network([3, 4, 1], hidden=impostor).init == "xavier"
    assert Network([3, 4, 4, 1], hidden=["relu", "tanh"]).init == "xavier"
    assert Network([3, 4, 4, 1], hidden=["relu", "leaky_relu"]).init == "he"


def test_save_refuses_what_is_not_a_network(tmp_path) -> None:
    with pytest.raises(TypeError) as err:
        save({"W1": np.zeros((1, 1))}, tmp_path / "m.npz")
    assert str(err.value) == "net must be a layerwise.Network, got dict."


def test_predict_proba_runs_a_subclass_forward() -> None:
    class Halved(Network):
        def forward(self, X, dropout=None):
            AL, caches = super().forward(X, dropout)
            return AL / 2, caches

    X = np.random.default_rng(0).standard_normal((3, 4))
    net, plain = Halved([3, 4, 1], seed=1), Network([3, 4, 1], seed=1)
    np.testing.assert_allclose(net.predict_proba(X), plain.predict_proba(X) / 2, rtol=1e-15)


def test_save_writes_metrics_and_sections(tmp_path) -> None:
    Network([3, 2, 1]).save(tmp_path / "m.npz", metrics={"dev": {"acc": 1.0}}, sections={"a": {}})
    header = read_archive(tmp_path / "m.npz")[0]
    assert header["metrics"] == {"dev": {"acc": 1.0}} and header["a"] == {}


def test_load_names_the_file_whose_network_cannot_be_built(tmp_path) -> None:
    path = tmp_path / "m.npz"
    Network([3, 2, 1]).save(path)
    edit_header(path, lambda header: header["network"].update(l2=-1.0))
    with pytest.raises(ValueError) as err:
        Network.load(path)
    assert str(err.value).startswith(
        f"{path} is not a valid layerwise model: its network cannot be built (l2 must be"
    )


def test_config_and_from_config_keep_dropout() -> None:
    net = Network([3, 4, 4, 1], keep_prob=[0.5, 0.8])
    assert net.config()["keep_prob"] == [0.5, 0.8]
    assert Network.from_config(net.config()).keep_prob == net.keep_prob
    assert "keep_prob" not in Network([3, 4, 1]).config()


def softsign(Z: np.ndarray) -> np.ndarray:
    return Z / (1 + np.abs(Z))


def softsign_derivative(Z: np.ndarray, A: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.abs(Z)) ** 2


def _half_squares(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return 0.5 * (AL - Y) ** 2


def _difference(AL: np.ndarray, Y: np.ndarray) -> np.ndarray:
    return AL - Y


def _any_targets(Y: np.ndarray) -> None: ...


def test_a_copy_keeps_custom_records_and_both_streams() -> None:
    record = Activation("softsign", softsign, softsign_derivative)
    loss = Loss("half_squares", _half_squares, _difference, _any_targets)
    net = Network([3, 4, 1], hidden=record, output="linear", loss=loss, keep_prob=0.5, seed=2)
    X, Y = np.ones((3, 6)), np.zeros((1, 6))
    net.fit(X, Y, epochs=1, batch_size=2)  # moves the shuffle and the dropout streams
    copied = pickle.loads(pickle.dumps(net))
    assert copied.activations[0] is not record and copied.activations[0] == record
    assert copied.loss == loss
    assert copied.dropout_rng.bit_generator.state == net.dropout_rng.bit_generator.state
    assert copied.shuffle_rng.bit_generator.state == net.shuffle_rng.bit_generator.state


def test_forward_names_x_when_it_refuses_it() -> None:
    with pytest.raises(ValueError, match=r"^X must have 3 rows \(features\), got shape \(2, 5\)"):
        Network([3, 1]).forward(np.zeros((2, 5)))


def test_predict_proba_names_x_and_answers_in_the_networks_dtype() -> None:
    with pytest.raises(ValueError, match=r"^X must have 3 rows \(features\), got shape \(2, 5\)"):
        Network([3, 1]).predict_proba(np.zeros((2, 5)))
    proba = Network([3, 2, 1], dtype="float32").predict_proba(np.ones((3, 4)))
    assert proba.dtype == np.float32 and proba.shape == (1, 4)


def test_set_parameters_refuses_missing_keys_alone() -> None:
    net = Network([3, 1])
    with pytest.raises(ValueError) as err:
        net.set_parameters({"W1": np.zeros((1, 3))})
    assert (
        str(err.value) == "parameters must have keys ['W1', 'b1']; missing ['b1'], unexpected []."
    )


def test_each_hidden_layer_drops_with_its_own_keep_prob() -> None:
    net = Network([3, 4, 4, 1], keep_prob=[1.0, 0.5])
    _, caches = net.forward(np.ones((3, 5)), dropout=np.random.default_rng(0))
    assert caches[0].D is None and caches[1].D is not None and caches[2].D is None


def test_the_default_seed_is_0_and_the_default_stream_is_not_the_courses() -> None:
    net = Network([3, 1])
    assert net.seed == 0 and net.legacy_rng is False
    assert np.array_equal(net.theta, Network([3, 1], seed=0, legacy_rng=False).theta)


def test_a_fresh_seed_reproduces_the_network_and_legacy_draws_differ() -> None:
    net = Network([3, 4, 1], seed=None)
    assert np.array_equal(net.theta, Network([3, 4, 1], seed=net.seed).theta)
    course = Network([3, 4, 1], seed=1, legacy_rng=True)
    assert not np.array_equal(course.theta, Network([3, 4, 1], seed=1).theta)


def test_layer_dims_may_be_any_iterable_of_ints() -> None:
    assert Network(n for n in (2, 3, 1)).layer_dims == [2, 3, 1]
    with pytest.raises(ValueError, match=r"at least two positive integers"):
        Network(n for n in (2, 0, 1))
