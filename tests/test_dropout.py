"""Tests for dropout (``keep_prob``): the course's inverted dropout in ``Network.forward``/
``backward``, in ``fit``'s engine on every path against ``reference_fit``, its masks, and its
absence at predict."""

from __future__ import annotations

import copy
import pickle

import numpy as np
import pytest

from layerwise import OPTIMIZERS, Network
from layerwise.engine import Engine
from layerwise.gradient_check import gradients_to_vector, relative_difference
from layerwise.optimizers import get_optimizer
from layerwise.random import dropout_rng, shuffle_rng
from layerwise.training import reference_fit
from tables import HIDDEN, PAIRS_WIDE, make_targets


def twins(dims, seed=7, **kwargs) -> tuple[Network, Network]:
    return Network(dims, seed=seed, **kwargs), Network(dims, seed=seed, **kwargs)


# ----- the engine on every path equals the course's loop with the same masks ---------------------
@pytest.mark.parametrize("batch_size", [None, 4, 1])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_the_engine_equals_the_reference_with_dropout_on_every_path(
    optimizer: str, batch_size: int | None, rng: np.random.Generator, blas_update: int | None
) -> None:
    # a one-unit hidden layer (its Wᵀ dZ is a broadcast product) between two others, each
    # with its own keep_prob; the derivatives of tanh and sigmoid are read from A
    dims = [3, 6, 1, 4, 3]
    kwargs = dict(hidden=["tanh", "relu", "sigmoid"], output="softmax", keep_prob=[0.8, 0.7, 0.6])
    fast, slow = twins(dims, **kwargs)
    X = rng.standard_normal((3, 11))
    Y = make_targets("categorical_crossentropy", 3, 11, rng)
    options = dict(epochs=3, learning_rate=0.05, optimizer=optimizer, batch_size=batch_size)
    costs = reference_fit(slow, X, Y, **options)
    history = fast.fit(X, Y, shuffle=False, **options)
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(history.cost, costs, rtol=1e-10)
    assert fast.dropout_rng.bit_generator.state == slow.dropout_rng.bit_generator.state


@pytest.mark.parametrize("l2", [0.0, 0.1])
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss", "n_y"), PAIRS_WIDE)
def test_every_activation_and_output_trains_with_dropout_as_the_reference(
    hidden: str,
    output: str,
    loss: str,
    n_y: int,
    l2: float,
    rng: np.random.Generator,
    blas_update: int | None,
) -> None:
    dims = [3, 5, 4, n_y]
    kwargs = dict(hidden=hidden, output=output, loss=loss, l2=l2, keep_prob=0.7)
    fast, slow = twins(dims, **kwargs)
    X = rng.standard_normal((3, 9))
    Y = make_targets(loss, n_y, 9, rng)
    costs = reference_fit(slow, X, Y, epochs=2, learning_rate=0.1, batch_size=4, seed=3)
    history = fast.fit(X, Y, epochs=2, learning_rate=0.1, batch_size=4, shuffle=False, seed=3)
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(history.cost, costs, rtol=1e-10)


@pytest.mark.parametrize("optimizer", ["gd", "adam"])
def test_large_batches_with_a_separate_first_bias_train_as_the_reference(
    optimizer: str, rng: np.random.Generator, blas_update: int | None
) -> None:
    # 64 × 200 gathered inputs: the first layer's bias is outside its GEMM (fused with ReLU
    # and db1 on the kernels' path); dropout sits between that and the next product
    X = rng.standard_normal((200, 150))
    Y = np.eye(3)[:, rng.integers(0, 3, 150)]
    fast, slow = twins([200, 32, 16, 3], output="softmax", keep_prob=[0.5, 0.8])
    options = dict(epochs=2, learning_rate=0.01, optimizer=optimizer, batch_size=64)
    costs = reference_fit(slow, X, Y, **options)
    history = fast.fit(X, Y, shuffle=False, **options)
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(history.cost, costs, rtol=1e-10)


