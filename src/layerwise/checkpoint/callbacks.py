"""A checkpoint's callbacks: which keep state, that state as JSON and arrays, and back.

``EarlyStopping`` is the library's stateful callback (best value, best epoch, wait, best θ); a
custom callback may offer ``checkpoint_state() -> dict`` and ``restore_state(dict)``.
"""

from __future__ import annotations

import math
import reprlib
from typing import Any

import numpy as np

from .._validation import is_number
from ..callbacks import EarlyStopping

Array = np.ndarray


def stateful(cb: Any) -> bool:
    return isinstance(cb, EarlyStopping) or hasattr(cb, "checkpoint_state")


def callback_state(cb: Any) -> tuple[dict[str, Any], dict[str, Array]]:
    """``(JSON state, arrays)`` of one callback between two epochs."""
    if isinstance(cb, EarlyStopping):
        best = getattr(cb, "best", math.inf)
        state = {
            "best": None if math.isinf(best) else float(best),
            "best_epoch": cb.best_epoch,
            "wait": cb.wait,
        }
        arrays = {k: getattr(cb, k, None) for k in ("best_theta", "start_theta")}
        # (start_theta: θ at the start of an epoch stopped after a step, see .epoch)
        return state, {k: a for k, a in arrays.items() if a is not None}
    if hasattr(cb, "checkpoint_state"):
        return dict(cb.checkpoint_state()), {}
    return {}, {}


def restore_callback(cb: Any, state: dict[str, Any], arrays: dict[str, Array]) -> None:
    if isinstance(cb, EarlyStopping):
        best, epoch, wait = state.get("best"), state.get("best_epoch"), state.get("wait")
        if not (
            (best is None or is_number(best))
            and (epoch is None or type(epoch) is int)
            and type(wait) is int
        ):
            raise ValueError(f"EarlyStopping state {reprlib.repr(state)} is not valid")
        cb.best = math.inf if best is None else float(best)
        cb.best_epoch, cb.wait = epoch, wait
        cb.best_theta, cb.start_theta = arrays.get("best_theta"), arrays.get("start_theta")
    elif hasattr(cb, "restore_state"):
        cb.restore_state(state)


def callback_settings(cb: Any) -> dict[str, Any]:
    if isinstance(cb, EarlyStopping):
        keys = ("patience", "monitor", "min_delta", "restore_best")
        return {"type": "EarlyStopping"} | {k: getattr(cb, k) for k in keys}
    return {"type": type(cb).__name__}
