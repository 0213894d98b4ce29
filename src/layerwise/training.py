"""Training: the course's loop, and ``fit``, which runs it fast.

The course trains a network with one loop: for each epoch, for each mini-batch, forward
propagation, the cost, backward propagation, and the optimizer's update of the parameters.
:func:`reference_fit` is that loop, written out on ``Network.forward``/``cost``/``backward``; it
is what the engine's tests compare ``fit`` with.

``fit`` runs the same maths on the engine (:mod:`layerwise.engine`), through one
:class:`~layerwise.runtime.Run` that also owns the divergence guard, checkpoints, signals and
callbacks (:mod:`layerwise.runtime`). ``batch_size=None`` is batch gradient descent (the course's
default: one update per epoch, so an epoch is an iteration), an int is mini-batch gradient
descent, and 1 is stochastic gradient descent. The cost recorded for an epoch is the mean loss
over the examples of the epoch, each computed in the forward pass just before its update (for
full batch: the course's "cost before each update").

``fit`` is also ``Network.fit`` (one definition): ``net.fit(X, Y, ...)`` is ``fit(net, X, Y, ...)``.

Notes on ``fit``'s options:

- ``seed``: the seed of this call's shuffle. By default the network's own shuffle stream
  continues (``net.shuffle_rng``), so two calls of one epoch shuffle differently, and a network
  built with the same seed trains the same way.
- ``shuffle_block``: shuffle by blocks of this many examples (for memory-mapped data); default:
  a plain shuffle for in-memory arrays and blocks of 4096 for ``np.memmap`` inputs.
- ``sample_weight``: frequency weights w ≥ 0: weight 2 counts an example twice. With
  s = mean(w) the cost is J = (1/m) Σ (w_i/s) L_i + λ/(2ms) Σ‖W‖² = Σ w L / Σ w + λ/(2 Σw) Σ‖W‖²,
  so a mini-batch gradient is an unbiased estimate of the full one, and full-batch training
  with weight 2 equals training with the example duplicated. In the backward pass:
  dZ[L] ⊙ (w/s).
- ``checkpoint``: write a checkpoint file (see :mod:`layerwise.checkpoint`) every
  ``checkpoint_every`` epochs (default 1) and after the last; a folder gets ``checkpoint.npz``
  inside. ``resume``: if ``checkpoint`` exists, continue the run it holds (θ, optimizer,
  shuffle stream, History, callbacks): the same call run again ends exactly as the
  uninterrupted run. Refused (ValueError) if the data or settings differ. Without a file: a
  fresh start.
- On a device (a network built with ``device=``, see :mod:`layerwise.backend`): the course's
  loop runs there (:mod:`layerwise.runtime.device`), the data moved once, the shuffle and the
  dropout masks drawn from the same host streams; ``checkpoint``, ``sample_weight``,
  ``shuffle_block``, a weighted dev set and memory-mapped data are refused. A device's arrays
  given to a NumPy network are refused too (build it with ``device=`` or call ``net.to``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from . import _validation as v
from . import dropout as _dropout
from .callbacks import Callback, History, ProgressBar
from .optimizers import Optimizer, get_optimizer
from .random import Seed, dropout_rng, shuffle_rng
from .runtime import Run, Saving, check_network, device, prepare_inputs

if TYPE_CHECKING:
    from .network import Network

Array = np.ndarray


def reference_fit(
    net: Network,
    X: Array,
    Y: Array,
    epochs: int,
    learning_rate: float | None = 0.01,
    optimizer: str | Optimizer = "gd",
    batch_size: int | None = None,
    seed: Seed = None,
) -> list[float]:
    """The course's loop on ``X (n_x, m)``, ``Y (n_y, m)``, mini-batches in order: forward,
    cost, backward, update. Returns each epoch's cost: Σ over batches of (B/m) · J(batch),
    each before its update. Readable, not fast: ``fit`` must give the same numbers.

    With dropout (``net.keep_prob < 1``) the forward pass draws the masks from the network's
    ``dropout_rng`` (or, given ``seed``, from ``dropout_rng(seed)``, as ``fit`` does), and the
    cost is that of the dropout forward, as the course prints it."""
    opt = get_optimizer(optimizer, learning_rate)
    drop = net.dropout_rng if seed is None else dropout_rng(seed)
    drop = drop if _dropout.active(net.keep_prob) else None
    m = X.shape[1]
    B = m if batch_size is None else batch_size
    costs = []
    for _ in range(epochs):
        cost = 0.0
        for i in range(0, m, B):
            j = min(i + B, m)  # (the array API leaves a slice past the end unspecified)
            Xb, Yb = X[:, i:j], Y[:, i:j]  # (n_x, B), (n_y, B)
            AL, caches = net.forward(Xb, drop)  # forward propagation (with the masks D[l])
            cost += net.cost(AL, Yb) * Xb.shape[1] / m  # the cost, before the update
            grads = net.backward(AL, Yb, caches)  # backward propagation: {"dW1": ..., ...}
            opt.update(net.parameters, grads)  # W1 -= α dW1, ... (the optimizer's rule)
        costs.append(cost)
    return costs


def fit(
    net: Network, X: Array, Y: Array, *, epochs: int = 100, learning_rate: float | None = 0.01,
    optimizer: str | Optimizer = "gd", batch_size: int | None = None, shuffle: bool = True,
    seed: Seed = None, dev: tuple[Array, ...] | None = None, callbacks: Sequence[Callback] = (),
    verbose: bool = False, shuffle_block: int | None = None, sample_weight: Array | None = None,
    checkpoint: str | Path | None = None, checkpoint_every: int = 1, resume: bool = False,
) -> History:  # fmt: skip
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
    shuffle, seed : bool, int or None
        Reshuffle the examples every epoch (mini-batch only), from ``seed``; by default the
        network's own stream (``net.shuffle_rng``) continues across calls. With dropout
        (``net.keep_prob``) the masks come from a stream of their own, ``dropout_rng(seed)``
        or ``net.dropout_rng``: turning dropout on does not change the shuffle. The History's
        cost/accuracy are the masked forward's (as the course prints), dev's the whole network's.
    dev : (X_dev, Y_dev) or (X_dev, Y_dev, w_dev), optional
        Evaluated after every epoch: ``dev_cost`` (weighted by ``w_dev``) and ``dev_accuracy``.
    callbacks, verbose : list of Callback, bool
        E.g. ``EarlyStopping(patience=5)``, ``PrintCost(100)``; ``verbose``: a ``ProgressBar``.
    shuffle_block : int, optional
        Shuffle by blocks of this many examples (default: 4096 for ``np.memmap`` inputs).
    sample_weight : array (m,), optional
        Frequency weights w ≥ 0: weight 2 counts an example twice (see the module's notes).
    checkpoint, checkpoint_every, resume : path, int, bool
        Write a checkpoint every ``checkpoint_every`` epochs and after the last (a folder gets
        ``checkpoint.npz``); with ``resume``, continue the run it holds, bit for bit (refused
        if the data or settings differ; without a file, a fresh start). See the module's notes.

    Raises
    ------
    DivergenceError
        If the cost becomes NaN/inf, naming the epoch and the learning rate.
    """
    check_network(net)
    epochs = v.check_int("epochs", epochs)
    opt = get_optimizer(optimizer, learning_rate)
    callbacks = list(callbacks) + ([ProgressBar()] if verbose else [])
    rng = net.shuffle_rng if seed is None else shuffle_rng(seed)
    drop = net.dropout_rng if seed is None else dropout_rng(seed)  # the masks' own stream
    if device.needed(net, X, Y, checkpoint=checkpoint, sample_weight=sample_weight,
                     shuffle_block=shuffle_block, dev=dev, resume=resume):  # fmt: skip
        return device.train(net, X, Y, opt, epochs, batch_size, shuffle, rng, drop, dev, callbacks)
    data = prepare_inputs(net, X, Y, batch_size=batch_size, shuffle=shuffle, dev=dev,
                          shuffle_block=shuffle_block, sample_weight=sample_weight)  # fmt: skip
    saving = None if checkpoint is None else Saving(checkpoint, checkpoint_every, resume, seed)
    run = Run(net, data, opt, rng, callbacks, epochs, saving, drop)
    for epoch in run.epochs_left:
        if run.train_epoch(epoch):  # a callback asked to stop
            break
    return run.finish()
