"""Stopping training on SIGINT/SIGTERM without losing it: finish the epoch, then checkpoint."""

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

    ``epochs_done`` epochs are in it; ``signum`` is the signal's number.
    """

    def __init__(self, path: Path, epochs_done: int, signum: int) -> None:
        name = signal.Signals(signum).name
        super().__init__(
            f"{name} received: stopped after epoch {epochs_done}, checkpoint written to {path}"
        )
        self.path, self.epochs_done, self.signum = path, epochs_done, signum


@contextlib.contextmanager
def graceful_stop(enabled: bool = True) -> Iterator[None]:
    """Within this block, SIGINT and SIGTERM stop training cleanly.

    With ``enabled`` (a checkpoint is being written): the first signal lets the current epoch
    finish, ``fit`` writes a checkpoint and raises :class:`TrainingInterrupted`; a second one
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
            f"\n{name} received: finishing this epoch, then writing a checkpoint "
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
