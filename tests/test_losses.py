"""Tests for ``layerwise.losses``: every entry of the LOSSES table."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise import ACTIVATIONS, LOSSES, Loss, get_loss
from layerwise.activations import Activation
from layerwise.outputs import (
    PAIRS,
    accuracy_from_logits,
    copy_targets,
    default_loss,
    find_pair,
    fused_delta,
    half_minus_targets,
    is_fused,
    linear_delta,
    sigmoid_delta,
    softmax_delta,
)

NAMES = sorted(LOSSES)
WITH_LOGITS = [name for name in NAMES if LOSSES[name].from_logits is not None]
H = 1e-6


def sample(name: str, rng: np.random.Generator, n_y: int = 3, m: int = 5):
    """Outputs AL inside the range of the loss's natural activation, and valid targets Y."""
    if name == "categorical_crossentropy":
        Z = rng.standard_normal((n_y, m))
        AL = ACTIVATIONS["softmax"].forward(Z)
        Y = np.eye(n_y)[:, rng.integers(0, n_y, m)]  # one-hot columns
    elif name in ("binary_crossentropy", "multilabel_crossentropy"):
        n_y = 1 if name == "binary_crossentropy" else n_y
        AL = rng.uniform(0.1, 0.9, (n_y, m))
        Y = (rng.random((n_y, m)) > 0.5).astype(float)
    else:
        AL = rng.standard_normal((n_y, m))
        Y = rng.standard_normal((n_y, m))
        if name == "absolute_error":  # keep away from the kink of |a - y|
            Y = np.where(np.abs(AL - Y) < 0.05, AL + 0.5, Y)
    return AL, Y


@pytest.mark.parametrize("name", NAMES)
def test_gradient_matches_central_differences(name: str, rng: np.random.Generator) -> None:
    loss = LOSSES[name]
    AL, Y = sample(name, rng)
    numerical = np.empty_like(AL)
    for idx in np.ndindex(AL.shape):
        up, down = AL.copy(), AL.copy()
        up[idx] += H
        down[idx] -= H
        numerical[idx] = (loss.elementwise(up, Y).sum() - loss.elementwise(down, Y).sum()) / (2 * H)
    gradient = loss.gradient(AL, Y)
    assert gradient.shape == AL.shape
    np.testing.assert_allclose(gradient, numerical, rtol=1e-6, atol=1e-8)


@pytest.mark.parametrize("name", NAMES)
def test_cost_is_mean_over_examples_of_column_sums(name: str, rng: np.random.Generator) -> None:
    loss = LOSSES[name]
    AL, Y = sample(name, rng, m=7)
    per_entry = loss.elementwise(AL, Y)
    assert per_entry.shape == AL.shape
    per_example = per_entry.sum(axis=0)  # (m,): the loss of each example
    assert isinstance(loss.cost(AL, Y), float)
    assert loss.cost(AL, Y) == pytest.approx(per_example.mean(), rel=1e-12)


@pytest.mark.parametrize("name", WITH_LOGITS)
def test_from_logits_agrees_with_probability_form(name: str, rng: np.random.Generator) -> None:
    loss = LOSSES[name]
    g = ACTIVATIONS[next(p.output for p in PAIRS if p.loss == name and p.fused)].forward
    _, Y = sample(name, rng, m=9)
    Z = rng.uniform(-5, 5, Y.shape)
    np.testing.assert_allclose(loss.from_logits(Z, Y), loss.elementwise(g(Z), Y), rtol=1e-10)
    assert loss.cost_from_logits(Z, Y) == pytest.approx(loss.cost(g(Z), Y), rel=1e-10)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", WITH_LOGITS)
