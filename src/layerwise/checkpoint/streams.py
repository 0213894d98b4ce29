"""The shuffle generator's exact position, as JSON a checkpoint header can hold and give back."""

from __future__ import annotations

import reprlib
from typing import Any

import numpy as np


def _jsonable(value: Any) -> Any:
    """A bit generator's state (dicts, ints, arrays) as JSON; arrays become tagged lists."""
    if isinstance(value, dict):
        return {k: _jsonable(x) for k, x in value.items()}
    if isinstance(value, np.ndarray):
        return {"__ndarray__": value.dtype.str, "data": value.tolist()}
    return value.item() if isinstance(value, np.generic) else value


def _from_jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"__ndarray__", "data"}:
            if value["__ndarray__"] not in ("<u4", "<u8", "<i4", "<i8", "|u1"):
                raise ValueError(f"unexpected array type {value['__ndarray__']!r}")
            return np.array(value["data"], dtype=value["__ndarray__"])
        return {k: _from_jsonable(x) for k, x in value.items()}
    return value


def rng_state(rng: np.random.Generator | np.random.RandomState) -> dict[str, Any]:
    """The exact position of a generator's stream, JSON-ready."""
    if isinstance(rng, np.random.RandomState):
        return _jsonable(rng.get_state(legacy=False))
    return _jsonable(rng.bit_generator.state)


def set_rng_state(rng: np.random.Generator | np.random.RandomState, state: Any) -> None:
    """Put ``rng`` at the position ``rng_state`` recorded (ValueError if it does not fit)."""
    current = rng_state(rng)
    if not isinstance(state, dict) or state.get("bit_generator") != current["bit_generator"]:
        raise ValueError(
            f"the shuffle generator is a {current['bit_generator']}, the checkpoint holds "
            f"{reprlib.repr(state)}"
        )
    try:
        value = _from_jsonable(state)
        if isinstance(rng, np.random.RandomState):
            rng.set_state(value)
        else:
            rng.bit_generator.state = value
    except (TypeError, ValueError, KeyError, OverflowError) as err:
        raise ValueError(f"the shuffle generator's state is not valid ({err})") from err
