"""Tests for ``layerwise.training.fit`` (through ``Network.fit``): the fast training engine against
the readable ``Network.forward``/``backward``, mini-batches, seeds, History, callbacks, divergence
and convergence on toy data."""

from __future__ import annotations

import copy
import io

import numpy as np
import pytest

from layerwise import (
    OPTIMIZERS,
    Callback,
    DivergenceError,
    EarlyStopping,
    History,
    Network,
    PrintCost,
    ProgressBar,
    get_activation,
)
from layerwise.gradient_check import gradients_to_vector
from layerwise.training import reference_fit
from tables import HIDDEN, PAIRS_WIDE, make_targets


def twin_networks(dims, seed=7, **kwargs) -> tuple[Network, Network]:
    """Two networks built alike: the same initial weights and shuffle stream."""
    return Network(dims, seed=seed, **kwargs), Network(dims, seed=seed, **kwargs)


# ----- the engine computes what Network.forward / backward compute -------------------------------
@pytest.mark.parametrize("l2", [0.0, 0.3])
@pytest.mark.parametrize("hidden", HIDDEN)
@pytest.mark.parametrize(("output", "loss", "n_y"), PAIRS_WIDE)
def test_one_full_batch_step_equals_manual_update(
    output: str,
    loss: str,
    n_y: int,
    hidden: str,
    l2: float,
    rng: np.random.Generator,
    blas_update: int | None,
) -> None:
    dims = [3, 5, 4, n_y]
    fast, slow = twin_networks(dims, hidden=hidden, output=output, loss=loss, l2=l2)
    X = rng.standard_normal((3, 7))
    Y = make_targets(loss, n_y, 7, rng)
    AL, caches = slow.forward(X)
    cost_before = slow.cost(AL, Y)
    expected = slow.theta - 0.1 * gradients_to_vector(slow, slow.backward(AL, Y, caches))
    history = fast.fit(X, Y, epochs=1, learning_rate=0.1)
    np.testing.assert_allclose(fast.theta, expected, rtol=1e-10, atol=1e-13)
    assert history.cost[0] == pytest.approx(cost_before, rel=1e-10)  # the cost before the step


@pytest.mark.parametrize("batch_size", [4, 1])
@pytest.mark.parametrize("l2", [0.0, 0.2])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_mini_batch_epochs_equal_manual_updates(
    optimizer: str, l2: float, batch_size: int, rng: np.random.Generator, blas_update: int | None
) -> None:
    dims = [3, 6, 4, 3]
    fast, slow = twin_networks(dims, hidden=["tanh", "relu"], output="softmax", l2=l2)
    X = rng.standard_normal((3, 11))
    Y = make_targets("categorical_crossentropy", 3, 11, rng)
    lr = 0.05
    costs = reference_fit(
        slow, X, Y, epochs=3, learning_rate=lr, optimizer=optimizer, batch_size=batch_size
    )  # batches of 4, 4, 3 or SGD
    history = fast.fit(
        X, Y, epochs=3, learning_rate=lr, optimizer=optimizer, batch_size=batch_size, shuffle=False
    )
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(history.cost, costs, rtol=1e-10)


@pytest.mark.parametrize("l2", [0.0, 0.1])
@pytest.mark.parametrize("batch_size", [None, 3, 1])
@pytest.mark.parametrize(("output", "loss", "n_y"), PAIRS_WIDE)
def test_single_layer_models_equal_manual_updates(
    output: str,
    loss: str,
    n_y: int,
    batch_size: int | None,
    l2: float,
    rng: np.random.Generator,
    blas_update: int | None,
) -> None:
    # L = 1: logistic / softmax / linear regression (no hidden layer in the engine's loops)
    fast, slow = twin_networks([4, n_y], output=output, loss=loss, l2=l2)
    X = rng.standard_normal((4, 7))
    Y = make_targets(loss, n_y, 7, rng)
    costs = reference_fit(slow, X, Y, epochs=2, learning_rate=0.2, batch_size=batch_size)
    history = fast.fit(X, Y, epochs=2, learning_rate=0.2, batch_size=batch_size, shuffle=False)
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(history.cost, costs, rtol=1e-10)