def test_from_logits_is_finite_for_huge_logits(name: str, dtype: type) -> None:
    loss = LOSSES[name]
    if name == "categorical_crossentropy":
        Z = np.array([[1000.0, -1000.0, 1000.0], [-1000.0, 1000.0, 999.0]], dtype=dtype)
        Y = np.array([[0.0, 0.0, 1.0], [1.0, 1.0, 0.0]], dtype=dtype)
        # -log softmax: wrong by 2000, right (≈0), and right by a margin of 1: log(1 + e^-1)
        expected = [2000.0, 0.0, np.log1p(np.exp(-1.0))]
    elif name == "squared_error":
        Z = np.array([[1000.0, -1000.0]], dtype=dtype)
        Y = np.array([[0.0, 0.0]], dtype=dtype)
        expected = [0.5 * 1000.0**2, 0.5 * 1000.0**2]
    else:  # binary / multi-label cross-entropy: a confident wrong answer costs |z|
        Z = np.array([[1000.0, -1000.0, 1000.0, -1000.0]], dtype=dtype)
        Y = np.array([[0.0, 1.0, 1.0, 0.0]], dtype=dtype)
        expected = [1000.0, 1000.0, 0.0, 0.0]
    per_entry = loss.from_logits(Z, Y)  # warnings are errors: no log(0), no overflow
    assert np.isfinite(per_entry).all()
    np.testing.assert_allclose(per_entry.sum(axis=0), expected, rtol=1e-6, atol=1e-6)
    assert np.isfinite(loss.cost_from_logits(Z, Y))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize(
    "name", ["binary_crossentropy", "multilabel_crossentropy", "categorical_crossentropy"]
)
def test_probability_form_is_finite_at_exact_zero_and_one(name: str, dtype: type) -> None:
    loss = LOSSES[name]
    AL = np.array([[0.0, 1.0, 1.0, 0.0], [1.0, 0.0, 0.0, 1.0]], dtype=dtype)
    Y = np.array([[0.0, 1.0, 0.0, 1.0], [1.0, 0.0, 1.0, 0.0]], dtype=dtype)
    if name == "binary_crossentropy":
        AL, Y = AL[:1], Y[:1]
    cost = loss.cost(AL, Y)
    assert np.isfinite(cost)
    assert cost > 1.0  # half the answers are confidently wrong
    assert np.isfinite(loss.gradient(AL, Y)).all()
    # Confidently right everywhere: the cost is (nearly) zero, and still no log(0).
    assert 0.0 <= loss.cost(Y, Y) < 1e-6


def test_binary_cross_entropy_is_the_course_formula(rng: np.random.Generator) -> None:
    AL, Y = sample("binary_crossentropy", rng, m=10)
    m = Y.shape[1]
    expected = -np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)) / m
    assert LOSSES["binary_crossentropy"].cost(AL, Y) == pytest.approx(expected, rel=1e-12)


def test_multilabel_sums_over_outputs_and_averages_over_examples(
    rng: np.random.Generator,
) -> None:
    AL, Y = sample("multilabel_crossentropy", rng, n_y=4, m=6)
    per_entry = -(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))  # (4, 6)
    expected = per_entry.sum(axis=0).mean()  # Σ over the 4 labels, mean over the 6 examples
    assert LOSSES["multilabel_crossentropy"].cost(AL, Y) == pytest.approx(expected, rel=1e-12)
    # Not the mean over all 24 entries:
    assert LOSSES["multilabel_crossentropy"].cost(AL, Y) == pytest.approx(4 * per_entry.mean())


def test_categorical_cross_entropy_is_minus_log_of_true_class(rng: np.random.Generator) -> None:
    AL, Y = sample("categorical_crossentropy", rng, n_y=4, m=6)
    true_class = Y.argmax(axis=0)
    expected = -np.mean(np.log(AL[true_class, np.arange(6)]))
    assert LOSSES["categorical_crossentropy"].cost(AL, Y) == pytest.approx(expected, rel=1e-12)


def test_l2_is_half_squared_error_and_l1_absolute_error(rng: np.random.Generator) -> None:
    AL, Y = rng.standard_normal((2, 5)), rng.standard_normal((2, 5))
    assert LOSSES["squared_error"].cost(AL, Y) == pytest.approx(np.sum(0.5 * (AL - Y) ** 2) / 5)
    np.testing.assert_allclose(LOSSES["squared_error"].gradient(AL, Y), AL - Y)
    assert LOSSES["absolute_error"].cost(AL, Y) == pytest.approx(np.sum(np.abs(AL - Y)) / 5)
    np.testing.assert_array_equal(LOSSES["absolute_error"].gradient(AL, Y), np.sign(AL - Y))


