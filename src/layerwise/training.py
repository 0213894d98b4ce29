"""Training: mini-batches and the fit loop.

``batch_size=None`` is batch gradient descent (the course's default: one update per epoch, so an
epoch is an iteration), an int is mini-batch gradient descent, and 1 is stochastic gradient
descent. The cost recorded for an epoch is the mean loss over the examples of the epoch, each
computed in the forward pass just before its update (for full batch: the course's
"cost before each update"). The steps themselves run in :mod:`layerwise.engine`.

``fit`` is also ``Network.fit`` (one definition): ``net.fit(X, Y, ...)`` is ``fit(net, X, Y, ...)``.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _validation as v
from .callbacks import Callback, DivergenceError, History, ProgressBar
from .divergence import Guard
from .engine import Engine
from .optimizers import Optimizer, get_optimizer
from .outputs import accuracy_from_logits, is_fused
from .random import Seed, shuffle_rng

if TYPE_CHECKING:
    from .network import Network

Array = np.ndarray


def _epoch_cost(net: Network, ZL: Array, Y: Array, w: Array | None = None) -> float:
    """Mean loss over the columns from the logits (stable for the fused pairs); with
    weights ``w (m,)`` of mean 1, the weighted mean (1/m) Σ w_i L_i."""
    loss, act = net.loss, net.activations[-1]
    fused = is_fused(act, loss)
    if w is None:
        return loss.cost_from_logits(ZL, Y) if fused else loss.cost(act.forward(ZL), Y)
    entries = loss.from_logits(ZL, Y) if fused else loss.elementwise(act.forward(ZL), Y)
    return float(entries.sum(axis=0) @ w) / ZL.shape[1]  # (n_y, m) -> (m,) -> scalar


def _evaluate(net: Network, X: Array, Y: Array, w: Array | None = None) -> tuple[float, Any]:
    """Dev cost Σ w L / Σ w + λ/(2 Σ w) Σ‖W‖² (plain means without ``w``) and accuracy."""
    ZL = net._forward(X)[1][-1].Z  # X was checked once, when fit began
    m = X.shape[1]
    s = 1.0 if w is None else float(w.mean())
    cost = _epoch_cost(net, ZL, Y, None if w is None else w / s) + net.l2_penalty(m) / s
    return cost, accuracy_from_logits(net.activations[-1], net.loss, ZL, Y)


def fit(
    net: Network,
    X: Array,
    Y: Array,
    *,
    epochs: int = 100,
    learning_rate: float | None = 0.01,
    optimizer: str | Optimizer = "gd",
    batch_size: int | None = None,
    shuffle: bool = True,
    seed: Seed = None,
    dev: tuple[Array, ...] | None = None,
    callbacks: Sequence[Callback] = (),
    verbose: bool = False,
    shuffle_block: int | None = None,
    sample_weight: Array | None = None,
    checkpoint: str | Path | None = None,
    checkpoint_every: int = 1,
    resume: bool = False,
) -> History:
    """Train ``net`` in place on ``X (n_x, m)``, ``Y (n_y, m)``; return the History.

    Parameters
    ----------
    epochs : int
        Passes over the data (with ``batch_size=None`` each is one iteration).
    learning_rate : float
        α > 0; ignored when ``optimizer`` is an Optimizer instance.
    optimizer : {"gd", "momentum", "rmsprop", "adam"} or Optimizer
    batch_size : int or None
        None: batch gradient descent; B: mini-batches of B examples (the last may be smaller);
        1: stochastic gradient descent.
    shuffle : bool
        Reshuffle the examples every epoch (mini-batch only), from ``seed``.
    seed : int, optional
        Seed of this call's shuffle. By default the network's own shuffle stream continues
        (``net.shuffle_rng``), so two calls of one epoch shuffle differently, and a network
        built with the same seed trains the same way.
    dev : (X_dev, Y_dev) or (X_dev, Y_dev, w_dev), optional
        Evaluated after every epoch: ``dev_cost`` (weighted by ``w_dev`` if given) and
        ``dev_accuracy``.
    callbacks : list of Callback
        E.g. ``EarlyStopping(patience=5)``, ``PrintCost(100)``, ``ProgressBar()``.
    verbose : bool
        Shortcut for a ``ProgressBar``.
    shuffle_block : int, optional
        Shuffle by blocks of this many examples (for memory-mapped data); default: a plain
        shuffle for in-memory arrays and blocks of 4096 for ``np.memmap`` inputs.
    sample_weight : array (m,), optional
        Frequency weights w ≥ 0: weight 2 counts an example twice. With s = mean(w) the cost is
        J = (1/m) Σ (w_i/s) L_i + λ/(2ms) Σ‖W‖² = Σ w L / Σ w + λ/(2 Σw) Σ‖W‖², so a mini-batch
        gradient is an unbiased estimate of the full one, and full-batch training with weight
        2 equals training with the example duplicated. In the backward pass: dZ[L] ⊙ (w/s).
    checkpoint : path, optional
        Write a checkpoint file (see :mod:`layerwise.checkpoint`) every ``checkpoint_every``
        epochs and after the last; a folder gets ``checkpoint.npz`` inside.
    checkpoint_every : int
        Epochs between checkpoints (default 1).
    resume : bool
        If ``checkpoint`` exists, continue the run it holds (θ, optimizer, shuffle stream,
        History, callbacks): the same call run again ends exactly as the uninterrupted run.
        Refused (ValueError) if the data or settings differ. Without a file: a fresh start.

    Raises
    ------
    DivergenceError
        If the cost becomes NaN/inf, naming the epoch and the learning rate.
    """
    _check_network(net)
    epochs = v.check_int("epochs", epochs)
    opt = get_optimizer(optimizer, learning_rate)
    n_x, n_y = net.layer_dims[0], net.layer_dims[-1]
    X_rows = _examples_as_rows("X", X, n_x, net.dtype)  # (m, n_x), C order: a batch is contiguous
    m = X_rows.shape[0]
    Y = v.check_targets(Y, (n_y, m), net.dtype)
    net.loss.check_targets(Y)
    Y_rows = np.ascontiguousarray(Y.T)  # (m, n_y)
    B = m if batch_size is None else min(v.check_int("batch_size", batch_size), m)
    dev_set = None if dev is None else _check_dev(net, dev)
    w_rows, l2_scale = None, 1.0
    w = None if sample_weight is None else _weights(sample_weight, m)
    if w is not None:
        l2_scale = 1.0 / float(w.mean())  # λ acts as λ/s
        w_rows = (w * l2_scale).astype(net.dtype)[:, None]  # (m, 1), mean 1
    rng = net.shuffle_rng if seed is None else shuffle_rng(seed)
    callbacks = list(callbacks) + ([ProgressBar()] if verbose else [])
    if shuffle_block is not None:
        v.check_int("shuffle_block", shuffle_block)
    elif isinstance(X_rows, np.memmap):
        shuffle_block = 4096  # keep reads from a memory-mapped file near each other
    shuffled = shuffle and m > B  # full batch: the order does not matter
    engine = Engine(net, X_rows, Y_rows, B, shuffled, shuffle_block, opt, w_rows, l2_scale)
    guard = Guard(net, opt, engine)  # divergence: θ at each epoch's start, to rewind to
    history = History()
    for cb in callbacks:
        cb.on_train_begin(net, epochs)
    # ----- checkpoint (layerwise.checkpoint): restore before the loop, save after epochs -----
    saver = None
    if checkpoint is not None:
        from .checkpoint.state import Checkpointer

        settings = {"batch_size": B, "shuffle": shuffled, "shuffle_block": shuffle_block}
        data = (X_rows, Y_rows, w_rows) + (() if dev_set is None else dev_set)
        saver = Checkpointer(
            checkpoint, checkpoint_every, resume, net=net, optimizer=opt, rng=rng,
            callbacks=callbacks, data=data, settings=settings, seed=seed, engine=engine,
        )  # fmt: skip
    first, start, seconds = (0, 0, 0.0) if saver is None else saver.restore(history, epochs)
    for epoch in range(first, epochs):
        began = time.perf_counter() - seconds  # a resumed epoch: the seconds it had run before
        for cb in callbacks if start == 0 else ():  # a resumed epoch began in an earlier run
            cb.on_epoch_begin(net, epoch)
        asked = None if saver is None else saver.stop_requested  # after any step (a signal)
        logs = _epoch(net, engine, rng, dev_set, epoch, opt.learning_rate, guard, asked, start)
        if logs is None:  # stopped after a step: checkpoint the epoch so far, then raise
            saver.interrupt(epoch, history, time.perf_counter() - began)
        start, seconds = 0, 0.0
        logs["seconds"] = time.perf_counter() - began
        history.record(logs)
        stop = any([bool(cb.on_epoch_end(net, epoch, logs)) for cb in callbacks])
        if stop:
            history.stopped_epoch = epoch
        if saver is not None:  # checkpoint: every K epochs, the last one, or on a signal
            saver.epoch_end(epoch, history, last=stop or epoch + 1 == epochs)
        if stop:
            break
    for cb in callbacks:
        cb.on_train_end(net, history)
    return history


def _epoch(
    net: Network, engine: Engine, rng, dev_set, epoch: int, alpha: float, guard, stop, start: int
) -> dict | None:
    """One epoch of steps, from step ``start`` (a resumed epoch); the logs: cost, dev cost,
    accuracies. None when ``stop()`` ended the epoch after a step (its steps so far finite).
    ``DivergenceError`` if a cost is not finite, with θ rewound to before the first
    mini-batch that made it so."""
    logs: dict[str, float] = {"epoch": epoch}
    guard.begin_epoch()
    with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
        done = engine.epoch(rng, stop, start)
        j = engine.steps[done - 1][3]  # the examples seen: 0..j-1 of the epoch's order
        ZL, Y_epoch = engine.ZL_epoch[:, :j], engine.Y_epoch[:j].T  # (n_y, j), same order
        w_epoch = None if engine.w_rows is None else engine.w_epoch[:j, 0]  # (j,), same order
        logs["cost"] = _epoch_cost(net, ZL, Y_epoch, w_epoch) + engine.penalty()
        if dev_set is not None and done == len(engine.steps):
            logs["dev_cost"], dev_acc = _evaluate(net, *dev_set)
    if not (np.isfinite(logs["cost"]) and guard.theta_finite()):  # divergence
        _diverged(net, engine, guard, epoch, alpha, logs["cost"])
    if done < len(engine.steps):
        return None
    if "dev_cost" in logs and not np.isfinite(logs["dev_cost"]):  # (the training cost: above)
        raise DivergenceError(
            f"Cost became {logs['dev_cost']} on the dev set at epoch {epoch} "
            f"(learning_rate={alpha}): the model diverged; "
            "lower the learning rate or standardize X."
        )
    acc = accuracy_from_logits(net.activations[-1], net.loss, ZL, Y_epoch)
    if acc is not None:
        logs["accuracy"] = acc
    if dev_set is not None and dev_acc is not None:
        logs["dev_accuracy"] = dev_acc
    return logs


def _diverged(net: Network, engine: Engine, guard, epoch: int, alpha: float, cost: float) -> None:
    """Raise DivergenceError, θ rewound to the last finite one, before the step that broke it."""
    if isinstance(engine.X_rows, np.memmap):  # not read whole before training
        _check_rows_finite(engine.X_rows)  # bad data is not divergence
    where = guard.rewind(
        lambda i, j: _epoch_cost(net, engine.ZL_epoch[:, i:j], engine.Y_epoch[i:j].T)
    )
    cost = cost if not np.isfinite(cost) else "finite, θ not"
    step = "" if where is None else f" at the mini-batch starting with example {where[1]}"
    raise DivergenceError(
        f"Cost became {cost} at epoch {epoch} (learning_rate={alpha}): the model "
        "diverged; lower the learning rate or standardize X. Training "
        f"stopped{step} and kept the last finite parameters."
    )


def _check_rows_finite(X_rows: Array, chunk: int = 65536) -> None:
    """Raise ``ValueError`` naming the first NaN/inf of ``X_rows (m, n_x)``, read in chunks of
    rows (a memory-mapped file is never loaded whole)."""
    for start in range(0, X_rows.shape[0], chunk):
        block = np.asarray(X_rows[start : start + chunk])  # (≤ chunk, n_x)
        bad = ~np.isfinite(block)
        if bad.any():
            example, feature = np.argwhere(bad)[0]
            raise ValueError(
                f"X contains NaN/inf values (first at column {start + example}, row {feature}: "
                "the example's feature): the data is bad, the model did not diverge. "
                "Hint: drop those examples or fill in the missing values first."
            )


def _check_network(net: Any) -> None:
    """``fit`` trains a layerwise Network (checked by what it needs, as the core's modules do
    not import the Network class they serve)."""
    if not all(hasattr(net, a) for a in ("layer_dims", "theta", "layers", "loss", "shuffle_rng")):
        raise TypeError(
            f"net must be a layerwise.Network, got {type(net).__name__}. "
            "Hint: net = layerwise.Network([n_x, ..., n_y])."
        )


def _check_dev(net: Network, dev: Any) -> tuple[Array, Array, Array | None]:
    """``(X_dev (n_x, m_dev), Y_dev (n_y, m_dev), w_dev (m_dev,) or None)``, checked."""
    if not isinstance(dev, tuple | list) or len(dev) not in (2, 3):
        raise ValueError(
            f"dev must be (X_dev, Y_dev) or (X_dev, Y_dev, w_dev), got {type(dev).__name__}"
            f"{f' of {len(dev)} items' if isinstance(dev, tuple | list) else ''}."
        )
    n_x, n_y = net.layer_dims[0], net.layer_dims[-1]
    X_dev = v.check_inputs("dev X", dev[0], n_x, net.dtype)
    Y_dev = v.check_targets(dev[1], (n_y, X_dev.shape[1]), net.dtype)
    net.loss.check_targets(Y_dev)
    w_dev = _weights(dev[2], X_dev.shape[1]) if len(dev) > 2 else None
    return X_dev, Y_dev, w_dev


def _weights(sample_weight: Any, m: int) -> Array | None:
    """Checked per-example weights ``(m,)``; None when all are 1 (the same fit, unweighted)."""
    w = v.check_sample_weight(sample_weight, m)
    return None if np.all(w == 1) else w


def _examples_as_rows(name: str, X: Any, n_x: int, dtype: np.dtype) -> Array:
    """``X (n_x, m)`` as ``(m, n_x)`` C-ordered rows: free when X is a transposed row-major array
    (as ``data.T`` or the course's ``x.reshape(m, -1).T``); otherwise one copy."""
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[0] == n_x and X.shape[1] > 0:
        rows = X.T
        if rows.flags.c_contiguous and rows.dtype == dtype:
            if not isinstance(X, np.memmap):  # never read a memory-mapped file whole; a NaN
                v.check_finite(name, X)  # there surfaces as a DivergenceError instead
            return rows
    X = v.check_inputs(name, X, n_x)
    return np.ascontiguousarray(X.T, dtype=dtype)
