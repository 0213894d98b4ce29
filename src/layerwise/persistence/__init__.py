"""Files: the one checked archive format (:mod:`.archive`) and atomic writes (:mod:`.atomic`).

Every file of arrays layerwise writes is an archive of one :class:`Format`: ``MODEL``
(``Network.save`` and ``layerwise.load`` write and read a bare network; the layers around the
core add their sections: ``layerwise.data.saved`` a model with its preprocessing,
``layerwise.estimators`` an estimator's fitted state) or ``CHECKPOINT`` (``layerwise.checkpoint``).
The checks every file passes are listed in :mod:`.archive`; a model header's own fields are
checked in :mod:`.model`. A file of another kind than the one asked for is refused with a
:class:`WrongKind` that says what it is and which function takes it (:mod:`.kinds`).
"""

from .archive import CHECKPOINT, MODEL, Format, bad_file, read_archive, write_archive
from .atomic import atomic_write
from .kinds import WrongKind
from .model import FORMAT, FORMAT_VERSION, model_contents

__all__ = [
    "CHECKPOINT",
    "FORMAT",
    "FORMAT_VERSION",
    "MODEL",
    "Format",
    "WrongKind",
    "atomic_write",
    "bad_file",
    "model_contents",
    "read_archive",
    "write_archive",
]
