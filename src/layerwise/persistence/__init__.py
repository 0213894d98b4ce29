"""Model files: the safe format (:mod:`.archive`) and atomic writes (:mod:`.atomic`).

``Network.save`` and ``layerwise.load`` write and read a bare network through here; the layers
around the core add their sections (``layerwise.data.saved`` for a model with its
preprocessing, ``layerwise.estimators`` for an estimator's fitted state).
"""

from .archive import FORMAT, FORMAT_VERSION, bad_file, read_archive, write_archive
from .atomic import atomic_write

__all__ = [
    "FORMAT",
    "FORMAT_VERSION",
    "atomic_write",
    "bad_file",
    "read_archive",
    "write_archive",
]
