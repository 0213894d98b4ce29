"""Training: mini-batches, the fit loop, its History and callbacks.

``batch_size=None`` is batch gradient descent (the course's default: one update per epoch, so an
epoch is an iteration), an int is mini-batch gradient descent, and 1 is stochastic gradient
descent. The cost recorded for an epoch is the mean loss over the examples of the epoch, each
computed in the forward pass just before its update (for full batch: the course's
"cost before each update").
"""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from . import _validation as v
from ._engine import Engine
from .divergence import Guard
from .initializers import Seed, shuffle_rng
from .losses import is_fused
from .network import Network
from .optimizers import Optimizer, get_optimizer

Array = np.ndarray


class DivergenceError(FloatingPointError):
    """The cost became NaN or infinite during training."""


@dataclass
class History:
    """What training recorded, one entry per epoch.

    ``cost[e]``: mean training cost over epoch e (for full batch, the cost before update e);
    ``dev_cost[e]``: cost on the dev set after epoch e; ``metrics``: e.g. ``"accuracy"`` and
    ``"dev_accuracy"`` for classification.
    """

    cost: list[float] = field(default_factory=list)
    dev_cost: list[float] = field(default_factory=list)
    metrics: dict[str, list[float]] = field(default_factory=dict)
    epoch_seconds: list[float] = field(default_factory=list)
    stopped_epoch: int | None = None
    best_epoch: int | None = None

    @property
    def epochs(self) -> int:
        return len(self.cost)

    @property
    def history(self) -> dict[str, list[float]]:
        """Keras-style dict of every curve: ``cost``, ``dev_cost``, metrics."""
        out = {"cost": self.cost}
        if self.dev_cost:
            out["dev_cost"] = self.dev_cost
        return out | self.metrics

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: every curve plus where training stopped."""
        return self.history | {
            "epoch_seconds": self.epoch_seconds,
            "stopped_epoch": self.stopped_epoch,
            "best_epoch": self.best_epoch,
        }

    def record(self, logs: dict[str, float]) -> None:
        self.cost.append(logs["cost"])
        if "dev_cost" in logs:
            self.dev_cost.append(logs["dev_cost"])
        for key, value in logs.items():
            if key not in ("cost", "dev_cost", "epoch", "seconds"):
                self.metrics.setdefault(key, []).append(value)
        self.epoch_seconds.append(logs["seconds"])


class Callback:
    """Hooks around training. ``on_epoch_end`` returns True to stop."""

    def on_train_begin(self, net: Network, epochs: int) -> None: ...

    def on_epoch_begin(self, net: Network, epoch: int) -> None: ...

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> bool | None: ...

    def on_train_end(self, net: Network, history: History) -> None: ...


MONITORS = ("cost", "dev_cost", "accuracy", "dev_accuracy")


class EarlyStopping(Callback):
    """Stop when ``monitor`` has not improved by ``min_delta`` for ``patience`` epochs.

    ``monitor`` is one of ``MONITORS``: costs must fall, accuracies rise. With ``restore_best``
    the parameters that scored best are put back at the end (for the training cost and
    accuracy, measured during an epoch, those the epoch began with).
    """

    def __init__(
        self,
        patience: int = 10,
        monitor: str = "dev_cost",
        min_delta: float = 0.0,
        restore_best: bool = True,
    ) -> None:
        self.patience = v.check_int("patience", patience)
        self.monitor = v.check_choice("monitor", monitor, MONITORS)
        self.min_delta = v.check_positive("min_delta", min_delta, allow_zero=True)
        self.restore_best = restore_best

    def on_train_begin(self, net: Network, epochs: int) -> None:
        self.best, self.best_epoch, self.wait, self.best_theta = np.inf, None, 0, None
        self.start_theta = None

    def on_epoch_begin(self, net: Network, epoch: int) -> None:
        # The training cost of an epoch is measured before its updates (the dev cost after
        # them), so the parameters that earned a training cost are those the epoch began with.
        if self.restore_best and self.monitor in ("cost", "accuracy"):
            self.start_theta = net.theta.copy()

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> bool:
        if self.monitor not in logs:
            raise ValueError(
                f"EarlyStopping monitors {self.monitor!r}, which training does not record; "
                f"recorded: {sorted(logs)}. Hint: pass dev=(X_dev, Y_dev) to monitor dev_cost."
            )
        value = -logs[self.monitor] if "accuracy" in self.monitor else logs[self.monitor]
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best:
                started = self.start_theta
                self.best_theta = started if started is not None else net.theta.copy()
            return False
        self.wait += 1
        return self.wait >= self.patience

    def on_train_end(self, net: Network, history: History) -> None:
        history.best_epoch = self.best_epoch
        if self.restore_best and self.best_theta is not None:
            net.theta[...] = self.best_theta


class PrintCost(Callback):
    """The course's printout: ``Cost after iteration 100: 0.6723...`` every ``every`` epochs."""

    def __init__(self, every: int = 100, file=None) -> None:
        self.every = v.check_int("every", every)
        self.file = file

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        if epoch % self.every == 0:
            print(f"Cost after iteration {epoch}: {logs['cost']}", file=self.file or sys.stdout)


