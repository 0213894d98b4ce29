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