def test_float32_training_sees_the_masks_of_float64(rng: np.random.Generator) -> None:
    X = rng.standard_normal((3, 40))
    Y = (X[:1] * X[1:2] > 0) * 1.0
    runs = {}
    for dtype in ("float32", "float64"):
        fast, slow = twins([3, 8, 1], hidden="tanh", keep_prob=0.6, dtype=dtype)
        reference_fit(slow, X.astype(dtype), Y.astype(dtype), epochs=3, learning_rate=0.5)
        fast.fit(X.astype(dtype), Y.astype(dtype), epochs=3, learning_rate=0.5)
        assert fast.theta.dtype == np.dtype(dtype)
        np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-4, atol=1e-5)
        runs[dtype] = fast.theta
    np.testing.assert_allclose(runs["float32"], runs["float64"], rtol=1e-3, atol=1e-4)


def test_the_shuffle_and_the_epoch_cost_with_dropout(rng: np.random.Generator) -> None:
    X = rng.standard_normal((3, 30))
    Y = (X[:1] > 0) * 1.0
    plain, dropped = Network([3, 6, 1], seed=2), Network([3, 6, 1], seed=2, keep_prob=0.5)
    history = plain.fit(X, Y, epochs=2, batch_size=8)
    dropped_history = dropped.fit(X, Y, epochs=2, batch_size=8)
    # turning dropout on leaves the shuffle's stream alone: the masks have their own
    assert plain.shuffle_rng.bit_generator.state == dropped.shuffle_rng.bit_generator.state
    assert dropped.dropout_rng.bit_generator.state != plain.dropout_rng.bit_generator.state
    assert history.cost[0] != dropped_history.cost[0]  # the cost of the dropout forward


# ----- keep_prob = 1 is no dropout, bit for bit, and records nothing ------------------------------
@pytest.mark.parametrize("batch_size", [None, 5])
def test_keep_prob_one_is_no_dropout_bit_for_bit(
    batch_size: int | None, rng: np.random.Generator, engine_path: str
) -> None:
    X = rng.standard_normal((4, 23))
    Y = (X[:1] > 0) * 1.0
    plain, ones = Network([4, 6, 5, 1], seed=1), Network([4, 6, 5, 1], seed=1, keep_prob=[1, 1.0])
    assert ones.config() == plain.config()  # no keep_prob in the config or the model file
    h1 = plain.fit(X, Y, epochs=3, batch_size=batch_size, optimizer="adam")
    h2 = ones.fit(X, Y, epochs=3, batch_size=batch_size, optimizer="adam")
    assert np.array_equal(plain.theta, ones.theta) and h1.cost == h2.cost
    AL, caches = ones.forward(X, dropout=np.random.default_rng(0))
    assert all(c.D is None for c in caches) and np.array_equal(AL, plain.forward(X)[0])


def test_a_network_without_dropout_records_no_dropout_op(rng: np.random.Generator) -> None:
    X_rows = np.ascontiguousarray(rng.standard_normal((3, 12)).T)
    Y_rows = (X_rows[:, :1] > 0) * 1.0
    counts = {}
    for keep in (1.0, [0.5, 1.0], 0.5):
        net = Network([3, 5, 4, 1], keep_prob=keep, seed=0)
        opt, drop = get_optimizer("gd", 0.1), dropout_rng(0)
        engine = Engine(net, X_rows, Y_rows, 12, False, None, opt, dropout_rng=drop)
        counts[str(keep)] = len(engine.ops)
        assert (engine.dropout_rng is None) == (keep == 1.0)
    assert counts["1.0"] < counts["[0.5, 1.0]"] < counts["0.5"]  # only for the layers that drop
    with pytest.raises(ValueError, match=r"layer 1 drops units \(keep_prob 0.5\), so the engine"):
        Engine(net, X_rows, Y_rows, 12, False, None, get_optimizer("gd", 0.1))


