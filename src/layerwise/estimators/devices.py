"""Where an estimator trains: its ``device`` parameter and scikit-learn's ``array_api_dispatch``.

``device=None`` trains on NumPy, as always. ``device="torch:cuda"`` (any form of
:func:`layerwise.backend.resolve_device`) trains the network there: the rows are checked,
imputed and encoded on the host as for NumPy, moved to the device once, and after the fit
the network (and the optimizer's moments, for ``warm_start`` / ``partial_fit``) come back to
the host, so ``predict``, pickling and ``save`` see the same NumPy estimator as ever.

Arrays of another library (PyTorch, CuPy, array-api-strict) follow scikit-learn's convention:
inside ``sklearn.config_context(array_api_dispatch=True)`` (scikit-learn needs
``SCIPY_ARRAY_API=1`` in the environment, set before SciPy is imported) the estimator trains
on the arrays' own library and device, and its predictions for such arrays are returned there
(computed on the host, from the host network). Without dispatch they are refused, never
converted silently.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn import get_config

from ..backend import (
    check_dtype_on,
    device_of,
    device_spec_of,
    is_device_array,
    library_of,
    namespace,
    resolve_device,
    to_device,
    to_numpy,
)
from ..runtime.device import REFUSED


def checked_device(est: Any) -> str | None:
    """The estimator's ``device`` as a spec (None: NumPy), checked at fit (not on load: a
    file saved on a GPU machine loads anywhere); the backend's refusals list the forms."""
    xp, _ = resolve_device(est.device)
    return None if xp is np else est.device


def check_dtype(device: str | None, dtype: np.dtype) -> None:
    """Refuse, before a fit makes any state (the network, its θ), a dtype the device lacks:
    a refused fit leaves the estimator as it was (unfitted on a first fit)."""
    if device is not None:
        check_dtype_on(*resolve_device(device), np.dtype(dtype), device)


def fit_inputs(est: Any, X: Any, y: Any) -> tuple[Any, Any, str | None]:
    """``(X, y, device)`` for a fit: host rows and targets, and the device to train on (the
    ``device`` parameter, or the arrays' own under ``array_api_dispatch``)."""
    device = checked_device(est)
    given = [a for a in (X, y) if is_device_array(a)]
    if not given:
        return X, y, device
    refuse_without_dispatch(est, given[0], "fit")
    namespace(*given)  # one library, one device (else refused, naming them)
    own = device_spec_of(given[0])
    if device is not None and str(resolve_device(device)[1]) != str(device_of(given[0])):
        raise ValueError(
            f"device={device!r} differs from the device of the arrays given to fit ({own}). "
            "Hint: under array_api_dispatch the arrays' device trains; leave device=None, "
            "or pass the arrays on that device."
        )
    return to_numpy(X), to_numpy(y), own


def host_rows(est: Any, X: Any) -> Any:
    """Rows to predict, on the host: a device's array under ``array_api_dispatch`` copied
    over (its predictions go back with :func:`like`), refused without it."""
    if not is_device_array(X):
        return X
    refuse_without_dispatch(est, X, "predict")
    return to_numpy(X)


def like(X: Any, result: np.ndarray) -> Any:
    """``result`` on the library and device of the rows ``X`` (as is for host rows)."""
    if not is_device_array(X):
        return result
    if result.dtype.kind not in "biuf":
        raise TypeError(
            f"the predictions are labels of dtype {result.dtype}, which {library_of(X)} arrays "
            "cannot hold. Hint: fit on numeric labels, or predict on NumPy rows."
        )
    xp = namespace(X)
    return to_device(result, xp, device_of(X))


def refuse_without_dispatch(est: Any, X: Any, what: str) -> None:
    """A device's array outside ``array_api_dispatch``: refused, naming the ways on."""
    if get_config()["array_api_dispatch"]:
        return
    name = type(est).__name__
    raise TypeError(
        f"{name}.{what} takes NumPy or pandas rows, got an array of {library_of(X)} on "
        f"{device_of(X)}; layerwise moves no device's data silently. Hint: inside "
        "sklearn.config_context(array_api_dispatch=True) it trains and predicts on the "
        f"arrays' device; or pass NumPy rows (with {name}(device=...) to train on a device)."
    )


def place(est: Any, device: str | None) -> None:
    """The estimator's network and its optimizer's moments on ``device`` (None: the host),
    for the time of a fit: θ moved once, the moments with it (``warm_start`` continues
    them)."""
    est.network_.to(device)
    xp, where = est.network_.xp, est.network_.device_object
    state = est._optimizer.state
    for key, slots in state.items():
        state[key] = {
            name: to_numpy(a) if xp is np else to_device(to_numpy(a), xp, where)
            for name, a in slots.items()
        }


def refuse_weights(est: Any, sample_weight: Any, device: str | None) -> None:
    """Weighted training (``sample_weight``, ``class_weight``) is the NumPy engine's."""
    weighted = sample_weight is not None or getattr(est, "class_weight", None) is not None
    if device is not None and weighted:
        raise ValueError(
            f"sample_weight and class_weight are not supported on a device (got device "
            f"{device!r}): {REFUSED['sample_weight']}. Hint: leave them out, or train on "
            "NumPy (device=None)."
        )