@pytest.mark.parametrize("l2", [0.0, 0.1])
@pytest.mark.parametrize("hidden", HIDDEN)
def test_several_full_batch_epochs_with_a_custom_leaky_slope(
    hidden: str, l2: float, rng: np.random.Generator, blas_update: int | None
) -> None:
    act = get_activation("leaky_relu", slope=0.3) if hidden == "leaky_relu" else hidden
    fast, slow = twin_networks([2, 5, 5, 1], hidden=act, l2=l2)
    X = rng.standard_normal((2, 9))
    Y = make_targets("binary_crossentropy", 1, 9, rng)
    costs = reference_fit(slow, X, Y, epochs=4, learning_rate=0.3)
    history = fast.fit(X, Y, epochs=4, learning_rate=0.3)
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(history.cost, costs, rtol=1e-10)


def test_inputs_in_any_memory_layout_give_the_same_training(rng: np.random.Generator) -> None:
    X = rng.standard_normal((4, 20))
    Y = make_targets("binary_crossentropy", 1, 20, rng)
    results = []
    for X_in in (X, np.asfortranarray(X), X.astype(np.float32), X.tolist()):
        net = Network([4, 3, 1], hidden="tanh", seed=0)
        net.fit(X_in, Y, epochs=3, learning_rate=0.1, batch_size=8, seed=1)
        results.append(net.theta)
    for theta in results[1:]:
        np.testing.assert_allclose(theta, results[0], rtol=1e-6)
    np.testing.assert_array_equal(results[0], results[1])  # float64 C or F order: identical


def test_fit_leaves_the_data_alone(rng: np.random.Generator) -> None:
    X = rng.standard_normal((3, 10))
    Y = make_targets("binary_crossentropy", 1, 10, rng)
    X0, Y0 = X.copy(), Y.copy()
    Network([3, 4, 1], seed=0).fit(X, Y, epochs=3, batch_size=3, seed=0)
    np.testing.assert_array_equal(X, X0)
    np.testing.assert_array_equal(Y, Y0)


# ----- mini-batches, SGD and seeds ---------------------------------------------------------------
@pytest.mark.parametrize("batch_size", [None, 64, 7, 1])
def test_batch_mini_batch_and_sgd_reduce_the_cost(batch_size: int | None, flower) -> None:
    X, Y = flower
    net = Network([2, 4, 1], hidden="tanh", seed=0)
    epochs = 3 if batch_size == 1 else 30
    lr = 0.05 if batch_size == 1 else 0.5
    AL, _ = net.forward(X)
    start = net.cost(AL, Y)
    history = net.fit(X, Y, epochs=epochs, learning_rate=lr, batch_size=batch_size, seed=0)
    assert len(history.cost) == epochs
    AL, _ = net.forward(X)
    assert net.cost(AL, Y) < start
    assert history.cost[-1] < history.cost[0]


def test_same_seed_gives_bit_identical_training(flower, engine_path: str) -> None:
    X, Y = flower
    thetas = []
    for _ in range(2):
        net = Network([2, 5, 1], hidden="relu", seed=3)
        net.fit(X, Y, epochs=4, batch_size=32, optimizer="adam", learning_rate=0.01, seed=11)
        thetas.append(net.theta)
    np.testing.assert_array_equal(thetas[0], thetas[1])
    # the shuffle seed defaults to the network's seed
    a, b = twin_networks([2, 5, 1], seed=3)
    a.fit(X, Y, epochs=2, batch_size=32)
    b.fit(X, Y, epochs=2, batch_size=32)
    np.testing.assert_array_equal(a.theta, b.theta)