class ProgressBar(Callback):
    """A tqdm bar on a terminal (cost, dev cost, metric per epoch); one line per epoch otherwise."""

    def __init__(self, file=None, force_lines: bool = False) -> None:
        self.file = file or sys.stderr
        self.force_lines = force_lines

    def on_train_begin(self, net: Network, epochs: int) -> None:
        self.bar = None
        if not self.force_lines and getattr(self.file, "isatty", lambda: False)():
            try:
                from tqdm.auto import tqdm
            except ImportError:  # the progress extra is not installed: print lines
                tqdm = None
            if tqdm is not None:
                self.bar = tqdm(total=epochs, unit="epoch", file=self.file, dynamic_ncols=True)

    def on_epoch_end(self, net: Network, epoch: int, logs: dict[str, float]) -> None:
        shown = {k: logs[k] for k in logs if k not in ("epoch", "seconds")}
        if self.bar is not None:
            self.bar.set_postfix({k: f"{x:.4g}" for k, x in shown.items()}, refresh=False)
            self.bar.update(1)
        else:
            parts = " ".join(f"{k}={x:.6g}" for k, x in shown.items())
            print(
                f"epoch {epoch + 1}: {parts} ({logs['seconds']:.3f}s)", file=self.file, flush=True
            )

    def on_train_end(self, net: Network, history: History) -> None:
        if self.bar is not None:
            self.bar.close()


def accuracy_from_logits(output: str, ZL: Array, Y: Array) -> float | None:
    """Fraction correct from logits Z[L] (n_y, m): argmax for softmax, z > 0 for sigmoid
    (entrywise for multi-label); None for regression outputs."""
    if output == "softmax":
        hits = ZL.argmax(axis=0) == Y.argmax(axis=0)
    elif output == "sigmoid":
        hits = (ZL > 0) == (Y > 0.5)
    else:
        return None
    return np.count_nonzero(hits) / hits.size


