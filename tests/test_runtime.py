"""Tests for ``layerwise.runtime`` and the engine's surface it uses: typed steps, the epoch's
examples, the replay the divergence guard runs, and one Run driven epoch by epoch as ``fit``
drives it."""

from __future__ import annotations

import numpy as np
import pytest

from layerwise import EarlyStopping, Network, get_activation
from layerwise.engine import Engine
from layerwise.engine.tape import Step, activation_ops
from layerwise.optimizers import get_optimizer
from layerwise.runtime import Run, Saving, prepare_inputs
from layerwise.training import reference_fit


def _engine(m: int = 10, B: int = 4, shuffle: bool = True) -> tuple[Network, Engine]:
    net = Network([2, 3, 1], seed=1)
    X_rows = np.random.default_rng(0).standard_normal((m, 2))
    Y_rows = (X_rows[:, :1] > 0).astype(float)
    return net, Engine(net, X_rows, Y_rows, B, shuffle, None, get_optimizer("gd", 0.1))


def test_steps_are_typed_and_cover_the_epoch_in_order() -> None:
    _, engine = _engine()
    assert all(isinstance(s, Step) for s in engine.steps)
    assert [(s.first, s.end) for s in engine.steps] == [(0, 4), (4, 8), (8, 10)]
    assert [engine.seen(k) for k in (1, 2, 3)] == [4, 8, 10]
    assert engine.ops == [op for s in engine.steps for op in s.ops]  # one tape, step by step


def test_examples_are_the_epochs_logits_targets_and_weights_in_its_order() -> None:
    _, engine = _engine()
    engine.epoch(np.random.default_rng(3))
    ZL, Y, w = engine.examples(4, 8)
    assert ZL.shape == Y.shape == (1, 4) and w is None
    np.testing.assert_array_equal(Y, engine.Y_rows[engine.order[4:8]].T)  # shuffled order


def test_an_epochs_order_is_the_streams_permutation_or_its_blocks() -> None:
    from layerwise.random import shuffle_order

    order = np.empty(10, np.int64)
    shuffle_order(np.random.default_rng(3), order, None)  # what fit over several calls repeats
    np.testing.assert_array_equal(order, np.random.default_rng(3).permutation(10))
    shuffle_order(np.random.default_rng(3), order, 4)  # blocks 0-3, 4-7, 8-9 in random order
    rng = np.random.default_rng(3)
    starts = rng.permutation([0, 4, 8])
    assert list(starts) != [0, 4, 8]  # (this stream moves the blocks)
    expected = [s + rng.permutation(min(4, 10 - s)) for s in starts]  # each shuffled inside
    np.testing.assert_array_equal(order, np.concatenate(expected))


def test_replay_steps_starts_where_this_process_started_the_epoch() -> None:
    net, engine = _engine()
    rng = np.random.default_rng(3)
    theta = net.theta.copy()
    engine.epoch(rng)
    after = net.theta.copy()
    assert [k for k, _ in engine.replay_steps()] == [0, 1, 2]
    net.theta[...] = theta
    for _, step in engine.replay_steps():
        step.run()
    np.testing.assert_array_equal(net.theta, after)  # a replay is the same steps, same bits
    order = engine.order.copy()
    engine.epoch(rng, stop=lambda: True)  # stopped after its first step
    engine.order[:] = order  # (what checkpoint.epoch puts back, with the logits and terms)
    engine.epoch(rng, start=1)
    assert [k for k, _ in engine.replay_steps()] == [1, 2]


def test_a_hidden_layer_takes_its_records_own_code() -> None:
    A, dA, scratch, mask = (np.zeros((2, 3)) for _ in range(4))
    relu = get_activation("relu")
    forward, _ = activation_ops(relu, A, dA, scratch, mask)
    assert [op.func for op in forward] == [np.greater, np.multiply]  # its in-place ops
    custom = get_activation("relu").__class__("relu", np.abs, lambda Z, A: np.sign(Z))
    forward, _ = activation_ops(custom, A, dA, scratch, mask)  # named relu, its own code
    A[...] = -1.0
    for op in forward:
        op()
    np.testing.assert_array_equal(A, np.ones((2, 3)))
    with pytest.raises(ValueError, match=r"activation 'softmax' is not elementwise, so it cannot"):
        activation_ops(get_activation("softmax"), A, dA, scratch, mask)


def test_a_run_driven_epoch_by_epoch_is_fit(tmp_path) -> None:
    X = np.random.default_rng(2).standard_normal((2, 30))
    Y = (X[:1] * X[1:] > 0).astype(float)
    ref = Network([2, 4, 1], seed=5)
    ref_history = ref.fit(X, Y, epochs=4, learning_rate=0.3, batch_size=8)
    net = Network([2, 4, 1], seed=5)
    data = prepare_inputs(
        net, X, Y, batch_size=8, shuffle=True, shuffle_block=None, sample_weight=None, dev=None
    )
    run = Run(net, data, get_optimizer("gd", 0.3), net.shuffle_rng, [], 4)
    assert run.epochs_left == range(4)
    assert not any(run.train_epoch(epoch) for epoch in run.epochs_left)
    assert run.finish().cost == ref_history.cost
    np.testing.assert_array_equal(net.theta, ref.theta)

    # with a checkpoint of the whole run, a resumed Run has nothing left to do
    def build(saving: Saving) -> Run:
        net, opt = Network([2, 4, 1], seed=5), get_optimizer("gd", 0.3)
        return Run(
            net, data, opt, net.shuffle_rng, [EarlyStopping(monitor="cost", patience=9)], 2, saving
        )

    first = build(Saving(tmp_path / "c.npz"))
    for epoch in first.epochs_left:
        first.train_epoch(epoch)
    assert build(Saving(tmp_path / "c.npz", resume=True)).epochs_left == range(2, 2)


def test_the_engine_trains_as_the_courses_loop_on_a_separate_first_layer_bias(
    rng: np.random.Generator, engine_path: str
) -> None:
    # gathered batches of 64 × 200 > 8192 values: the first layer's bias is not in its GEMM
    X = rng.standard_normal((200, 256))
    Y = np.eye(3)[:, rng.integers(0, 3, 256)]
    fast, slow = (Network([200, 16, 3], hidden="relu", output="softmax", seed=0) for _ in "ab")
    history = fast.fit(X, Y, epochs=2, learning_rate=0.1, batch_size=64, shuffle=False)
    costs = reference_fit(slow, X, Y, epochs=2, learning_rate=0.1, batch_size=64)
    np.testing.assert_allclose(fast.theta, slow.theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(history.cost, costs, rtol=1e-10)