def test_a_numpy_integer_seed_also_reproduces_the_shuffle(flower) -> None:
    X, Y = flower
    a, b = twin_networks([2, 5, 1], seed=np.int64(3))
    a.fit(X, Y, epochs=2, batch_size=32)  # shuffle seed: the network's
    b.fit(X, Y, epochs=2, batch_size=32)
    np.testing.assert_array_equal(a.theta, b.theta)


def test_different_shuffle_seed_gives_different_training(flower) -> None:
    X, Y = flower
    a, b = twin_networks([2, 5, 1], seed=3)
    np.testing.assert_array_equal(a.theta, b.theta)
    a.fit(X, Y, epochs=2, batch_size=32, seed=1)
    b.fit(X, Y, epochs=2, batch_size=32, seed=2)
    assert not np.array_equal(a.theta, b.theta)


def test_shuffle_seed_does_not_matter_for_full_batch(flower) -> None:
    X, Y = flower
    a, b = twin_networks([2, 5, 1], seed=3)
    a.fit(X, Y, epochs=3, seed=1)
    b.fit(X, Y, epochs=3, seed=2)
    np.testing.assert_array_equal(a.theta, b.theta)


def test_shuffling_changes_the_batches(flower) -> None:
    X, Y = flower
    a, b = twin_networks([2, 5, 1], seed=3)
    a.fit(X, Y, epochs=2, batch_size=32, shuffle=False)
    b.fit(X, Y, epochs=2, batch_size=32, shuffle=True, seed=0)
    assert not np.array_equal(a.theta, b.theta)


def test_batch_size_larger_than_m_is_full_batch(xor) -> None:
    X, Y = xor
    a, b = twin_networks([2, 3, 1], seed=0)
    a.fit(X, Y, epochs=3, learning_rate=0.5)
    b.fit(X, Y, epochs=3, learning_rate=0.5, batch_size=100)
    np.testing.assert_array_equal(a.theta, b.theta)


# ----- History -----------------------------------------------------------------------------------
def test_history_for_classification_with_dev_set(blobs, rng: np.random.Generator) -> None:
    X, Y, labels = blobs
    X_dev = X + 0.1 * rng.standard_normal(X.shape)
    net = Network([2, 6, 3], hidden="tanh", output="softmax", seed=0)
    history = net.fit(X, Y, epochs=5, learning_rate=0.3, dev=(X_dev, Y))
    assert isinstance(history, History)
    assert history.epochs == len(history.cost) == 5
    assert len(history.dev_cost) == 5
    assert len(history.metrics["accuracy"]) == len(history.metrics["dev_accuracy"]) == 5
    assert len(history.epoch_seconds) == 5
    assert history.stopped_epoch is None
    assert set(history.history) == {"cost", "dev_cost", "accuracy", "dev_accuracy"}
    assert history.history["cost"] == history.cost
    # the last dev numbers describe the trained network
    AL, _ = net.forward(X_dev)
    assert history.dev_cost[-1] == pytest.approx(net.cost(AL, Y), rel=1e-9)
    assert history.metrics["dev_accuracy"][-1] == pytest.approx(
        np.mean(net.predict(X_dev)[0] == labels)
    )
    assert all(0.0 <= a <= 1.0 for a in history.metrics["accuracy"])
    as_dict = history.to_dict()
    assert {"cost", "dev_cost", "epoch_seconds", "stopped_epoch", "best_epoch"} <= set(as_dict)


def test_full_batch_accuracy_is_that_of_the_weights_before_the_step(flower) -> None:
    X, Y = flower
    net = Network([2, 4, 1], hidden="tanh", seed=0)
    before = np.mean(net.predict(X) == Y)
    history = net.fit(X, Y, epochs=1, learning_rate=0.5)
    assert history.metrics["accuracy"][0] == pytest.approx(before)


