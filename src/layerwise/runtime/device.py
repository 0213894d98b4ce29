"""``fit`` on a device: the course's loop on the network's array library (PyTorch, CuPy, ...).

The NumPy engine (recorded tapes, ``out=``, BLAS through ctypes, numba) is NumPy's alone. A
network that lives on a device (``Network(..., device=...)``), or data given as a device's
arrays, trains here instead: the data moved to the network's device once, then for each epoch
and mini-batch ``forward -> backward -> optimizer.step(θ, dθ)`` on the device, as
:func:`~layerwise.training.reference_fit` writes it. What must not depend on the device stays
on the host: the shuffle is ``rng.permutation(m)`` from the same stream as the engine's (moved
once per epoch, applied with ``xp.take``) and dropout's masks are drawn from the same dropout
stream in float64 and moved, so a seed trains the same way everywhere. An epoch's cost,
accuracy and dev numbers come from its logits exactly as :mod:`.costs` computes them for the
engine, as floats in the History; callbacks hear the same calls.

Not on a device, refused by name (never ignored): ``checkpoint``, ``resume`` (a checkpoint
holds the engine's epoch state), ``sample_weight``, weighted dev sets, ``shuffle_block`` and
memory-mapped data. A diverged epoch raises ``DivergenceError`` with θ and the optimizer (its
step count and moments) put back to where the epoch began (the engine's step-by-step replay
is NumPy's).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _validation as v
from .. import dropout as _dropout
from .. import placement
from ..backend import copy_of, index_dtype, is_device_array, library_of, to_device
from ..callbacks import History
from ..divergence import copy_state
from ..outputs import accuracy_from_logits
from ..parameters import parameter_blocks
from .costs import check_dev_cost, divergence, epoch_cost, evaluate
from .run import QUIET

if TYPE_CHECKING:
    from ..network import Network


def needed(net: Network, X: Any, Y: Any, dev: Any = None, **options: Any) -> bool:
    """Whether ``fit`` trains on a device: the network lives on one (then the ``options``
    a device does not run are refused if given), or the data is a device's (refused, with
    what to do, when the network is NumPy's: ``X``, ``Y``, the dev set, ``sample_weight``)."""
    if net.device is not None:
        refuse(options, X, dev)
        return True
    given = {"X": X, "Y": Y, "sample_weight": options.get("sample_weight")}
    if isinstance(dev, tuple | list):
        given |= {f"dev[{i}]": a for i, a in enumerate(dev)}
    for name, a in given.items():
        if is_device_array(a):
            raise TypeError(
                f"{'X and Y' if name in 'XY' else name} must be NumPy arrays for a NumPy "
                f"network, got {library_of(a)} data. Hint: build the network on their device, "
                "Network(..., device='torch:cuda'), or move it there with net.to(...); "
                "layerwise moves no device's data silently."
            )
    return False  # NumPy's engine: host data on a NumPy network


REFUSED = {
    "checkpoint": "a checkpoint holds the NumPy engine's epoch state",
    "resume": "a checkpoint holds the NumPy engine's epoch state",
    "sample_weight": "weighted training runs on the NumPy engine",
    "shuffle_block": "block shuffling serves memory-mapped files, which stay on the host",
}


def refuse(options: dict[str, Any], X: Any, dev: Any) -> None:
    """Refuse every ``fit`` option a device does not run, naming it."""
    for name, why in REFUSED.items():
        if options.get(name) is not None and options.get(name) is not False:  # (resume)
            raise ValueError(
                f"{name}= is not supported on a device ({why}). Hint: train on NumPy "
                "(net.to(None)) for it, or leave it out."
            )
    if isinstance(X, np.memmap):
        raise ValueError(
            "X is memory-mapped, which a device cannot read in place. Hint: load it "
            "(np.asarray(X)), or train on NumPy, whose engine reads it block by block."
        )
    if dev is not None and isinstance(dev, tuple | list) and len(dev) > 2:
        raise ValueError(
            "dev=(X_dev, Y_dev, w_dev) is not supported on a device (weighted costs run on "
            "the NumPy engine). Hint: pass dev=(X_dev, Y_dev), or train on NumPy."
        )