@pytest.mark.parametrize(
    ("output", "name"),
    [
        ("sigmoid", "binary_crossentropy"),
        ("softmax", "categorical_crossentropy"),
        ("linear", "squared_error"),
    ],
)
def test_fused_delta_is_the_chain_rule(output: str, name: str, rng: np.random.Generator) -> None:
    act, loss = ACTIVATIONS[output], LOSSES[name]
    assert is_fused(act, loss)
    n_y = 1 if name == "binary_crossentropy" else 3
    _, Y = sample(name, rng, n_y=n_y, m=6)
    Z = rng.standard_normal(Y.shape)
    AL = act.forward(Z)
    chained = act.backward(loss.gradient(AL, Y), Z, AL)  # dL/dA ⊙ g'(Z)
    np.testing.assert_allclose(fused_delta(AL, Y), chained, rtol=1e-9, atol=1e-12)


def test_pairs_that_are_not_fused() -> None:
    assert not is_fused(ACTIVATIONS["linear"], LOSSES["absolute_error"])
    assert not is_fused(ACTIVATIONS["tanh"], LOSSES["squared_error"])
    assert not is_fused(ACTIVATIONS["sigmoid"], LOSSES["squared_error"])


def test_default_loss_follows_the_output() -> None:
    assert default_loss("sigmoid", 1).name == "binary_crossentropy"
    assert default_loss("sigmoid", 3).name == "multilabel_crossentropy"
    assert default_loss("softmax", 3).name == "categorical_crossentropy"
    assert default_loss("linear", 2).name == "squared_error"


def test_get_loss_names_aliases_and_records() -> None:
    for name, loss in LOSSES.items():
        assert isinstance(loss, Loss)
        assert get_loss(name) is loss
        assert get_loss(loss) is loss
    assert get_loss("bce") is LOSSES["binary_crossentropy"]
    assert get_loss("ce") is LOSSES["categorical_crossentropy"]
    assert get_loss("mse") is LOSSES["squared_error"]
    assert get_loss("mae") is LOSSES["absolute_error"]


def test_unknown_loss_lists_the_valid_names() -> None:
    with pytest.raises(
        ValueError, match=r"Unknown loss 'hinge'\. Valid names: .*binary_crossentropy"
    ):
        get_loss("hinge")


@pytest.mark.parametrize("name", ["binary_crossentropy", "multilabel_crossentropy"])
def test_labels_must_be_zero_or_one(name: str) -> None:
    with pytest.raises(
        ValueError, match=r"Y must hold only 0 and 1 for binary cross-entropy; found 2\.0"
    ):
        LOSSES[name].check_targets(np.array([[0.0, 1.0, 2.0]]))
    LOSSES[name].check_targets(np.array([[0.0, 1.0, 1.0]]))


