"""Checkpoints: an interrupted ``fit`` resumed bit for bit (see :mod:`.state` for what a checkpoint
holds and how ``fit`` writes it, :mod:`.files` for reading one back)."""

from .files import Checkpoint, load_checkpoint
from .signals import TrainingInterrupted, graceful_stop
from .state import FILE_NAME, FORMAT, Checkpointer, checkpoint_file

__all__ = [
    "FILE_NAME",
    "FORMAT",
    "Checkpoint",
    "Checkpointer",
    "TrainingInterrupted",
    "checkpoint_file",
    "graceful_stop",
    "load_checkpoint",
]