def train(
    net: Network, X: Any, Y: Any, opt: Any, epochs: int, batch_size: int | None,
    shuffle: bool, rng: np.random.Generator, drop: np.random.Generator, dev: Any,
    callbacks: list,
) -> History:  # fmt: skip
    """Train ``net`` on its device for ``epochs``, with the host's shuffle stream ``rng`` and
    dropout stream ``drop`` as ``fit`` chose them; the History (see the module's notes)."""
    X = placement.inputs(net, "X", X)  # (n_x, m) on the device, checked once
    Y = placement.targets(net, Y, (net.layer_dims[-1], X.shape[1]))  # (n_y, m)
    dev_set = None if dev is None else _dev(net, dev)
    m = X.shape[1]
    B = m if batch_size is None else min(v.check_int("batch_size", batch_size), m)
    drop = drop if _dropout.active(net.keep_prob) else None
    history = History()
    for cb in callbacks:
        cb.on_train_begin(net, epochs)
    for epoch in range(epochs):
        began = time.perf_counter()
        for cb in callbacks:
            cb.on_epoch_begin(net, epoch)
        order = rng.permutation(m) if shuffle and m > B else None  # the engine's draw
        with np.errstate(**QUIET):  # as the engine's epoch: divergence is checked, not warned
            logs = _epoch(net, X, Y, B, order, opt, drop, epoch) | {"epoch": epoch}
            if dev_set is not None:
                logs["dev_cost"], dev_acc = evaluate(net, *dev_set)
        if dev_set is not None:
            check_dev_cost(logs["dev_cost"], epoch, opt.learning_rate)
            if dev_acc is not None:
                logs["dev_accuracy"] = dev_acc
        logs["seconds"] = time.perf_counter() - began
        history.record(logs)
        if any([bool(cb.on_epoch_end(net, epoch, logs)) for cb in callbacks]):
            history.stopped_epoch = epoch
            break
    for cb in callbacks:
        cb.on_train_end(net, history)
    return history


def _dev(net: Network, dev: Any) -> tuple[Any, Any]:
    if not isinstance(dev, tuple | list) or len(dev) != 2:
        raise ValueError(f"dev must be (X_dev, Y_dev), got {type(dev).__name__}.")
    X_dev = placement.inputs(net, "dev X", dev[0])
    return X_dev, placement.targets(net, dev[1], (net.layer_dims[-1], X_dev.shape[1]))


def _epoch(net: Network, X: Any, Y: Any, B: int, order: Any, opt: Any, drop: Any, epoch: int):
    """One epoch's steps; its logs (cost, accuracy). θ back where it began if it diverged."""
    xp, m = net.xp, X.shape[1]
    start = copy_of(net.theta)
    t, slots = opt.t, copy_state(opt.state)
    idx = None
    if order is not None:  # (m,) moved in the device's index dtype (int32 where no int64)
        int32 = index_dtype(xp, net.device_object) == xp.int32
        idx = to_device(order.astype(np.int32 if int32 else np.int64), xp, net.device_object)
        Y = xp.take(Y, idx, axis=1)  # (n_y, m), the epoch's order
    logits, penalty = [], 0.0
    for i in range(0, m, B):
        j = min(i + B, m)
        Xb = X[:, i:j] if idx is None else xp.take(X, idx[i:j], axis=1)  # (n_x, B)
        Yb = Y[:, i:j]  # (n_y, B)
        AL, caches = net._forward(Xb, drop)
        logits.append(caches[-1].Z)  # (n_y, B), before the update
        if net.l2:  # Σ‖W‖² of this step, summed on the device (no wait for it per step)
            penalty = penalty + sum(xp.sum(layer.W * layer.W) for layer in net.layers)
        grads = net._backward(AL, Yb, caches)
        opt.step(net.theta, _flat(net, grads))  # one update of all of θ
    ZL = logits[0] if len(logits) == 1 else xp.concat(logits, axis=1)  # (n_y, m)
    logs = {"cost": epoch_cost(net, ZL, Y) + net.l2 / 2 * float(penalty) / m}  # + λ/(2m) ΣΣ‖W‖²
    theta_finite = bool(xp.all(xp.isfinite(net.theta)))
    if not (np.isfinite(logs["cost"]) and theta_finite):
        net.theta[...] = start
        opt.t, opt.state = t, slots  # the optimizer as the epoch began, as NumPy's Guard does
        kept = " and kept the parameters the epoch began with"
        raise divergence(logs["cost"], epoch, opt.learning_rate, kept)
    acc = accuracy_from_logits(net.activations[-1], net.loss, ZL, Y)
    return logs if acc is None else logs | {"accuracy": acc}


def _flat(net: Network, grads: dict[str, Any]) -> Any:
    """dθ (n_θ,) laid out as θ: each ``[dW | db][l]`` block written through
    :func:`~layerwise.parameters.parameter_blocks`, the one place that lays θ out."""
    flat = net.xp.empty_like(net.theta)
    for l, block in enumerate(parameter_blocks(flat, net.layer_dims), start=1):
        block[:, :-1] = grads[f"dW{l}"]  # (n[l], n[l-1])
        block[:, -1:] = grads[f"db{l}"]  # (n[l], 1)
    return flat