def test_history_for_regression_has_no_accuracy(rng: np.random.Generator) -> None:
    X = rng.standard_normal((2, 30))
    Y = X[:1] - 2 * X[1:]
    history = Network([2, 1], output="linear").fit(X, Y, epochs=3, dev=(X, Y))
    assert set(history.history) == {"cost", "dev_cost"}


def test_multilabel_accuracy_is_entrywise(rng: np.random.Generator) -> None:
    X = rng.standard_normal((3, 12))
    Y = make_targets("multilabel_crossentropy", 4, 12, rng)
    net = Network([3, 4], seed=0)
    before = np.mean(net.predict(X) == Y)  # fraction of the 48 labels right
    history = net.fit(X, Y, epochs=1, learning_rate=1e-3)
    assert history.metrics["accuracy"][0] == pytest.approx(before)


# ----- optimizers, dtype -------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_every_optimizer_learns_xor(optimizer: str, xor) -> None:
    X, Y = xor
    net = Network([2, 4, 1], hidden="tanh", seed=0)
    lr = {"gd": 1.0, "momentum": 1.0, "rmsprop": 0.02, "adam": 0.02}[optimizer]
    history = net.fit(X, Y, epochs=300, optimizer=optimizer, learning_rate=lr)
    assert history.cost[-1] < 0.5 * history.cost[0]


@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_float32_training_keeps_float32(optimizer: str, flower) -> None:
    X, Y = flower
    net = Network([2, 5, 1], hidden="relu", dtype=np.float32, l2=0.01, seed=0)
    history = net.fit(
        X, Y, epochs=3, batch_size=50, optimizer=optimizer, learning_rate=0.01, dev=(X, Y)
    )
    assert net.theta.dtype == np.float32
    assert all(p.dtype == np.float32 for p in net.parameters.values())
    assert all(np.isfinite(history.cost))
    assert isinstance(history.cost[0], float)


def test_float32_training_tracks_float64(flower) -> None:
    X, Y = flower
    single = Network([2, 4, 1], hidden="tanh", dtype=np.float32, seed=0)
    double = Network([2, 4, 1], hidden="tanh", seed=0)
    h32 = single.fit(X, Y, epochs=20, learning_rate=0.5)
    h64 = double.fit(X, Y, epochs=20, learning_rate=0.5)
    np.testing.assert_allclose(single.theta, double.theta, rtol=1e-3, atol=1e-4)
    np.testing.assert_allclose(h32.cost, h64.cost, rtol=1e-4)


# ----- callbacks ---------------------------------------------------------------------------------
class Snapshots(Callback):
    """Keeps θ after every epoch."""

    def on_train_begin(self, net: Network, epochs: int) -> None:
        self.thetas: list[np.ndarray] = []

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        self.thetas.append(net.theta.copy())


def test_early_stopping_stops_and_restores_the_best(flower) -> None:
    X, Y = flower
    # The dev labels are the training labels flipped: the better the fit, the worse the dev cost.
    net = Network([2, 4, 1], hidden="tanh", seed=0)
    snapshots = Snapshots()
    stopper = EarlyStopping(patience=3)
    history = net.fit(
        X, Y, epochs=200, learning_rate=0.5, dev=(X, 1 - Y), callbacks=[snapshots, stopper]
    )
    best = int(np.argmin(history.dev_cost))
    assert history.best_epoch == best
    assert history.stopped_epoch == best + 3
    assert len(history.cost) == best + 4 < 200
    np.testing.assert_array_equal(net.theta, snapshots.thetas[best])
    assert not np.array_equal(net.theta, snapshots.thetas[-1])


def test_early_stopping_without_restoring(flower) -> None:
    X, Y = flower
    net = Network([2, 4, 1], hidden="tanh", seed=0)
    snapshots = Snapshots()
    history = net.fit(
        X,
        Y,
        epochs=200,
        learning_rate=0.5,
        dev=(X, 1 - Y),
        callbacks=[snapshots, EarlyStopping(patience=2, restore_best=False)],
    )
    assert history.stopped_epoch is not None
    np.testing.assert_array_equal(net.theta, snapshots.thetas[-1])