# ----- the masks -----------------------------------------------------------------------------
def test_the_masks_keep_keep_prob_of_the_units_and_the_mean_of_a(rng: np.random.Generator) -> None:
    net = Network([5, 200, 100, 1], hidden="sigmoid", keep_prob=[0.8, 0.5], seed=0)
    X = rng.standard_normal((5, 500))
    _, plain = net.forward(X)
    _, caches = net.forward(X, dropout=np.random.default_rng(1))
    for l, keep in ((1, 0.8), (2, 0.5)):
        D = caches[l - 1].D
        assert D.shape == (net.layer_dims[l], 500) and set(np.unique(D)) == {0.0, 1.0}
        assert D.mean() == pytest.approx(keep, abs=0.01)
        A = caches[l - 1].A  # g(Z), before the mask: g' is read from it
        assert np.array_equal(A, net.activations[l - 1].forward(caches[l - 1].Z))
        dropped = caches[l].A_prev  # what the next layer reads: A ⊙ D / keep_prob
        np.testing.assert_allclose(dropped, A * D / keep)
        assert dropped.mean() == pytest.approx(A.mean(), rel=0.02)  # the scale keeps the mean
    assert np.array_equal(caches[0].A, plain[0].A)
    assert caches[2].D is None  # never on the output layer


def test_predict_and_forward_without_a_generator_run_the_whole_network(
    rng: np.random.Generator,
) -> None:
    net = Network([3, 6, 1], keep_prob=0.5, seed=4)
    whole = Network.from_config(net.config() | {"keep_prob": [1.0]}, net.theta)
    X = rng.standard_normal((3, 20))
    assert np.array_equal(net.predict_proba(X), net.predict_proba(X))
    assert np.array_equal(net.predict_proba(X), whole.predict_proba(X))
    assert all(c.D is None for c in net.forward(X)[1])
    a = net.forward(X, dropout=np.random.default_rng(3))[0]
    b = net.forward(X, dropout=np.random.default_rng(3))[0]
    assert np.array_equal(a, b) and not np.array_equal(a, net.predict_proba(X))


# ----- backward ----------------------------------------------------------------------------
@pytest.mark.parametrize("hidden", HIDDEN)
def test_the_dropout_backward_passes_a_gradient_check_with_the_masks_held(
    hidden: str, rng: np.random.Generator
) -> None:
    net = Network([4, 5, 3, 2], hidden=hidden, output="softmax", keep_prob=[0.7, 0.5], seed=2)
    X = rng.standard_normal((4, 6))
    Y = make_targets("categorical_crossentropy", 2, 6, rng)

    def forward():  # the same masks at every call: a generator at the same position
        return net.forward(X, dropout=np.random.default_rng(11))

    AL, caches = forward()
    grad = gradients_to_vector(net, net.backward(AL, Y, caches))
    approx, eps = np.empty_like(grad), 1e-7
    for i in range(net.theta.size):
        saved = net.theta[i]
        net.theta[i] = saved + eps
        plus = net.cost(forward()[0], Y)
        net.theta[i] = saved - eps
        minus = net.cost(forward()[0], Y)
        net.theta[i] = saved
        approx[i] = (plus - minus) / (2 * eps)
    assert relative_difference(grad, approx) < 1e-7
    without = gradients_to_vector(net, net.backward(*net.forward(X)[:1], Y, net.forward(X)[1]))
    assert relative_difference(without, grad) > 1e-3  # the masks change the gradients


def _course_forward_propagation_with_dropout(X, parameters, keep_prob=0.5):
    """The course's function (Improving Deep Neural Networks, week 1), as it writes it."""
    np.random.seed(1)  # noqa: NPY002 (the course's own code)
    W1, b1 = parameters["W1"], parameters["b1"]
    W2, b2 = parameters["W2"], parameters["b2"]
    W3, b3 = parameters["W3"], parameters["b3"]
    Z1 = np.dot(W1, X) + b1
    A1 = np.maximum(0, Z1)
    D1 = np.random.rand(A1.shape[0], A1.shape[1])  # noqa: NPY002
    D1 = (D1 < keep_prob).astype(int)  # noqa: SIM300
    A1 = A1 * D1
    A1 = A1 / keep_prob
    Z2 = np.dot(W2, A1) + b2
    A2 = np.maximum(0, Z2)
    D2 = np.random.rand(A2.shape[0], A2.shape[1])  # noqa: NPY002
    D2 = (D2 < keep_prob).astype(int)  # noqa: SIM300
    A2 = A2 * D2
    A2 = A2 / keep_prob
    Z3 = np.dot(W3, A2) + b3
    A3 = 1 / (1 + np.exp(-Z3))
    cache = (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3)
    return A3, cache