def test_categorical_targets_must_be_one_hot() -> None:
    check = LOSSES["categorical_crossentropy"].check_targets
    check(np.array([[1.0, 0.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"Y must be one-hot .*column 1 is \[1\.0, 1\.0\]"):
        check(np.array([[1.0, 1.0], [0.0, 1.0]]))
    with pytest.raises(ValueError, match=r"one-hot.*column 0 is \[0\.5, 0\.5\]"):
        check(np.array([[0.5, 1.0], [0.5, 0.0]]))


def test_categorical_from_logits_shifts_each_column_by_its_own_max() -> None:
    # columns a thousand apart: one shift for all would underflow the lower column to log(0)
    ZL = np.array([[1000.0, -1000.0], [999.0, -1001.0]])
    Y = np.array([[1.0, 0.0], [0.0, 1.0]])
    cost = LOSSES["categorical_crossentropy"].cost_from_logits(ZL, Y)
    expected = (np.log1p(np.exp(-1.0)) + (1 + np.log1p(np.exp(-1.0)))) / 2
    assert cost == pytest.approx(expected, rel=1e-12)


def test_a_target_that_is_not_one_hot_names_its_first_bad_column() -> None:
    from layerwise.losses import check_one_hot

    Y = np.eye(3)[:, [0, 1, 2, 0]]
    Y[:, 2] = [0.5, 0.5, 0.0]
    Y[:, 3] = [1.0, 1.0, 0.0]
    with pytest.raises(ValueError) as err:
        check_one_hot(Y)
    assert str(err.value) == (
        "Y must be one-hot for categorical cross-entropy (one 1 per column); column 2 is "
        "[0.5, 0.5, 0.0]. Hint: layerwise.data.one_hot(labels, n_classes)."
    )


# ----- the outputs table: which pairs, the refusals, the fused deltas, accuracy -----------------
def _mine(name: str = "mine") -> Activation:
    """A custom elementwise output record."""
    return Activation(name, lambda Z: Z / (1 + np.abs(Z)), lambda Z, A: 1 / (1 + np.abs(Z)) ** 2)


def _my_loss() -> Loss:
    half = LOSSES["squared_error"]
    return Loss("myloss", half.elementwise, half.gradient, half.check_targets)


HINT = ". Hint: see layerwise.outputs."
REFUSED = {
    "softmax for binary": (
        ACTIVATIONS["softmax"], "binary_crossentropy", 1,
        "loss 'binary_crossentropy' needs output activation sigmoid, got 'softmax'" + HINT,
    ),
    "softmax for squared error": (
        ACTIVATIONS["softmax"], "squared_error", 1,
        "loss 'squared_error' needs output activation linear or sigmoid or tanh or relu or "
        "leaky_relu, got 'softmax'" + HINT,
    ),
    "a custom output for classes": (
        _mine(), "categorical_crossentropy", 3,
        "loss 'categorical_crossentropy' needs output activation softmax, got 'mine' "
        "(a custom record)" + HINT,
    ),
    "a custom record named sigmoid for binary": (
        _mine("sigmoid"), "binary_crossentropy", 1,
        "loss 'binary_crossentropy' needs output activation sigmoid, got 'sigmoid' "
        "(a custom record)" + HINT,
    ),
    "a custom loss after softmax": (
        ACTIVATIONS["softmax"], _my_loss(), 3,
        "loss 'myloss' needs output activation none, got 'softmax'" + HINT,
    ),
    "binary with two units": (
        ACTIVATIONS["sigmoid"], "binary_crossentropy", 2,
        "binary_crossentropy needs one output unit, got 2. Hint: use "
        "loss='multilabel_crossentropy' for several independent labels.",
    ),
    "classes with one unit": (
        ACTIVATIONS["softmax"], "categorical_crossentropy", 1,
        "categorical_crossentropy needs at least 2 output units, got 1. Hint: a binary target "
        "takes one sigmoid unit.",
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", REFUSED)
def test_find_pair_says_what_would_pair(name: str) -> None:
    output, loss, n_y, message = REFUSED[name]
    loss = LOSSES[loss] if isinstance(loss, str) else loss
    with pytest.raises(ValueError) as err:
        find_pair(output, loss, n_y)
    assert str(err.value) == message


def test_find_pair_rows_and_the_pairs_built_for_custom_records() -> None:
    sigmoid, softmax = ACTIVATIONS["sigmoid"], ACTIVATIONS["softmax"]
    assert find_pair(sigmoid, LOSSES["binary_crossentropy"], 1) is PAIRS[0]
    assert find_pair(sigmoid, LOSSES["multilabel_crossentropy"], 1) is PAIRS[1]
    assert find_pair(softmax, LOSSES["categorical_crossentropy"], 2) is PAIRS[2]
    assert find_pair(ACTIVATIONS["tanh"], LOSSES["absolute_error"], 4).task == "regression"
    custom = find_pair(_mine(), LOSSES["squared_error"], 3)
    assert (custom.output, custom.loss, custom.task) == ("mine", "squared_error", "regression")
    assert (custom.min_n_y, custom.max_n_y, custom.fused) == (1, None, False)
    own = find_pair(sigmoid, _my_loss(), 2)
    assert (own.output, own.loss, own.task, own.fused) == ("sigmoid", "myloss", "regression", False)


def test_default_loss_of_other_outputs() -> None:
    assert default_loss("tanh", 1).name == "squared_error"
    assert default_loss("leaky_relu", 3).name == "squared_error"
    assert default_loss("a custom name", 2).name == "squared_error"
    assert default_loss("softmax", 1).name == "categorical_crossentropy"  # find_pair refuses it


def test_is_fused_needs_the_librarys_own_records() -> None:
    assert is_fused(ACTIVATIONS["sigmoid"], LOSSES["multilabel_crossentropy"])
    assert not is_fused(_mine("sigmoid"), LOSSES["binary_crossentropy"])
    assert not is_fused(ACTIVATIONS["linear"], _my_loss())
    assert not is_fused(ACTIVATIONS["softmax"], LOSSES["binary_crossentropy"])  # not a row


@pytest.mark.parametrize(
    ("delta", "output", "targets"),
    [
        (sigmoid_delta, "sigmoid", lambda Y, c: c * (0.5 - Y)),
        (softmax_delta, "softmax", lambda Y, c: c * Y),
        (linear_delta, "linear", lambda Y, c: c * Y),
    ],
)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_the_fused_deltas_write_c_times_al_minus_y(delta, output, targets, dtype, rng) -> None:
    ZL = (rng.standard_normal((3, 5)) * 3).astype(dtype)
    ZL[:, 0] += 800.0  # a column whose exponentials overflow unless its max is subtracted
    Y = np.eye(3, dtype=dtype)[:, rng.integers(0, 3, 5)]
    c = 0.25
    dZ, col = np.empty_like(ZL), np.empty(5, dtype)
    for op in delta(ZL, targets(Y, c).astype(dtype), dZ, col, c):
        op()
    assert dZ.dtype == dtype
    AL = ACTIVATIONS[output].forward(ZL.astype(np.float64))
    tol = 1e-12 if dtype == np.float64 else 1e-5
    np.testing.assert_allclose(dZ, c * (AL - Y), rtol=tol, atol=tol)


def test_the_targets_part_of_the_fused_deltas(rng) -> None:
    Y, T = rng.random((2, 4)), np.empty((2, 4))
    half_minus_targets(Y, T)
    np.testing.assert_array_equal(T, 0.5 - Y)
    copy_targets(Y, T)
    np.testing.assert_array_equal(T, Y)
    assert PAIRS[0].targets is half_minus_targets and PAIRS[2].targets is copy_targets


def test_accuracy_from_logits_for_each_classification_pair() -> None:
    ACT = ACTIVATIONS
    ZL = np.array([[2.0, -1.0, 0.0, 3.0], [1.0, 4.0, -2.0, 0.5], [0.0, 0.0, 1.0, 4.0]])
    Y = np.eye(3)[:, [0, 1, 0, 2]]
    assert accuracy_from_logits(ACT["softmax"], LOSSES["categorical_crossentropy"], ZL, Y) == 0.75
    z, y = np.array([[1.0, -1.0, 0.0, 2.0]]), np.array([[1.0, 0.0, 1.0, 0.0]])
    assert accuracy_from_logits(ACT["sigmoid"], LOSSES["binary_crossentropy"], z, y) == 0.5
    z2, y2 = np.array([[1.0, -1.0], [0.5, 0.0]]), np.array([[1.0, 1.0], [1.0, 0.0]])
    assert accuracy_from_logits(ACT["sigmoid"], LOSSES["multilabel_crossentropy"], z2, y2) == 0.75
    for output, loss in [
        (ACT["linear"], LOSSES["squared_error"]),
        (ACT["linear"], LOSSES["absolute_error"]),
        (_mine("sigmoid"), LOSSES["binary_crossentropy"]),
    ]:
        assert accuracy_from_logits(output, loss, z, y) is None
