"""Stopping training on SIGINT/SIGTERM without losing it: finish the step, then checkpoint."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

STOP: dict[str, int | None] = {"signum": None}  # set by graceful_stop's handler


class TrainingInterrupted(KeyboardInterrupt):
    """Training stopped on SIGINT/SIGTERM after writing a checkpoint at ``path``.

    ``epochs_done`` whole epochs are in it, plus ``steps = (k, n)``: k of the n steps of the
    next epoch (None when it stopped between epochs); ``signum`` is the signal's number.
    """

    def __init__(
        self, path: Path, epochs_done: int, signum: int, steps: tuple[int, int] | None = None
    ) -> None:
        name = signal.Signals(signum).name if signum else "a stop request"
        where = f"after epoch {epochs_done - 1}"  # epochs are numbered from 0
        if steps is not None:
            where = f"in epoch {epochs_done} after step {steps[0]} of {steps[1]}"
        super().__init__(f"{name} received: stopped {where}, checkpoint written to {path}")
        self.path, self.epochs_done, self.signum, self.steps = path, epochs_done, signum, steps


@contextlib.contextmanager
def graceful_stop(enabled: bool = True) -> Iterator[None]:
    """Within this block, SIGINT and SIGTERM stop training cleanly.

    With ``enabled`` (a checkpoint is being written): the first signal lets the current step
    (one mini-batch's update) finish, ``fit`` writes a checkpoint and raises
    :class:`TrainingInterrupted`; a second one
    raises ``KeyboardInterrupt`` at once. Without: both raise ``KeyboardInterrupt`` at once,
    so writes in progress remove their temporary files. Only in the main thread (elsewhere the
    block does nothing).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    signals = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.getsignal(s) for s in signals}

    def handler(signum: int, frame: Any) -> None:
        if not enabled or STOP["signum"] is not None:
            raise KeyboardInterrupt
        STOP["signum"] = signum
        name = signal.Signals(signum).name
        os.write(
            2,
            f"\n{name} received: finishing this step, then writing a checkpoint "
            "(send it again to stop at once)\n".encode(),
        )

    for s in signals:
        signal.signal(s, handler)
    try:
        yield
    finally:
        for s in signals:
            signal.signal(s, previous[s])
        STOP["signum"] = None
