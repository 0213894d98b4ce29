"""Error messages a user can cause: each names the argument, the rule, what came and a hint."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise import Network, get_optimizer
from layerwise import _validation as v
from layerwise.optimizers import OPTIMIZERS


@pytest.fixture
def net() -> Network:
    return Network([3, 4, 1], hidden="tanh", seed=0)


@pytest.fixture
def data(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.standard_normal((3, 10))
    Y = (rng.random((1, 10)) > 0.5).astype(float)
    return X, Y


# ----- inputs X ----------------------------------------------------------------------------------
def test_x_with_wrong_number_of_rows(net: Network, data) -> None:
    _, Y = data
    pattern = (
        r"X must have 3 rows \(features\), got shape \(5, 10\)\. "
        r"Inputs are \(n_x, m\): one column per example\. Check the first entry of layer_dims\."
    )
    with pytest.raises(ValueError, match=pattern):
        net.forward(np.zeros((5, 10)))
    with pytest.raises(ValueError, match=pattern):
        net.fit(np.zeros((5, 10)), Y, epochs=1)


def test_x_passed_as_rows_suggests_transposing(net: Network, data) -> None:
    X, Y = data
    pattern = (
        r"X must have 3 rows \(features\), got shape \(10, 3\)\..*It looks transposed: pass X\.T\."
    )
    with pytest.raises(ValueError, match=pattern):
        net.forward(X.T)
    with pytest.raises(ValueError, match=pattern):
        net.predict(X.T)
    with pytest.raises(ValueError, match=pattern):
        net.fit(X.T, Y, epochs=1)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_nan_or_inf_in_x(net: Network, data, bad: float) -> None:
    X, Y = data
    X = X.copy()
    X[0, 7] = bad
    X[2, 4] = bad
    pattern = r"X contains 2 NaN/inf values \(first at column 4\)\."
    with pytest.raises(ValueError, match=pattern):
        net.forward(X)
    with pytest.raises(ValueError, match=pattern):
        net.fit(X, Y, epochs=1)
    with pytest.raises(ValueError, match=pattern):
        net.fit(np.asfortranarray(X), Y, epochs=1)  # the zero-copy path checks too


def test_nan_in_y_and_dev(net: Network, data) -> None:
    X, Y = data
    Y_bad = Y.copy()
    Y_bad[0, 3] = np.nan
    with pytest.raises(ValueError, match=r"Y contains 1 NaN/inf values \(first at column 3\)"):
        net.fit(X, Y_bad, epochs=1)
    X_dev = X.copy()
    X_dev[1, 2] = np.inf
    with pytest.raises(ValueError, match=r"dev X contains 1 NaN/inf values \(first at column 2\)"):
        net.fit(X, Y, epochs=1, dev=(X_dev, Y))


def test_x_must_be_a_numeric_matrix(net: Network) -> None:
    with pytest.raises(ValueError, match=r"X must be 2-D \(rows, m\), got shape \(3,\)\. Hint"):
        net.forward(np.zeros(3))
    with pytest.raises(ValueError, match=r"X must be 2-D .*got shape \(3, 2, 2\).*one column per"):
        net.forward(np.zeros((3, 2, 2)))
    with pytest.raises(TypeError, match=r"X must hold numbers, got dtype <U1"):
        net.forward(np.array([["a"], ["b"], ["c"]]))
    with pytest.raises(
        ValueError, match=r"X must hold at least one example \(column\), got shape \(3, 0\)"
    ):
        net.forward(np.zeros((3, 0)))


def test_integer_and_list_inputs_are_accepted(net: Network) -> None:
    AL, _ = net.forward([[1, 0], [0, 1], [1, 1]])
    assert AL.shape == (1, 2)
    assert AL.dtype == np.float64


# ----- targets Y ---------------------------------------------------------------------------------
def test_one_dimensional_y_would_broadcast(net: Network, data) -> None:
    X, Y = data
    AL, caches = net.forward(X)
    pattern = (
        r"Y of shape \(10,\) would broadcast against AL of shape \(1, 10\); reshape it to \(1, 10\)"
    )
    with pytest.raises(ValueError, match=pattern):
        net.cost(AL, Y[0])
    with pytest.raises(ValueError, match=pattern):
        net.backward(AL, Y[0], caches)
    with pytest.raises(ValueError, match=pattern):
        net.fit(X, Y[0], epochs=1)
    with pytest.raises(ValueError, match=r"Y of shape \(7,\) would broadcast .*; fix its length"):
        net.cost(AL, Y[0, :7])


def test_y_with_wrong_shape(net: Network, data) -> None:
    X, Y = data
    AL, _ = net.forward(X)
    with pytest.raises(
        ValueError,
        match=r"Y must have shape \(1, 10\) to match AL, got \(10, 1\)\. It looks transposed",
    ):
        net.cost(AL, Y.T)
    with pytest.raises(ValueError, match=r"Y must have shape \(1, 10\) to match AL, got \(1, 9\)"):
        net.fit(X, Y[:, :9], epochs=1)


def test_labels_not_zero_or_one_for_binary_cross_entropy(net: Network, data) -> None:
    X, Y = data
    Y = Y.copy()
    Y[0, 0] = 2
    pattern = r"Y must hold only 0 and 1 for binary cross-entropy; found 2\.0 \(1 entries\)\. Hint"
    with pytest.raises(ValueError, match=pattern):
        net.fit(X, Y, epochs=1)
    with pytest.raises(ValueError, match=pattern):
        net.cost(net.forward(X)[0], Y)


def test_y_not_one_hot_for_categorical_cross_entropy(rng: np.random.Generator) -> None:
    net = Network([3, 4, 3], output="softmax")
    X = rng.standard_normal((3, 4))
    Y = np.eye(3)[:, [0, 1, 2, 0]]
    Y[1, 2] = 1  # column 2 has two ones
    with pytest.raises(
        ValueError,
        match=r"Y must be one-hot for categorical cross-entropy \(one 1 per column\); "
        r"column 2 is \[0\.0, 1\.0, 1\.0\]\. Hint: layerwise\.data\.one_hot",
    ):
        net.fit(X, Y, epochs=1)


# ----- names -------------------------------------------------------------------------------------
def test_unknown_names_list_the_valid_ones(net: Network, data) -> None:
    X, Y = data
    with pytest.raises(ValueError, match=r"Unknown activation 'swish'\. Valid names: leaky_relu"):
        Network([3, 4, 1], hidden="swish")
    with pytest.raises(ValueError, match=r"Unknown activation 'gelu'\. Valid names: .*softmax"):
        Network([3, 4, 1], output="gelu")
    with pytest.raises(ValueError, match=r"hidden activation 'softmax' is not elementwise"):
        Network([3, 4, 2], hidden="softmax", output="softmax")
    with pytest.raises(ValueError, match=r"Unknown loss 'hinge'\. Valid names: .*l1, l2"):
        Network([3, 4, 1], loss="hinge")
    with pytest.raises(ValueError, match=r"Unknown init 'glorot'\. Valid names: he, small_random"):
        Network([3, 4, 1], init="glorot")
    with pytest.raises(
        ValueError, match=r"Unknown optimizer 'sgd'\. Valid names: adam, gd, momentum"
    ):
        net.fit(X, Y, epochs=1, optimizer="sgd")
    with pytest.raises(ValueError, match="Valid names: " + ", ".join(sorted(OPTIMIZERS))):
        get_optimizer("lbfgs")


# ----- numbers -----------------------------------------------------------------------------------
@pytest.mark.parametrize("lr", [0, -0.1, 0.0, np.nan, np.inf])
def test_learning_rate_must_be_positive(net: Network, data, lr: float) -> None:
    X, Y = data
    with pytest.raises(ValueError, match=r"learning_rate must be finite and > 0, got"):
        net.fit(X, Y, epochs=1, learning_rate=lr)
    for cls in OPTIMIZERS.values():
        with pytest.raises(ValueError, match=r"learning_rate must be finite and > 0"):
            cls(learning_rate=lr)


def test_numbers_print_plainly_in_messages() -> None:
    with pytest.raises(ValueError, match=r"learning_rate must be finite and > 0, got -1\.0\.$"):
        v.check_positive("learning_rate", np.float64(-1.0))
    with pytest.raises(TypeError, match=r"learning_rate must be a number, got str '0\.1'"):
        v.check_positive("learning_rate", "0.1")
    with pytest.raises(TypeError, match=r"l2 must be a number, got bool True"):
        v.check_positive("l2", True)


def test_other_training_settings(net: Network, data) -> None:
    X, Y = data
    with pytest.raises(ValueError, match=r"epochs must be >= 1, got 0\."):
        net.fit(X, Y, epochs=0)
    with pytest.raises(TypeError, match=r"epochs must be an integer, got float 2\.5"):
        net.fit(X, Y, epochs=2.5)
    with pytest.raises(ValueError, match=r"batch_size must be >= 1, got 0\."):
        net.fit(X, Y, epochs=1, batch_size=0)
    with pytest.raises(ValueError, match=r"l2 must be finite and >= 0, got -0\.1\."):
        Network([3, 1], l2=-0.1)
    with pytest.raises(TypeError, match=r"net must be a layerwise\.Network"):
        from layerwise import fit

        fit("not a network", X, Y)


@pytest.mark.parametrize("dtype", [np.int32, np.float16, "complex128", int])
def test_bad_dtype(dtype) -> None:
    with pytest.raises(ValueError, match=r"dtype must be float32 or float64, got .*Hint: pass"):
        Network([3, 1], dtype=dtype)


def test_unreadable_dtype() -> None:
    with pytest.raises(TypeError, match=r"dtype must be float32 or float64, got 'floaty'"):
        Network([3, 1], dtype="floaty")


def test_good_dtypes() -> None:
    assert v.check_dtype("float32") == np.float32
    assert v.check_dtype(np.float64) == np.float64


# ----- architecture ------------------------------------------------------------------------------
@pytest.mark.parametrize("dims", [[3], [], [3, 0, 1], [3, -2, 1], [3, 2.5, 1]])
def test_bad_layer_dims(dims) -> None:
    with pytest.raises(
        ValueError,
        match=r"layer_dims must hold at least two positive integers \[n_x, \.\.\., n_y\], got .*"
        r"Hint: logistic regression is \[n_x, 1\]\.",
    ):
        Network(dims)


@pytest.mark.parametrize("dims", [5, [3, "a", 1], None])
def test_layer_dims_not_a_list_of_integers(dims) -> None:
    with pytest.raises(TypeError, match=r"layer_dims must be a list of integers"):
        Network(dims)


@pytest.mark.parametrize(
    "loss", ["squared_error", "absolute_error", "binary_crossentropy", "multilabel_crossentropy"]
)
def test_softmax_needs_categorical_cross_entropy(loss: str) -> None:
    with pytest.raises(ValueError, match=rf"loss '{loss}' needs output activation .*got 'softmax'"):
        Network([3, 4, 2], output="softmax", loss=loss)


def test_other_bad_output_loss_pairs() -> None:
    with pytest.raises(
        ValueError, match=r"loss 'categorical_crossentropy' needs output activation softmax"
    ):
        Network([3, 2], output="sigmoid", loss="categorical_crossentropy")
    with pytest.raises(
        ValueError,
        match=r"binary_crossentropy needs one output unit, got 3\. "
        r"Hint: use loss='multilabel_crossentropy'",
    ):
        Network([3, 3], output="sigmoid", loss="binary_crossentropy")
    with pytest.raises(
        ValueError, match=r"categorical_crossentropy needs at least 2 output units, got 1"
    ):
        Network([3, 1], output="softmax")


def test_hidden_list_must_match_the_number_of_hidden_layers() -> None:
    with pytest.raises(
        ValueError, match=r"hidden must be one activation or 2 \(one per hidden layer\), got 3\."
    ):
        Network([3, 4, 4, 1], hidden=["relu", "tanh", "relu"])
    with pytest.raises(ValueError, match=r"hidden must be one activation or 0 .*got 1\."):
        Network([3, 1], hidden=["relu"])


# ----- the helpers themselves --------------------------------------------------------------------
def test_check_finite_names_the_first_bad_column() -> None:
    X = np.zeros((3, 20))
    X[0, 17] = np.nan  # first in row-major order, but a later example
    X[2, 3] = np.inf
    with pytest.raises(ValueError, match=r"X contains 2 NaN/inf values \(first at column 3\)\."):
        v.check_finite("X", X)
    with pytest.raises(ValueError, match=r"y contains 1 NaN/inf values \(first at column 5\)\."):
        v.check_finite("y", np.array([0, 1, 2, 3, 4, np.nan]))
    v.check_finite("X", np.zeros((2, 2), dtype=int))
    v.check_finite("X", np.full((2, 3), 1e308))  # huge but finite: the sum overflows, X does not
    with pytest.raises(ValueError, match=r"X contains 2 NaN/inf values \(first at column 1\)"):
        v.check_finite("X", np.array([[1.0, np.inf, -np.inf]]))


def test_check_choice_and_check_int() -> None:
    assert v.check_choice("colour", "red", ["red", "blue"]) == "red"
    with pytest.raises(ValueError, match=r"Unknown colour 3\. Valid names: blue, red\."):
        v.check_choice("colour", 3, ["red", "blue"])
    assert v.check_int("n", np.int64(3)) == 3
    with pytest.raises(TypeError, match=r"n must be an integer, got bool True"):
        v.check_int("n", True)
    with pytest.raises(ValueError, match=r"n must be >= 2, got 1\."):
        v.check_int("n", 1, minimum=2)


def test_sample_weight_must_be_numeric() -> None:
    from layerwise._validation import check_sample_weight

    with pytest.raises(TypeError, match="sample_weight must hold numbers"):
        check_sample_weight(["a", "b"], 2)
    with pytest.raises(ValueError, match=r"sample_weight must have shape \(3,\)"):
        check_sample_weight([1.0, 2.0], 3)
    with pytest.raises(ValueError, match="sample_weight must be >= 0"):
        check_sample_weight([1.0, -2.0], 2)
