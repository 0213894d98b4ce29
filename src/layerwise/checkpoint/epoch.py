"""An epoch stopped after one of its steps (SIGINT/SIGTERM), written down and put back.

A signal lets the current step finish; the checkpoint then holds, besides what every checkpoint
holds, the header entry ``epoch``: ``{"steps_done": k, "penalties": [...], "seconds": s}``
(the steps done in the unfinished epoch, their L2 terms, the seconds it had run) and two
arrays: ``epoch.order`` (m,), the epoch's order of the examples (absent without shuffling, where
it is 0..m-1), and ``epoch.logits`` (n_y, j), the logits of the j examples its steps have seen,
from which the epoch's cost and accuracy are computed at its end. The shuffle generator is
stored after that epoch's shuffle, so the resumed epoch does not shuffle again.
"""

from __future__ import annotations

import reprlib
from typing import Any

import numpy as np

from .._validation import is_number

Array = np.ndarray


def epoch_entry(engine, steps_done: int, seconds: float) -> tuple[dict[str, Any], dict[str, Array]]:
    """The header entry and arrays of an epoch that ``engine`` stopped after ``steps_done``."""
    j = engine.seen(steps_done)  # the examples seen: their logits, the steps' L2 terms
    order, logits = engine.order.copy(), engine.ZL_epoch[:, :j].copy()
    penalties = list(engine.penalties)
    entry = {"steps_done": steps_done, "penalties": penalties, "seconds": float(seconds)}
    arrays = {"epoch.logits": logits}
    if engine.shuffle:
        arrays["epoch.order"] = order
    return entry, arrays


def steps_done(header: dict[str, Any]) -> int:
    """The steps done in the unfinished epoch a checkpoint holds (0: it stopped between
    epochs); ValueError when the entry is not what :func:`epoch_entry` writes."""
    entry = header.get("epoch")
    if entry is None:
        return 0
    if not isinstance(entry, dict) or set(entry) != {"steps_done", "penalties", "seconds"}:
        raise ValueError(f"epoch {reprlib.repr(entry)} is not valid")
    k, penalties, seconds = entry["steps_done"], entry["penalties"], entry["seconds"]
    if type(k) is not int or k < 1:
        raise ValueError(f"epoch.steps_done must be a positive count, got {k!r}")
    if not isinstance(penalties, list) or not all(is_number(p) and p >= 0 for p in penalties):
        raise ValueError("epoch.penalties must list finite numbers ≥ 0")
    if not is_number(seconds) or seconds < 0:
        raise ValueError(f"epoch.seconds must be a finite number ≥ 0, got {seconds!r}")
    return k


def restore_epoch(engine, header: dict[str, Any], arrays: dict[str, Array]) -> tuple[int, float]:
    """Check the unfinished epoch against ``engine`` (the run's steps and data) and put it
    back; return ``(steps done, seconds it had run)``."""
    k = steps_done(header)
    entry, n = header["epoch"], len(engine.steps)
    if k >= n:
        raise ValueError(f"epoch.steps_done must be below the epoch's {n} steps, got {k}")
    m, j = engine.order.size, engine.seen(k)
    penalties = [float(p) for p in entry["penalties"]]
    if len(penalties) != (k if engine.net.l2 else 0):
        raise ValueError(
            f"epoch.penalties must hold one L2 term per step done, got {len(penalties)}"
        )
    logits, expected = arrays.get("epoch.logits"), engine.examples(0, j)[0]  # (n_y, j)
    shape, dtype = expected.shape, expected.dtype
    if logits is None or logits.shape != shape or logits.dtype != dtype:
        raise ValueError(f"epoch.logits must be {dtype} of shape {shape}")
    order = arrays.get("epoch.order")
    if not engine.shuffle:
        if order is not None:
            raise ValueError("epoch.order is only stored for shuffled epochs")
        order = np.arange(m)
    elif (
        order is None
        or order.shape != (m,)
        or order.dtype.kind not in "iu"
        or not (order.min() >= 0 and order.max() < m)  # before bincount allocates max + 1
        or not np.array_equal(np.bincount(order, minlength=m), np.ones(m, np.intp))
    ):
        raise ValueError(f"epoch.order must be a permutation of 0..{m - 1}")
    engine.order[:], engine.ZL_epoch[:, :j], engine.penalties[:] = order, logits, penalties
    return k, float(entry["seconds"])
