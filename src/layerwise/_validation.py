"""Checks shared by every public entry point.

Each check raises ``ValueError`` or ``TypeError`` with the argument's name, the rule, what was
received and a hint, so a user can fix the call without reading the source. Messages speak of
the library's arguments (``target=``, ``learning_rate``); the command line translates them to its
flags. The last section checks the fields of saved headers (model files, checkpoints), which are
untrusted input too: one validator for every reader of a header.
"""

from __future__ import annotations

import math
import reprlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


def check_dtype(dtype: Any) -> np.dtype:
    """Return ``dtype`` as a NumPy dtype, accepting only float32 and float64."""
    try:
        resolved = np.dtype(dtype)
    except TypeError as err:
        raise TypeError(f"dtype must be float32 or float64, got {dtype!r}.") from err
    if resolved not in FLOAT_DTYPES:
        raise ValueError(
            f"dtype must be float32 or float64, got {resolved}. "
            "Hint: pass dtype=np.float32 for speed or np.float64 for gradient checks."
        )
    return resolved


def check_layer_dims(layer_dims: Sequence[int]) -> list[int]:
    """``layer_dims`` as a list of at least two positive ints ``[n_x, ..., n_y]``."""
    try:
        given = list(layer_dims)  # (read once: an iterator is read as it is given)
        dims = [int(n) for n in given]
    except (TypeError, ValueError) as err:
        raise TypeError(f"layer_dims must be a list of integers, got {layer_dims!r}.") from err
    if len(dims) < 2 or min(dims) < 1 or any(d != n for d, n in zip(dims, given, strict=True)):
        raise ValueError(
            "layer_dims must hold at least two positive integers [n_x, ..., n_y], "
            f"got {layer_dims!r}. "
            "Hint: logistic regression is [n_x, 1]."
        )
    return dims