def _epoch_cost(net: Network, ZL: Array, Y: Array, w: Array | None = None) -> float:
    """Mean loss over the columns from the logits (stable for the natural pairs); with
    weights ``w (m,)`` of mean 1, the weighted mean (1/m) Σ w_i L_i."""
    loss, act = net.loss, net.activations[-1]
    fused = is_fused(loss, act.name)
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
    return cost, accuracy_from_logits(net.output, ZL, Y)


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
    if not isinstance(net, Network):
        raise TypeError(f"net must be a layerwise.Network, got {type(net).__name__}.")
    epochs = v.check_int("epochs", epochs)
    opt = get_optimizer(optimizer, learning_rate)
    n_x, n_y = net.layer_dims[0], net.layer_dims[-1]
    X_rows = _examples_as_rows("X", X, n_x, net.dtype)  # (m, n_x), C order: a batch is contiguous
    m = X_rows.shape[0]
    Y = v.check_targets(Y, (n_y, m), net.dtype)
    net.loss.check_targets(Y)
    Y_rows = np.ascontiguousarray(Y.T)  # (m, n_y)
    B = m if batch_size is None else min(v.check_int("batch_size", batch_size), m)
    if dev is not None:
        if not isinstance(dev, tuple | list) or len(dev) not in (2, 3):
            raise ValueError(
                f"dev must be (X_dev, Y_dev) or (X_dev, Y_dev, w_dev), got {type(dev).__name__}"
                f"{f' of {len(dev)} items' if isinstance(dev, tuple | list) else ''}."
            )
        X_dev = v.check_inputs("dev X", dev[0], n_x, net.dtype)
        Y_dev = v.check_targets(dev[1], (n_y, X_dev.shape[1]), net.dtype)
        net.loss.check_targets(Y_dev)
        w_dev = _weights(dev[2], X_dev.shape[1]) if len(dev) > 2 else None
    w_rows, l2_scale = None, 1.0
    w = None if sample_weight is None else _weights(sample_weight, m)
    if w is not None:
        l2_scale = 1.0 / float(w.mean())  # λ acts as λ/s
        w_rows = (w * l2_scale).astype(net.dtype)[:, None]  # (m, 1), mean 1
    rng = net.shuffle_rng if seed is None else shuffle_rng(seed)
    callbacks = list(callbacks) + ([ProgressBar()] if verbose else [])

    shuffled = shuffle and m > B  # full batch: the order does not matter
    if shuffle_block is not None:
        v.check_int("shuffle_block", shuffle_block)
    elif isinstance(X_rows, np.memmap):
        shuffle_block = 4096  # keep reads from a memory-mapped file near each other
    engine = Engine(net, X_rows, Y_rows, B, shuffled, shuffle_block, opt, w_rows, l2_scale)
    guard = Guard(net, opt, engine)  # divergence: θ at each epoch's start, to rewind to
    history = History()
    for cb in callbacks:
        cb.on_train_begin(net, epochs)
    # ----- checkpoint (layerwise.checkpoint): restore before the loop, save after epochs -----
    saver = None
    if checkpoint is not None:
        from .checkpoint import Checkpointer

        settings = {"batch_size": B, "shuffle": shuffled, "shuffle_block": shuffle_block}
        data = (X_rows, Y_rows, w_rows) + (() if dev is None else (X_dev, Y_dev, w_dev))
        saver = Checkpointer(
            checkpoint, checkpoint_every, resume, net=net, optimizer=opt, rng=rng,
            callbacks=callbacks, data=data, settings=settings, seed=seed,
        )  # fmt: skip
    first = 0 if saver is None else saver.restore(history, epochs)
    for epoch in range(first, epochs):
        start = time.perf_counter()
        for cb in callbacks:
            cb.on_epoch_begin(net, epoch)
        logs: dict[str, float] = {"epoch": epoch}
        guard.begin_epoch()
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            penalty = engine.epoch(rng)
            ZL, Y_epoch = engine.ZL_epoch, engine.Y_epoch.T  # (n_y, m), same order
            w_epoch = None if w_rows is None else engine.w_epoch[:, 0]  # (m,), same order
            logs["cost"] = _epoch_cost(net, ZL, Y_epoch, w_epoch) + penalty
            if dev is not None:
                logs["dev_cost"], dev_acc = _evaluate(net, X_dev, Y_dev, w_dev)
        if not (np.isfinite(logs["cost"]) and guard.theta_finite()):  # divergence
            where = guard.rewind(  # θ: the last finite one, before the step that broke it
                lambda i, j: _epoch_cost(net, engine.ZL_epoch[:, i:j], engine.Y_epoch[i:j].T)
            )
            cost = logs["cost"] if not np.isfinite(logs["cost"]) else "finite, θ not"
            step = "" if where is None else f" in mini-batch {where[0] + 1} (examples {where[1]}-)"
            raise DivergenceError(
                f"Cost became {cost} at epoch {epoch} (learning_rate={opt.learning_rate}): "
                "the model diverged; lower the learning rate or standardize X. Training "
                f"stopped{step} and kept the last finite parameters."
            )
        for key in ("cost", "dev_cost"):
            if key in logs and not np.isfinite(logs[key]):
                where = "" if key == "cost" else " on the dev set"
                raise DivergenceError(
                    f"Cost became {logs[key]}{where} at epoch {epoch} "
                    f"(learning_rate={opt.learning_rate}): the model diverged; "
                    "lower the learning rate or standardize X."
                )
        acc = accuracy_from_logits(net.output, ZL, Y_epoch)
        if acc is not None:
            logs["accuracy"] = acc
        if dev is not None and dev_acc is not None:
            logs["dev_accuracy"] = dev_acc
        logs["seconds"] = time.perf_counter() - start
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
