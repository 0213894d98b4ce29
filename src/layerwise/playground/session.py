"""One browser tab's state: its data, its ``Network``, its optimizer, and what the page is sent.

The session is plain Python on the library, with no web code: the server calls ``handle`` for
every checked command and ``tick`` while training runs, always from one worker at a time, and
sends the messages they return. Training goes through ``Network.fit`` with one optimizer kept
for the session (its state carries over between updates), a few epochs per update; the views
come from ``Network.forward`` on a grid over the input plane, ``Network.backward`` on the
training set (gradient norms per layer) and ``layerwise.diagnostics`` (identical units).
The charts' history (from epoch 0, the initial weights) is kept in ``history.Trace``s, bounded
and thinned evenly; training stops at ``Config.max_epochs``.
"""

from __future__ import annotations

import base64
import math
import re
import time
from typing import Any

import numpy as np

import layerwise as lw

from ..diagnostics import identical_units
from ..dropout import check_keep_prob
from ..spec import NetworkSpec, network_for
from .datasets import DATASETS, split
from .history import Trace, overfitting
from .schema import Command, Config

Array = np.ndarray
GRID = 50  # the boundary heat map: GRID × GRID points over the input plane
UNIT_STEP = 2  # hidden-unit maps use every UNIT_STEP-th grid point: 25 × 25
# Networks with more parameters than this draw on a COARSE_GRID × COARSE_GRID grid, every
# point a unit map's too: the views' forward pass costs ~3× less, so they stay live.
LARGE_NETWORK = 20_000
COARSE_GRID = 30
MAX_UNIT_MAPS = 12  # per layer; wider layers show their first units
CURVES = ("cost", "dev_cost", "accuracy", "dev_accuracy")
# speed "auto": each update takes about UPDATE_SECONDS, the frame's own time (forward passes
# for the views) first, and training what is left, at least MIN_FIT_SECONDS (and 1 epoch).
UPDATE_SECONDS = 0.05
MIN_FIT_SECONDS = 0.01
# ... but no more than 1/AUTO_FRACTION of the epochs so far (and AUTO_MAX_EPOCHS): the pace
# grows with the epoch, so that each tenfold of epochs takes about as long to watch (~3.5 s at
# 20 updates a second) and the first hundred epochs, where the curves fall fastest, are seen.
# Without it a small network ran ~700 epochs an update from the first second on.
AUTO_FRACTION = 30
AUTO_MAX_EPOCHS = 500
MAX_WEIGHTS = 4096  # weights sent for drawing connections, at most
MAX_PAIRWISE = 16  # layers up to this wide get every group of identical units; wider: all or none
DATA_KEYS = {"dataset", "noise", "dev_fraction", "examples"}
NETWORK_KEYS = {"layers", "activation", "init", "seed"}
DATA_SEED = 0  # the data and its split stay put while the weights' seed changes
BOUNDED = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


def _bytes(values: Array, lo: float, hi: float) -> str:
    """``values`` mapped from [lo, hi] to 0..255, one byte each, as base64 text."""
    scaled = (values - lo) / (hi - lo) if hi > lo else np.full(values.shape, 0.5)
    q = np.rint(np.clip(np.nan_to_num(scaled, nan=0.5), 0, 1) * 255).astype(np.uint8)
    return base64.b64encode(q.tobytes()).decode("ascii")


def _finite(x: float) -> float | None:
    return float(x) if math.isfinite(x) else None


def _identical(net: lw.Network, l: int) -> list[list[int]]:
    """Groups of identical units in layer ``l``: ``identical_units`` compares every pair, which
    is too slow for a live view of a wide layer; there only "all units identical" (what zero
    init gives) is checked, in one vectorized pass."""
    n = net.layer_dims[l]
    if n <= MAX_PAIRWISE:
        return identical_units(net, l)
    layer = net.layers[l - 1]
    rows = np.hstack([layer.W, layer.b])  # (n[l], n[l-1] + 1)
    return [list(range(n))] if np.ptp(rows, axis=0).max() <= 1e-12 else []


class _EpochCounter(lw.Callback):
    """Counts the epochs a ``fit`` call finished (to place a divergence on the page's count)."""

    def __init__(self) -> None:
        self.done = 0

    def on_epoch_end(self, net, epoch, logs) -> None:
        self.done += 1