def _course_backward_propagation_with_dropout(X, Y, cache, keep_prob):
    m = X.shape[1]
    (Z1, D1, A1, W1, b1, Z2, D2, A2, W2, b2, Z3, A3, W3, b3) = cache  # noqa: RUF059
    dZ3 = A3 - Y
    dW3 = 1.0 / m * np.dot(dZ3, A2.T)
    db3 = 1.0 / m * np.sum(dZ3, axis=1, keepdims=True)
    dA2 = np.dot(W3.T, dZ3)
    dA2 = dA2 * D2
    dA2 = dA2 / keep_prob
    dZ2 = np.multiply(dA2, np.int64(A2 > 0))
    dW2 = 1.0 / m * np.dot(dZ2, A1.T)
    db2 = 1.0 / m * np.sum(dZ2, axis=1, keepdims=True)
    dA1 = np.dot(W2.T, dZ2)
    dA1 = dA1 * D1
    dA1 = dA1 / keep_prob
    dZ1 = np.multiply(dA1, np.int64(A1 > 0))
    dW1 = 1.0 / m * np.dot(dZ1, X.T)
    db1 = 1.0 / m * np.sum(dZ1, axis=1, keepdims=True)
    return {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2, "dW3": dW3, "db3": db3}


def _course_generator() -> np.random.Generator:
    """A Generator drawing what ``np.random.seed(1); np.random.rand(...)`` draws."""
    bits = np.random.MT19937()
    legacy = np.random.RandomState(1).get_state(legacy=False)
    bits.state = {"bit_generator": "MT19937", "state": legacy["state"]}
    return np.random.Generator(bits)


def test_the_courses_dropout_code_gives_the_gradients_of_backward(
    rng: np.random.Generator,
) -> None:
    net = Network([2, 20, 3, 1], hidden="relu", output="sigmoid", keep_prob=0.86, seed=0)
    X = rng.standard_normal((2, 15))
    Y = (rng.random((1, 15)) > 0.5) * 1.0
    A3, cache = _course_forward_propagation_with_dropout(X, net.parameters, keep_prob=0.86)
    expected = _course_backward_propagation_with_dropout(X, Y, cache, keep_prob=0.86)
    AL, caches = net.forward(X, dropout=_course_generator())  # the course's masks
    assert np.array_equal(caches[0].D, cache[1]) and np.array_equal(caches[1].D, cache[6])
    np.testing.assert_allclose(AL, A3, rtol=1e-12)
    grads = net.backward(AL, Y, caches)
    for key, value in expected.items():
        np.testing.assert_allclose(grads[key], value, rtol=1e-10, atol=1e-14, err_msg=key)


