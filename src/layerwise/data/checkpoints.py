"""Reading a checkpoint back: the file checked, then its contents against the network it holds.

The core's :mod:`layerwise.checkpoint` writes and restores checkpoints inside ``fit``; reading
one as a :class:`~layerwise.network.Network` with its History needs the Network class, which
sits above ``fit`` (``Network.fit`` is ``fit``), so it lives here, beside the model files."""

from __future__ import annotations

import reprlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..callbacks import History
from ..checkpoint.epoch import steps_done
from ..checkpoint.state import _bad, checked_contents, checkpoint_file
from ..network import Network
from ..persistence import CHECKPOINT, read_archive

Array = np.ndarray


@dataclass
class Checkpoint:
    """A loaded checkpoint: its network (with θ), History, epochs done, the steps done in the
    next epoch (a signal stopped it there; 0 between epochs), header and arrays."""

    network: Network
    history: History
    epochs_done: int
    steps_done: int = 0
    header: dict[str, Any] = field(default_factory=dict)
    arrays: dict[str, Array] = field(default_factory=dict)

    @property
    def extra(self) -> dict[str, Any]:
        """What the writer added (the CLI: ``settings``, ``preprocessing``)."""
        return self.header["extra"]


def load_checkpoint(path: str | Path) -> Checkpoint:
    """Load and check a checkpoint (a file, or a folder holding ``checkpoint.npz``).

    Raises ``FileNotFoundError`` when there is none and ``ValueError`` naming the problem when
    the file is not a valid checkpoint; never executes anything from the file.
    """
    path = checkpoint_file(path)
    header, arrays = read_archive(path, CHECKPOINT)
    try:
        history, done = checked_contents(header, arrays)
        steps = steps_done(header)
        records = _custom_records(header["fingerprint"].get("code"))
        net = Network.from_config(header["network"], arrays["theta"])
    except (KeyError, TypeError, ValueError) as err:
        raise _bad(path, str(err).rstrip(".")) from err
    if records:  # the names would rebuild the library's records, not the run's
        raise ValueError(
            f"checkpoint {path} was written by a run with custom records {records}: it stores "
            "their names, not their code, so its network cannot be rebuilt from the file. "
            "Hint: resume it with fit(net, ..., checkpoint=path, resume=True) on the same network."
        )
    return Checkpoint(net, history, done, steps, header, arrays)


def _custom_records(code: Any) -> list[str]:
    """The names of the custom records a fingerprint's ``code`` lists (see :mod:`.code`)."""
    if code is None:
        return []
    if not isinstance(code, dict) or not isinstance(code.get("records", []), list):
        raise ValueError(
            "its fingerprint's code must be null or an object with a list of records, "
            f"got {reprlib.repr(code)}"
        )
    return [str(r[0]) if isinstance(r, list) and r else "?" for r in code.get("records", [])]