class Session:
    """A tab's playground: build from a Config, then ``handle`` commands and ``tick``."""

    def __init__(self, config: Config | None = None) -> None:
        self.config = config or Config()
        self.running = False
        self.diverged = False
        self.epochs_per_tick = 1
        self.fit_seconds = 0.0
        self._build_data()
        self._build_network()

    # ----- building ---------------------------------------------------------------------
    def _build_data(self) -> None:
        c = self.config
        data = DATASETS[c.dataset]
        self.task = data.task
        X, Y = data.make(c.examples, c.noise, DATA_SEED)  # (2, m), (1, m)
        self.X, self.Y, self.X_dev, self.Y_dev = split(X, Y, c.dev_fraction, DATA_SEED)
        lo, hi = float(X.min()), float(X.max())
        pad = 0.1 * (hi - lo) + 1e-9
        self.extent = (lo - pad, hi + pad)  # both axes: the plane is square
        self.y_range = (float(Y.min()), float(Y.max()))

    def _build_network(self) -> None:
        c = self.config
        output = "sigmoid" if self.task == "binary" else "linear"
        spec = NetworkSpec(
            layers=c.layers,
            hidden=c.activation,
            init=c.init,
            l2=c.l2,
            keep_prob=c.keep_prob if c.layers else 1.0,  # dropout needs a hidden layer
        )
        self.net = network_for(spec, 2, 1, output, c.seed)  # [2, *layers, 1]
        self.optimizer = lw.OPTIMIZERS[c.optimizer](c.learning_rate)
        large = self.net.theta.size > LARGE_NETWORK
        self.grid_n, self.unit_step = (COARSE_GRID, 1) if large else (GRID, UNIT_STEP)
        axis = np.linspace(*self.extent, self.grid_n)
        x1, x2 = np.meshgrid(axis, axis[::-1])  # row 0 at the top of the picture
        self.grid = np.vstack([x1.ravel(), x2.ravel()])  # (2, grid_n²)
        self.epoch = 0
        self.diverged = False
        self.running = False
        self.epochs_per_tick = 1
        # The charts' history, from epoch 0 (the initial weights, before any update).
        self.curves = Trace(CURVES)
        self.grads = Trace(("norms",))
        cost, acc, _ = self._metrics(self.X, self.Y)
        dev_cost, dev_acc, _ = self._metrics(self.X_dev, self.Y_dev)
        start = {"cost": cost, "dev_cost": dev_cost, "accuracy": acc, "dev_accuracy": dev_acc}
        self.curves.extend([0], {k: [v] for k, v in start.items()})

    # ----- commands ---------------------------------------------------------------------
    def handle(self, command: Command) -> list[dict[str, Any]]:
        """Apply a checked command; return the messages for the page."""
        kind = command.kind
        if kind == "config":
            return self._configure(command.changes)
        if kind == "reset":
            self.config = self.config.merged({"seed": (self.config.seed + 1) % 2**32})
            self._build_network()
            return [self.state(), self.frame()]
        if kind == "pause":
            self.running = False
            return [self.frame()]
        restart = self.diverged  # play or step after a divergence: again from the same seed
        if restart:
            self._build_network()
        head = [self.state()] if restart else []  # the page's curves start again too
        if kind == "play":
            self.running = not self.at_limit  # at the limit: the frame says so
            return [*head, self.frame()]
        self.running = False  # step: one epoch
        return [*head, *self._train(1)]

    def _configure(self, changes: dict[str, Any]) -> list[dict[str, Any]]:
        old, self.config = self.config, self.config.merged(changes)
        changed = {k for k in changes if getattr(old, k) != getattr(self.config, k)}
        if changed & DATA_KEYS:
            self._build_data()
        if changed & (DATA_KEYS | NETWORK_KEYS):
            self._build_network()  # a new network: epoch 0, paused
            return [self.state(), self.frame()]
        # The rest changes training from here on, keeping the weights.
        if "optimizer" in changed:
            self.optimizer = lw.OPTIMIZERS[self.config.optimizer](self.config.learning_rate)
        if "learning_rate" in changed:
            self.optimizer.learning_rate = self.config.learning_rate
        if "l2" in changed:
            self.net.l2 = self.config.l2
        if "keep_prob" in changed:  # the masks from here on; the weights stay
            keep = self.config.keep_prob if self.net.L > 1 else 1.0  # no hidden layer: none
            self.net.keep_prob = check_keep_prob(keep, self.net.L - 1)
        if self.at_limit:  # a limit lowered below the epoch: training stops here
            self.running = False
        return [self.state(fresh=False), self.frame()]

    # ----- training -----------------------------------------------------------------------
    @property
    def at_limit(self) -> bool:
        """Whether training has reached the epoch limit (``max_epochs``)."""
        return self.config.max_epochs is not None and self.epoch >= self.config.max_epochs

    def tick(self) -> list[dict[str, Any]]:
        """One update while running: a few epochs, then a frame. Nothing when paused."""
        if not self.running:
            return []
        if self.config.speed is not None:
            return self._train(self.config.speed)
        start = time.perf_counter()
        messages = self._train(self.epochs_per_tick)
        frame_seconds = time.perf_counter() - start - self.fit_seconds
        budget = max(MIN_FIT_SECONDS, UPDATE_SECONDS - frame_seconds)
        # Aim the next update's training at the budget, changing the pace by at most 2× at once,
        # and at most 1/AUTO_FRACTION of the epochs so far (a watchable start).
        ratio = budget / max(self.fit_seconds, 1e-6)
        cap = min(AUTO_MAX_EPOCHS, max(1, self.epoch // AUTO_FRACTION))
        self.epochs_per_tick = int(min(cap, max(1, self.epochs_per_tick * min(2.0, ratio))))
        return messages

    def _train(self, epochs: int) -> list[dict[str, Any]]:
        """``epochs`` epochs (fewer where the limit comes first; then training stops), a frame."""
        c = self.config
        if c.max_epochs is not None:
            epochs = min(epochs, c.max_epochs - self.epoch)
        if epochs <= 0:
            self.running = False
            return [self.frame()]
        dev = (self.X_dev, self.Y_dev) if self.X_dev.shape[1] else None
        counter = _EpochCounter()
        start = time.perf_counter()
        try:
            history = self.net.fit(
                self.X,
                self.Y,
                epochs=epochs,
                optimizer=self.optimizer,
                batch_size=c.batch_size,
                dev=dev,
                callbacks=[counter],
            )
        except lw.DivergenceError as err:
            self.running = False
            self.diverged = True
            self.epoch += counter.done + 1  # the epoch that diverged updated the weights too
            text = re.sub(r"at epoch \d+", f"at epoch {self.epoch}", str(err))
            return [
                self.frame(),
                {
                    "type": "diverged",
                    "message": f"Training paused: {text} Press play to start again from the "
                    "same seed.",
                },
            ]
        self.fit_seconds = time.perf_counter() - start
        self._record(history)
        self.epoch += history.epochs
        if self.at_limit:
            self.running = False
        return [self.frame()]

    def _record(self, history: lw.History) -> None:
        """Add this update's epochs to the curves (which thin them: ``history.Trace``)."""
        n, logs = history.epochs, history.history
        values = {
            key: [_finite(v) for v in logs[key]] if logs.get(key) else [None] * n for key in CURVES
        }
        self.curves.extend([self.epoch + i + 1 for i in range(n)], values)

    # ----- what the page is sent ----------------------------------------------------------
    def state(self, fresh: bool = True) -> dict[str, Any]:
        """The network's description and the data points; ``fresh``: a new network (epoch 0),
        whose curves start again."""
        dims = self.net.layer_dims
        shapes = [{"W": [dims[l], dims[l - 1]], "b": [dims[l], 1]} for l in range(1, len(dims))]

        def points(X: Array, Y: Array) -> dict[str, list[float]]:
            return {"x1": X[0].round(4).tolist(), "x2": X[1].round(4).tolist(),
                    "y": Y[0].round(4).tolist()}  # fmt: skip

        return {
            "type": "state",
            "fresh": fresh,
            "config": self.config.to_dict(),
            "task": self.task,
            "layer_dims": dims,
            "shapes": shapes,
            "activations": [a.name for a in self.net.activations],
            "n_parameters": int(self.net.theta.size),
            "extent": list(self.extent),
            "y_range": list(self.y_range),
            "grid": self.grid_n,
            "unit_grid": len(range(0, self.grid_n, self.unit_step)),
            "train": points(self.X, self.Y),
            "dev": points(self.X_dev, self.Y_dev),
        }

    def _metrics(self, X: Array, Y: Array, backward: bool = False):
        """Cost and accuracy on ``X (2, m)``, ``Y (1, m)`` (None where undefined); with
        ``backward``, also ‖dW[l]‖ per layer from the same forward pass (what
        ``layerwise.diagnostics.gradient_norms`` computes, without a second forward pass)."""
        if X.shape[1] == 0:
            return None, None, None
        with np.errstate(all="ignore"):
            AL, caches = self.net.forward(X)  # (1, m)
            cost = _finite(self.net.cost(AL, Y, caches))
            norms = None
            if backward:
                grads = self.net.backward(AL, Y, caches)
                norms = [_finite(np.linalg.norm(grads[f"dW{l}"])) for l in range(1, self.net.L + 1)]
        acc = None
        if self.task == "binary" and np.all(np.isfinite(AL)):
            acc = float(np.mean((AL > 0.5) == (Y > 0.5)))
        return cost, acc, norms

    def frame(self) -> dict[str, Any]:
        """Everything the live views show, now: metrics, curves since the last frame, the
        boundary, each hidden unit's output over the plane, gradient norms per layer."""
        net = self.net
        finite = bool(np.all(np.isfinite(net.theta)))
        none = (None, None, None)
        cost, acc, norms = self._metrics(self.X, self.Y, backward=True) if finite else none
        dev_cost, dev_acc, _ = self._metrics(self.X_dev, self.Y_dev) if finite else none
        if norms is not None:
            self.grads.extend([self.epoch], {"norms": [norms]})
        c = self.curves.values
        frame: dict[str, Any] = {
            "type": "frame",
            "epoch": self.epoch,
            "running": self.running,
            "diverged": self.diverged,
            "at_limit": self.at_limit,
            "epochs_per_update": self.config.speed or self.epochs_per_tick,
            "metrics": {
                "cost": cost,
                "dev_cost": dev_cost,
                "accuracy": acc,
                "dev_accuracy": dev_acc,
            },
            # The points new since the last frame and the strides: the page thins as we do.
            # overfitting: the epoch of the dev cost's minimum, when it has risen since while
            # the train cost fell (history.overfitting); else None.
            "curves": self.curves.fresh(),
            "stride": self.curves.stride,
            "grads": self.grads.fresh(),
            "grads_stride": self.grads.stride,
            "overfitting": overfitting(self.curves.epochs, c["cost"], c["dev_cost"]),
        }
        if not finite:
            return frame
        with np.errstate(all="ignore"):
            AL, caches = net.forward(self.grid)  # (1, grid_n²), one cache per layer
        lo, hi = (0.0, 1.0) if self.task == "binary" else self.y_range
        frame["boundary"] = {"data": _bytes(AL[0], lo, hi), "lo": lo, "hi": hi}
        frame["grad_norms"] = norms
        frame["units"] = self._units(caches)
        if net.theta.size <= MAX_WEIGHTS:
            frame["weights"] = [np.round(layer.W, 4).tolist() for layer in net.layers]
        return frame

    def _units(self, caches: list) -> list[dict[str, Any]]:
        """Each hidden layer's unit maps over the plane (from the grid's forward pass), their
        colour range and the groups of identical units."""
        net, units = self.net, []
        for l, cache in enumerate(caches[:-1], start=1):
            name = net.activations[l - 1].name
            n, k = self.grid_n, self.unit_step
            A = cache.A.reshape(-1, n, n)[:MAX_UNIT_MAPS, ::k, ::k]  # (≤ 12, n/k, n/k)
            if name in BOUNDED:
                ulo, uhi = BOUNDED[name]
            else:
                s = float(np.max(np.abs(A))) if A.size else 1.0
                ulo, uhi = (-s, s) if s > 0 and math.isfinite(s) else (-1.0, 1.0)
            groups = _identical(net, l)
            units.append(
                {
                    "maps": [_bytes(a.ravel(), ulo, uhi) for a in A],
                    "lo": ulo,
                    "hi": uhi,
                    "identical": groups,
                }
            )
        return units
