"""One call of ``fit``: the engine, the divergence guard, the checkpointer, the callbacks and the
signals, owned by one :class:`Run` that ``fit`` drives epoch by epoch.

An epoch: the callbacks hear it begin, the guard remembers θ, the engine replays its steps (and,
with a checkpoint, asks after each whether a signal wants the run to stop), the epoch's cost and
accuracy come from its logits, the dev set is evaluated, the History records the logs, the
callbacks hear it end, and the checkpointer writes what it must.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..callbacks import Callback, History
from ..checkpoint.state import Checkpointer
from ..divergence import Guard
from ..engine import Engine
from ..optimizers import Optimizer
from ..outputs import accuracy_from_logits
from ..random import Seed
from .costs import check_dev_cost, check_rows_finite, divergence, epoch_cost, evaluate
from .inputs import Inputs

if TYPE_CHECKING:
    from ..network import Network

QUIET = {"over": "ignore", "invalid": "ignore", "divide": "ignore", "under": "ignore"}


@dataclass(frozen=True)
class Saving:
    """``fit``'s checkpoint options: the path, epochs between writes, whether to resume, and
    ``fit``'s own seed (part of the settings a resume must match)."""

    path: str | Path
    every: int = 1
    resume: bool = False
    seed: Seed = None


class Run:
    """A network's training on checked :class:`Inputs` with one optimizer, for ``epochs``.

    Built, it has told the callbacks that training begins and, with ``saving.resume``, put the
    checkpointed run back: :attr:`epochs_left` is what remains. :meth:`train_epoch` runs one
    epoch; :meth:`finish` ends the run and returns its History.
    """

    def __init__(
        self,
        net: Network,
        data: Inputs,
        optimizer: Optimizer,
        rng: Any,
        callbacks: Sequence[Callback],
        epochs: int,
        saving: Saving | None = None,
        dropout_rng: np.random.Generator | None = None,
    ) -> None:
        self.net, self.data, self.opt, self.rng = net, data, optimizer, rng
        self.callbacks, self.epochs = list(callbacks), epochs
        self.engine = Engine(
            net, data.X_rows, data.Y_rows, data.B, data.shuffled, data.shuffle_block,
            optimizer, data.w_rows, data.l2_scale, dropout_rng,
        )  # fmt: skip
        self.guard = Guard(net, optimizer, self.engine)  # θ at each epoch's start, to rewind to
        self.history = History()
        for cb in self.callbacks:
            cb.on_train_begin(net, epochs)
        self.saver = None if saving is None else Checkpointer(
            saving.path, saving.every, saving.resume, net=net, optimizer=optimizer, rng=rng,
            callbacks=self.callbacks, data=data.fingerprinted, settings=data.settings,
            seed=saving.seed, engine=self.engine, dropout_rng=self.engine.dropout_rng,
        )  # fmt: skip
        # where a resumed run goes on: its first epoch, the step to start it with, its seconds
        restored = (0, 0, 0.0) if self.saver is None else self.saver.restore(self.history, epochs)
        self.first, self.start, self.seconds = restored

    @property
    def epochs_left(self) -> range:
        """The epochs still to run (all of them, unless a checkpoint was resumed)."""
        return range(self.first, self.epochs)

    def train_epoch(self, epoch: int) -> bool:
        """Run epoch ``epoch`` and record it; True when a callback asks training to stop.
        A signal that stops it after a step writes the checkpoint and raises
        ``TrainingInterrupted``; a non-finite cost raises ``DivergenceError``."""
        net, history = self.net, self.history
        began = time.perf_counter() - self.seconds  # a resumed epoch: the seconds it had run
        for cb in self.callbacks if self.start == 0 else ():  # (a resumed one began earlier)
            cb.on_epoch_begin(net, epoch)
        logs = self._steps(epoch)
        if logs is None:  # stopped after a step: checkpoint the epoch so far, then raise
            self.saver.interrupt(epoch, history, time.perf_counter() - began)
        self.start, self.seconds = 0, 0.0
        logs["seconds"] = time.perf_counter() - began
        history.record(logs)
        stop = any([bool(cb.on_epoch_end(net, epoch, logs)) for cb in self.callbacks])
        if stop:
            history.stopped_epoch = epoch
        if self.saver is not None:  # checkpoint: every K epochs, the last one, or on a signal
            self.saver.epoch_end(epoch, history, last=stop or epoch + 1 == self.epochs)
        return stop

    def finish(self) -> History:
        """Tell the callbacks that training ended; the run's History."""
        for cb in self.callbacks:
            cb.on_train_end(self.net, self.history)
        return self.history

    def _steps(self, epoch: int) -> dict[str, Any] | None:
        """The epoch's steps (from ``self.start`` for a resumed epoch) and its logs: cost, dev
        cost, accuracies. None when a signal ended it after a step (its steps so far finite)."""
        net, engine, dev = self.net, self.engine, self.data.dev
        stop = None if self.saver is None else self.saver.stop_requested  # asked after a step
        logs: dict[str, float] = {"epoch": epoch}
        self.guard.begin_epoch()
        with np.errstate(**QUIET):
            done = engine.epoch(self.rng, stop, self.start)
            ZL, Y, w = engine.examples(0, engine.seen(done))  # the examples seen, epoch order
            logs["cost"] = epoch_cost(net, ZL, Y, w) + engine.penalty()
            finished = done == len(engine.steps)
            if dev is not None and finished:
                logs["dev_cost"], dev_acc = evaluate(net, *dev)
        if not (np.isfinite(logs["cost"]) and self.guard.theta_finite()):
            self._diverged(epoch, logs["cost"])
        if not finished:
            return None
        if "dev_cost" in logs:  # (the training cost: above)
            check_dev_cost(logs["dev_cost"], epoch, self.opt.learning_rate)
        acc = accuracy_from_logits(net.activations[-1], net.loss, ZL, Y)
        if acc is not None:
            logs["accuracy"] = acc
        if dev is not None and dev_acc is not None:
            logs["dev_accuracy"] = dev_acc
        return logs

    def _diverged(self, epoch: int, cost: float) -> None:
        """Raise DivergenceError, θ rewound to the last finite one, before the step that
        broke it."""
        if isinstance(self.data.X_rows, np.memmap):  # not read whole before training
            check_rows_finite(self.data.X_rows)  # bad data is not divergence
        net, engine = self.net, self.engine
        where = self.guard.rewind(lambda i, j: epoch_cost(net, *engine.examples(i, j)[:2]))
        step = "" if where is None else f" at the mini-batch starting with example {where[1]}"
        kept = f"{step} and kept the last finite parameters"
        raise divergence(cost, epoch, self.opt.learning_rate, kept)
