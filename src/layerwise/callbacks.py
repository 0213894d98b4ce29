"""What training records and the hooks around it: History, callbacks, divergence.

``fit`` (:mod:`layerwise.training`) calls each callback's ``on_train_begin``, then per epoch
``on_epoch_begin`` and ``on_epoch_end(net, epoch, logs)`` (return True to stop), then
``on_train_end``.

Epochs are numbered from 0, as the course numbers its iterations ("Cost after iteration 0" is
the cost before the first update): ``History.cost[e]``, ``best_epoch``, ``stopped_epoch``, the
progress lines, ``PrintCost`` and the divergence message all name epoch e the same way. Counts
("25 epochs run") are counts.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from . import _validation as v
from .backend import copy_of

if TYPE_CHECKING:
    from .network import Network


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
            self.start_theta = copy_of(net.theta)

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
                self.best_theta = started if started is not None else copy_of(net.theta)
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
            print(f"epoch {epoch}: {parts} ({logs['seconds']:.3f}s)", file=self.file, flush=True)

    def on_train_end(self, net: Network, history: History) -> None:
        if self.bar is not None:
            self.bar.close()