# ----- the setting, its files and copies -------------------------------------------------------
@pytest.mark.parametrize(
    ("keep_prob", "match"),
    [
        (0.0, r"0 < keep_prob <= 1, got 0.0\. Hint: 1.0 keeps every unit"),
        (1.5, r"0 < keep_prob <= 1, got 1.5"),
        ([0.5, float("nan")], r"0 < keep_prob <= 1, got \[0.5, nan\]"),
        ("0.5", r"0 < keep_prob <= 1, got '0.5'"),
        (True, r"0 < keep_prob <= 1, got True"),
        ([0.5], r"one probability or 2 \(one per hidden layer\), got \[0.5\]\. Hint"),
    ],
)
def test_keep_prob_is_checked(keep_prob, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        Network([3, 4, 4, 1], keep_prob=keep_prob)


def test_dropout_needs_a_hidden_layer_and_a_0d_array_is_one_probability() -> None:
    with pytest.raises(ValueError, match=r"keep_prob applies to hidden layers, .* has none; got"):
        Network([3, 1], keep_prob=0.5)
    assert Network([3, 1], keep_prob=1.0).keep_prob == ()
    assert Network([3, 4, 4, 1], keep_prob=np.array(0.5)).keep_prob == (0.5, 0.5)


def test_a_training_forward_needs_a_generator(rng: np.random.Generator) -> None:
    net = Network([3, 4, 1], keep_prob=0.5)
    with pytest.raises(TypeError, match=r"dropout must be a NumPy Generator or None, got int"):
        net.forward(rng.standard_normal((3, 2)), dropout=42)


def test_keep_prob_is_saved_loaded_and_copied(tmp_path, rng: np.random.Generator) -> None:
    net = Network([3, 4, 5, 1], keep_prob=[0.8, 0.5], seed=5)
    assert net.config()["keep_prob"] == [0.8, 0.5]
    loaded = Network.load(net.save(tmp_path / "m.npz"))
    assert loaded.keep_prob == (0.8, 0.5) and np.array_equal(loaded.theta, net.theta)
    net.dropout_rng.random(3)  # a stream that moved on
    for twin in (copy.deepcopy(net), pickle.loads(pickle.dumps(net))):
        assert twin.keep_prob == net.keep_prob
        assert twin.dropout_rng.bit_generator.state == net.dropout_rng.bit_generator.state


def test_the_dropout_stream_is_its_own(rng: np.random.Generator) -> None:
    a, b = dropout_rng(3), shuffle_rng(3)
    assert a.random() != b.random()
    assert dropout_rng(3).random() == dropout_rng(3).random()
    gen = np.random.default_rng(5)
    before = gen.bit_generator.state
    dropout_rng(gen)  # a child: the generator's own stream does not move
    assert gen.bit_generator.state == before
    legacy = np.random.RandomState(5)
    state = legacy.get_state(legacy=False)
    assert dropout_rng(legacy).random() == dropout_rng(np.random.RandomState(5)).random()
    assert legacy.get_state(legacy=False)["state"]["pos"] == state["state"]["pos"]


# ----- gradient checking runs with dropout off -------------------------------------------------
def test_gradient_check_turns_dropout_off_and_refuses_it_on(rng: np.random.Generator) -> None:
    from layerwise.gradient_check import gradient_check

    net = Network([3, 5, 4, 1], hidden="tanh", keep_prob=0.5, seed=1)
    X, Y = rng.standard_normal((3, 6)), (rng.random((1, 6)) > 0.5) * 1.0
    check = gradient_check(net, X, Y)
    assert check.passed()
    whole = Network.from_config(net.config() | {"keep_prob": [1.0, 1.0]}, net.theta)
    assert np.array_equal(check.grad, gradient_check(whole, X, Y).grad)  # the whole network's
    with pytest.raises(ValueError, match=r"runs with dropout off, got dropout=Generator.*Hint"):
        gradient_check(net, X, Y, dropout=np.random.default_rng(0))


def test_a_diverging_run_is_rewound_with_the_epochs_own_masks(rng: np.random.Generator) -> None:
    from layerwise import DivergenceError

    X = 10 * rng.standard_normal((3, 64))
    Y = X[:2] ** 2
    fast, slow = twins([3, 8, 8, 2], hidden="tanh", output="linear", keep_prob=0.7, seed=0)
    with pytest.raises(DivergenceError, match=r"example (\d+)") as err:
        fast.fit(X, Y, epochs=1000, learning_rate=3.0, batch_size=16, shuffle=False)
    epoch = int(str(err.value).split("at epoch ")[1].split()[0])
    first = int(str(err.value).rsplit("example ", 1)[1].split()[0])
    reference_fit(slow, X, Y, epochs=epoch, learning_rate=3.0, batch_size=16)
    opt = get_optimizer("gd", 3.0)
    for i in range(0, first, 16):  # the steps of the last epoch before the one that broke θ
        AL, caches = slow.forward(X[:, i : i + 16], slow.dropout_rng)
        opt.update(slow.parameters, slow.backward(AL, Y[:, i : i + 16], caches))
    assert np.isfinite(fast.theta).all()
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-10)


def test_a_model_file_with_a_bad_keep_prob_is_refused(tmp_path) -> None:
    from model_files import edit_header

    path = Network([3, 4, 1], keep_prob=0.5).save(tmp_path / "m.npz")
    edit_header(path, lambda h: h["network"].update(keep_prob=[1.5]))
    with pytest.raises(ValueError, match=r"m.npz.*its network cannot be built .*keep_prob"):
        Network.load(path)