def test_early_stopping_on_training_cost_runs_while_it_improves(xor) -> None:
    X, Y = xor
    net = Network([2, 4, 1], hidden="tanh", seed=0)
    history = net.fit(
        X, Y, epochs=20, learning_rate=0.5, callbacks=[EarlyStopping(patience=2, monitor="cost")]
    )
    assert history.stopped_epoch is None
    assert len(history.cost) == 20


def test_early_stopping_needs_what_it_monitors(xor) -> None:
    X, Y = xor
    with pytest.raises(
        ValueError, match=r"EarlyStopping monitors 'dev_cost', which training does not record"
    ):
        Network([2, 3, 1]).fit(X, Y, epochs=2, callbacks=[EarlyStopping()])
    with pytest.raises(ValueError, match=r"patience must be >= 1, got 0"):
        EarlyStopping(patience=0)


def test_a_callback_can_stop_training(xor) -> None:
    class StopAtTwo(Callback):
        def on_epoch_end(self, net, epoch, logs):
            return epoch == 2

    history = Network([2, 3, 1]).fit(*xor, epochs=10, callbacks=[StopAtTwo()])
    assert history.stopped_epoch == 2
    assert len(history.cost) == 3


def test_print_cost_prints_the_course_line(xor) -> None:
    out = io.StringIO()
    history = Network([2, 3, 1]).fit(*xor, epochs=5, callbacks=[PrintCost(every=2, file=out)])
    lines = out.getvalue().splitlines()
    assert [line.split(":")[0] for line in lines] == [
        "Cost after iteration 0",
        "Cost after iteration 2",
        "Cost after iteration 4",
    ]
    assert float(lines[1].split(": ")[1]) == pytest.approx(history.cost[2])


def test_progress_bar_prints_one_line_per_epoch_off_a_terminal(xor) -> None:
    out = io.StringIO()
    Network([2, 3, 1]).fit(*xor, epochs=3, callbacks=[ProgressBar(file=out)])
    lines = out.getvalue().splitlines()
    assert len(lines) == 3
    assert lines[0].startswith("epoch 0: cost=")  # numbered from 0, as PrintCost and History
    assert "accuracy=" in lines[0]


# ----- divergence --------------------------------------------------------------------------------
def test_divergence_raises_with_epoch_and_learning_rate(rng: np.random.Generator) -> None:
    X = 10 * rng.standard_normal((3, 50))
    Y = X.sum(axis=0, keepdims=True)
    net = Network([3, 1], output="linear", seed=0)
    with pytest.raises(
        DivergenceError,
        match=r"Cost became .* at epoch \d+ \(learning_rate=1000000\.0\): the model diverged; "
        r"lower the learning rate or standardize X\.",
    ):
        net.fit(X, Y, epochs=1000, learning_rate=1e6)


def test_divergence_in_a_deep_network_with_mini_batches(rng: np.random.Generator) -> None:
    X = 10 * rng.standard_normal((3, 64))
    Y = X[:2] ** 2
    net = Network([3, 8, 8, 2], hidden="relu", output="linear", seed=0)
    with pytest.raises(
        DivergenceError, match=r"Cost became (nan|inf) at epoch \d+ \(learning_rate="
    ):
        net.fit(X, Y, epochs=1000, learning_rate=10.0, batch_size=16)
    assert issubclass(DivergenceError, FloatingPointError)


def test_divergence_with_a_dev_set_raises_divergence_error(rng: np.random.Generator) -> None:
    # The dev set is evaluated after the epoch's last update; a diverged network must still end
    # in DivergenceError, not in overflow warnings from the dev evaluation.
    X = 10 * rng.standard_normal((3, 50))
    Y = X.sum(axis=0, keepdims=True)
    net = Network([3, 1], output="linear", seed=0)
    with pytest.raises(DivergenceError, match=r"Cost became .* at epoch \d+ \(learning_rate="):
        net.fit(X, Y, epochs=1000, learning_rate=1e6, dev=(X, Y))


