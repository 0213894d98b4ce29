"""Checkpoints: an interrupted ``fit`` resumed bit for bit (see :mod:`.state` for what a checkpoint
holds and how ``fit`` writes it; :func:`layerwise.data.load_checkpoint` reads one back as a
Network)."""

from .signals import TrainingInterrupted, graceful_stop
from .state import FILE_NAME, FORMAT, Checkpointer, checkpoint_file

__all__ = [
    "FILE_NAME",
    "FORMAT",
    "Checkpointer",
    "TrainingInterrupted",
    "checkpoint_file",
    "graceful_stop",
]

#: Names this package held in 0.1.0, and where they live now (reading a checkpoint back as a
#: Network needs the Network class, which the training stack below it must not import).
MOVED = {"load_checkpoint": "layerwise.data", "Checkpoint": "layerwise.data"}


def __getattr__(name: str):
    if name in MOVED:
        raise AttributeError(
            f"layerwise.checkpoint.{name} moved to {MOVED[name]}.{name}. "
            f"Hint: from {MOVED[name]} import {name}."
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