def check_choice(name: str, value: Any, valid: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``valid``; otherwise list the valid names."""
    options = sorted(valid)
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"Unknown {name} {value!r}. Valid names: {', '.join(options)}.")
    return value


def lookup(name: str, value: Any, table: Mapping[str, Any]) -> Any:
    """Return ``table[value]`` or raise the unknown-name error listing the valid keys."""
    return table[check_choice(name, value, table)]


def check_positive(name: str, value: Any, *, allow_zero: bool = False) -> float:
    """Return ``value`` as a float if it is finite and > 0 (or >= 0 with ``allow_zero``)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number, got {type(value).__name__} {value!r}.")
    bound_ok = value >= 0 if allow_zero else value > 0
    if not np.isfinite(value) or not bound_ok:
        rule = ">= 0" if allow_zero else "> 0"
        shown = value.item() if isinstance(value, np.generic) else value  # "0.0", not np.float64
        raise ValueError(f"{name} must be finite and {rule}, got {shown!r}.")
    return float(value)


def check_int(name: str, value: Any, *, minimum: int = 1) -> int:
    """Return ``value`` if it is an integer >= ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, int | np.integer):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__} {value!r}.")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}.")
    return int(value)


def check_fraction(name: str, value: Any, *, allow_zero: bool = True) -> float:
    """Return ``value`` as a float in [0, 1) (or (0, 1) without ``allow_zero``)."""
    value = check_positive(name, value, allow_zero=allow_zero)
    if value >= 1:
        raise ValueError(
            f"{name} must be in {'[' if allow_zero else '('}0, 1), got {value!r}. "
            "Hint: 0.2 holds out a fifth of the examples."
        )
    return value


def check_beta(name: str, value: Any) -> float:
    """An exponential-average coefficient β in [0, 1): β = 1 would never forget (and Adam's bias
    correction 1/(1 - βᵗ) would divide by zero)."""
    if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
        raise TypeError(f"{name} must be a number in [0, 1), got {type(value).__name__} {value!r}.")
    if not (np.isfinite(value) and 0 <= value < 1):
        shown = value.item() if isinstance(value, np.generic) else value
        raise ValueError(
            f"{name} must be in [0, 1), got {shown!r}. Hint: 0.9 averages over about 10 steps."
        )
    return float(value)


def as_matrix(
    name: str, X: Any, dtype: np.dtype | None = None, n_rows: int | None = None
) -> np.ndarray:
    """Return ``X`` as a 2-D float array ``(rows, m)``, rejecting other ranks and non-numbers;
    ``n_rows`` (the features expected) makes the hint for a 1-D array exact."""
    if isinstance(X, np.ndarray) and X.dtype.kind in "fiub":
        arr = X
    else:
        try:
            arr = np.asarray(X)
        except (TypeError, ValueError) as err:
            raise TypeError(f"{name} must be a numeric array, got {type(X).__name__}.") from err
        if arr.dtype.kind not in "fiub":
            raise TypeError(
                f"{name} must hold numbers, got dtype {arr.dtype}. "
                "Hint: encode text columns as numbers first."
            )
    if arr.ndim != 2:
        if arr.ndim == 1 and n_rows is not None and arr.shape[0] == n_rows and n_rows > 1:
            shape = f"({n_rows}, 1)"  # one example of n_rows features: one column
        else:
            shape = f"(1, {arr.shape[0]})" if arr.ndim == 1 else ""
        hint = (
            f" Hint: reshape it to {shape}: one column per example."
            if shape
            else " Arrays are (features, examples): one column per example."
        )
        raise ValueError(f"{name} must be 2-D (rows, m), got shape {arr.shape}.{hint}")
    if dtype is not None and arr.dtype != dtype:
        arr = arr.astype(dtype)
    return arr


def check_finite(name: str, X: np.ndarray) -> None:
    """Raise if ``X`` holds NaN or inf, naming how many and the first column."""
    if X.dtype.kind != "f":
        return
    with np.errstate(over="ignore", invalid="ignore"):  # a NaN/inf makes the sum non-finite;
        if np.isfinite(np.sum(X, dtype=np.float64)):  # no temporary the size of X
            return
    if not np.isfinite(X).all():
        bad = ~np.isfinite(X)
        # the first example (column) holding one, not the first hit in row-major order
        column = int(np.flatnonzero(bad.any(axis=0) if X.ndim == 2 else bad)[0])
        raise ValueError(
            f"{name} contains {int(bad.sum())} NaN/inf values (first at column {column}). "
            "It must be finite. Hint: drop those examples or fill in the missing values first."
        )


def check_inputs(name: str, X: Any, n_rows: int, dtype: np.dtype | None = None) -> np.ndarray:
    """Check an input matrix ``X: (n_rows, m)``; catch examples passed as rows."""
    arr = as_matrix(name, X, dtype, n_rows)
    if arr.shape[0] != n_rows:
        hint = (
            f" It looks transposed: pass {name}.T." if arr.shape[1] == n_rows else ""
        ) or " Check the first entry of layer_dims."
        raise ValueError(
            f"{name} must have {n_rows} rows (features), got shape {arr.shape}. "
            f"Inputs are (n_x, m): one column per example.{hint}"
        )
    if arr.shape[1] == 0:
        raise ValueError(f"{name} must hold at least one example (column), got shape {arr.shape}.")
    check_finite(name, arr)
    return arr


def check_targets(Y: Any, AL_shape: tuple[int, int], dtype: np.dtype | None = None) -> np.ndarray:
    """Check labels ``Y`` against output ``AL: (n_y, m)``; refuse silent broadcasting."""
    n_y, m = AL_shape
    if isinstance(Y, np.ndarray) and Y.ndim == 1:
        hint = f"reshape it to ({n_y}, {m})" if Y.shape[0] == m and n_y == 1 else "fix its length"
        raise ValueError(
            f"Y of shape {Y.shape} would broadcast against AL of shape {AL_shape}; {hint}."
        )
    arr = as_matrix("Y", Y, dtype)
    if arr.shape != (n_y, m):
        hint = " It looks transposed: pass Y.T." if arr.shape == (m, n_y) else ""
        raise ValueError(f"Y must have shape {(n_y, m)} to match AL, got {arr.shape}.{hint}")
    check_finite("Y", arr)
    return arr


def check_sample_weight(sample_weight: Any, m: int) -> np.ndarray:
    """Per-example weights ``(m,)`` as float64: finite, >= 0, not all zero."""
    try:
        w = np.asarray(sample_weight, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(
            "sample_weight must hold numbers, one weight per example; "
            f"got {type(sample_weight).__name__}."
        ) from err
    if w.shape != (m,):
        raise ValueError(
            f"sample_weight must have shape ({m},), one weight per example, got shape {w.shape}."
        )
    check_finite("sample_weight", w)
    if (w < 0).any():
        raise ValueError(
            f"sample_weight must be >= 0, got {int((w < 0).sum())} negative weights. "
            "Hint: a weight counts its example (2 = twice, 0 = left out)."
        )
    if not w.any():
        raise ValueError(
            "sample_weight must contain at least one non-zero weight; all are zero. "
            "Hint: weight 0 leaves an example out, so nothing would be trained on."
        )
    return w


# ----- saved headers (model files, checkpoints): untrusted JSON --------------------------------
def expect(ok: bool, name: str, rule: str, value: Any) -> None:
    """Raise ``ValueError`` naming a saved field, its rule and (briefly) what it holds; the
    reader of the file adds the file's name."""
    if not ok:
        raise ValueError(f"{name} must be {rule}, got {reprlib.repr(value)}.")


def is_number(x: Any) -> bool:
    """A finite JSON number (not a bool, not an int beyond float range)."""
    if isinstance(x, bool) or not isinstance(x, int | float):
        return False
    try:
        return math.isfinite(x)
    except OverflowError:
        return False


def strings(value: Any, name: str) -> list[str]:
    """A saved list of strings, or ``ValueError``."""
    expect(
        isinstance(value, list) and all(isinstance(x, str) for x in value),
        name,
        "a list of strings",
        value,
    )
    return value


def distinct(values: list, name: str) -> list:
    """A saved list whose entries are all different, or ``ValueError`` naming the first one
    listed twice (a one-hot block or a class list with a repeat is no model layerwise made).
    ``True`` and ``1`` count as different: JSON keeps them apart."""
    seen = set()
    for x in values:
        key = (type(x), x)
        if key in seen:
            raise ValueError(f"{name} must hold distinct values, got {reprlib.repr(x)} twice.")
        seen.add(key)
    return values


def numbers(value: Any, name: str) -> list[float]:
    """A saved list of finite numbers as floats (a loss curve), or ``ValueError``."""
    expect(
        isinstance(value, list) and all(is_number(x) for x in value),
        name,
        "a list of numbers (finite)",
        value,
    )
    return [float(x) for x in value]


def count(value: Any, name: str) -> int:
    """A saved integer >= 0 (not a bool), or ``ValueError``."""
    expect(
        isinstance(value, int) and not isinstance(value, bool) and value >= 0,
        name,
        "an integer >= 0",
        value,
    )
    return value