# ----- convergence on toy data -------------------------------------------------------------------
def test_xor_with_one_hidden_layer(xor) -> None:
    X, Y = xor
    net = Network([2, 4, 1], hidden="tanh", seed=0)
    history = net.fit(X, Y, epochs=2000, learning_rate=1.0)
    np.testing.assert_array_equal(net.predict(X), Y)
    assert history.metrics["accuracy"][-1] == 1.0


def test_flower_logistic_regression_cannot_separate_the_petals(flower) -> None:
    X, Y = flower
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert Y.mean() == 0.5
    net = Network([2, 1], output="sigmoid", init="zeros")
    net.fit(X, Y, epochs=500, learning_rate=1.2)
    accuracy = np.mean(net.predict(X) == Y)
    assert 0.4 <= accuracy <= 0.6


def test_flower_one_hidden_layer_separates_the_petals(flower) -> None:
    X, Y = flower
    # The course's planar model: 4 tanh units, weights randn · 0.01 drawn with seed 2,
    # learning rate 1.2 (the course runs 10000 iterations for 90%; 2000 are enough for 88%).
    net = Network([2, 4, 1], hidden="tanh", init="small_random", seed=2, legacy_rng=True)
    history = net.fit(X, Y, epochs=2000, learning_rate=1.2)
    assert np.mean(net.predict(X) == Y) >= 0.88
    assert history.cost[-1] < history.cost[0]


def test_blobs_softmax(blobs) -> None:
    X, Y, labels = blobs
    net = Network([2, 8, 3], hidden="relu", output="softmax", seed=0)
    net.fit(X, Y, epochs=100, learning_rate=0.1, batch_size=16, seed=0)
    assert np.mean(net.predict(X)[0] == labels) >= 0.95


def test_linear_regression_recovers_the_weights(rng: np.random.Generator) -> None:
    X = rng.standard_normal((3, 200))
    w, b = np.array([[1.5, -2.0, 0.5]]), 0.7
    Y = w @ X + b
    net = Network([3, 1], output="linear", init="zeros")
    net.fit(X, Y, epochs=300, learning_rate=0.3)
    np.testing.assert_allclose(net.parameters["W1"], w, atol=1e-6)
    np.testing.assert_allclose(net.parameters["b1"], [[b]], atol=1e-6)


def test_the_shuffle_stream_continues_across_fit_calls(rng: np.random.Generator) -> None:
    X, Y = rng.standard_normal((3, 40)), (rng.random((1, 40)) > 0.5) * 1.0
    one = Network([3, 4, 1], seed=5)
    one.fit(X, Y, epochs=2, batch_size=8, learning_rate=0.1)
    two = Network([3, 4, 1], seed=5)
    for _ in range(2):  # same epochs in two calls: the same permutations, the same weights
        two.fit(X, Y, epochs=1, batch_size=8, learning_rate=0.1)
    np.testing.assert_array_equal(one.theta, two.theta)


def test_a_generator_seed_reproduces_training(rng: np.random.Generator) -> None:
    X, Y = rng.standard_normal((3, 40)), (rng.random((1, 40)) > 0.5) * 1.0
    thetas = []
    for _ in range(2):
        net = Network([3, 4, 1], seed=np.random.default_rng(7))
        net.fit(X, Y, epochs=3, batch_size=8, learning_rate=0.1)
        thetas.append(net.theta.copy())
    np.testing.assert_array_equal(*thetas)
    assert isinstance(Network([3, 1], seed=None).seed, int)  # fresh entropy, kept as an int


def test_copies_train_like_the_original(rng: np.random.Generator) -> None:
    X, Y = rng.standard_normal((3, 40)), (rng.random((1, 40)) > 0.5) * 1.0
    net = Network([3, 4, 1], seed=2, legacy_rng=True)
    net.fit(X, Y, epochs=1, batch_size=8, learning_rate=0.1)
    clone = copy.deepcopy(net)
    assert clone.legacy_rng and clone.seed == 2
    for n in (net, clone):
        n.fit(X, Y, epochs=2, batch_size=8, learning_rate=0.1)
    np.testing.assert_array_equal(net.theta, clone.theta)


def test_early_stopping_on_the_training_cost_restores_the_parameters_that_scored_it(
    rng: np.random.Generator,
) -> None:
    X, Y = rng.standard_normal((2, 60)), (rng.random((1, 60)) > 0.5) * 1.0
    net = Network([2, 8, 1], seed=0)
    stop = EarlyStopping(patience=2, monitor="cost")
    history = net.fit(X, Y, epochs=50, learning_rate=30.0, callbacks=[stop])  # rises soon
    best = history.best_epoch
    assert history.cost[best] == min(history.cost)
    AL, caches = net.forward(X)
    np.testing.assert_allclose(net.cost(AL, Y, caches), history.cost[best], rtol=1e-12)


def test_early_stopping_on_accuracy_keeps_the_highest(rng: np.random.Generator) -> None:
    X, Y = rng.standard_normal((2, 60)), (rng.random((1, 60)) > 0.5) * 1.0
    stop = EarlyStopping(patience=3, monitor="dev_accuracy")
    history = Network([2, 8, 1], seed=0).fit(
        X, Y, epochs=40, learning_rate=0.5, dev=(X, Y), callbacks=[stop]
    )
    assert history.metrics["dev_accuracy"][history.best_epoch] == max(
        history.metrics["dev_accuracy"]
    )
    with pytest.raises(ValueError, match=r"Unknown monitor 'loss'\. Valid names: accuracy, cost"):
        EarlyStopping(monitor="loss")


@pytest.mark.parametrize(
    ("options", "error", "match"),
    [
        ({"shuffle_block": 0}, ValueError, "shuffle_block must be >= 1, got 0"),
        ({"shuffle_block": 2.5}, TypeError, "shuffle_block must be an integer"),
        ({"dev": (np.zeros((2, 3)),)}, ValueError, r"dev must be \(X_dev, Y_dev\) .* 1 items"),
    ],
)
def test_fit_options_are_checked(options, error, match) -> None:
    X, Y = np.zeros((2, 6)), np.zeros((1, 6))
    with pytest.raises(error, match=match):
        Network([2, 1]).fit(X, Y, epochs=1, batch_size=2, **options)


def test_fit_refuses_no_examples() -> None:
    with pytest.raises(ValueError, match="at least one example"):
        Network([3, 1]).fit(np.zeros((3, 0)), np.zeros((1, 0)), epochs=1)


# ----- memory-mapped inputs: bad data is reported as bad data ------------------------------------
def test_a_nan_inside_a_memory_mapped_x_names_its_place(tmp_path) -> None:
    rng = np.random.default_rng(0)
    rows = rng.standard_normal((50, 3))  # (m, n_x): the file holds examples as rows
    rows[37, 2] = np.nan
    np.save(tmp_path / "X.npy", rows)
    X = np.load(tmp_path / "X.npy", mmap_mode="r").T  # (n_x, m), read in place
    Y = (rng.random((1, 50)) > 0.5) * 1.0
    net = Network([3, 4, 1], seed=0)
    with pytest.raises(ValueError, match=r"NaN/inf values \(first at column 37, row 2"):
        net.fit(X, Y, epochs=2, batch_size=10)
    rows[37, 2] = 0.0
    np.save(tmp_path / "X.npy", rows)
    X = np.load(tmp_path / "X.npy", mmap_mode="r").T
    assert len(Network([3, 4, 1], seed=0).fit(X, Y, epochs=2, batch_size=10).cost) == 2
