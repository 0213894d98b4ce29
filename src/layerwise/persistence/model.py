"""What a model file's header must hold: the network's checked config and the arrays it requires.

The archive (:mod:`.archive`) checks what every file kind shares; this is the model's own part:
``network`` (layer dims, activations, loss, init, dtype), the ``training`` and ``metrics``
objects, and the parameters ``W1``, ``b1``, ... ``WL``, ``bL`` with the shapes ``(n[l], n[l-1])``
and ``(n[l], 1)`` the layer dims give. Each check raises ``ValueError`` naming the problem; the
archive adds the file's name.
"""

from __future__ import annotations

import reprlib
from typing import Any

import numpy as np

from .._version import __version__
from ..activations import ACTIVATIONS
from ..backend import to_numpy
from ..initializers import INITIALIZERS
from ..losses import ALIASES, LOSSES

FORMAT = "layerwise-model"
FORMAT_VERSION = 1
MAX_LAYERS = 10_000
FLOAT_DTYPES = ("float32", "float64")


def required_arrays(header: dict[str, Any]) -> dict[str, tuple[tuple[int, ...], str]]:
    """Check the model's own header fields; return the parameters' names, shapes and dtypes.

    Fills in an absent ``training`` or ``metrics`` as ``{}`` (files may leave them out).
    """
    _check_sections(header)
    dims, dtype = check_network_config(header.get("network"))
    required = {}
    for l in range(1, len(dims)):
        required[f"W{l}"] = ((dims[l], dims[l - 1]), dtype)
        required[f"b{l}"] = ((dims[l], 1), dtype)
    return required


def _check_sections(header: dict[str, Any]) -> None:
    for key in ("training", "metrics"):
        value = header.setdefault(key, {})
        if not isinstance(value, dict):
            raise ValueError(f"{key} must be an object, got {reprlib.repr(value)}")
    for split, values in header["metrics"].items():
        if not isinstance(values, dict):
            raise ValueError(
                f"metrics[{split!r}] must be an object of named numbers, got {reprlib.repr(values)}"
            )


def check_network_config(net: Any) -> tuple[list[int], str]:
    """The network section of a header: ``(layer_dims, dtype)`` once every field is checked."""
    if not isinstance(net, dict):
        raise ValueError("network is missing")
    dims = net.get("layer_dims")
    if (
        not isinstance(dims, list)
        or not 2 <= len(dims) <= MAX_LAYERS
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in dims)
    ):
        raise ValueError(f"layer_dims must be a list of positive integers, got {dims!r}")
    dtype = net.get("dtype")
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}")
    acts = net.get("activations")
    if not isinstance(acts, list) or len(acts) != len(dims) - 1:
        raise ValueError(f"activations must list {len(dims) - 1} entries")
    for spec in acts:
        if not isinstance(spec, dict) or spec.get("name") not in ACTIVATIONS:
            raise ValueError(f"unknown activation {reprlib.repr(spec)}")
    loss = net.get("loss")
    if not isinstance(loss, str) or (loss not in LOSSES and loss not in ALIASES):
        raise ValueError(f"unknown loss {reprlib.repr(loss)}")
    if net.get("init", "zeros") not in ("auto", *INITIALIZERS):
        raise ValueError(f"unknown init {reprlib.repr(net.get('init'))}")
    if not isinstance(net.get("legacy_rng", False), bool):
        raise ValueError(f"legacy_rng must be true or false, got {net.get('legacy_rng')!r}")
    return dims, dtype


def model_contents(
    net: Any,
    *,
    preprocessor: Any = None,
    training: Any = None,
    metrics: Any = None,
    sections: Any = None,
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """``Network.save``'s header and arrays: the network's config and parameters, the
    preprocessor's header and arrays, and the JSON-ready sections (see ``Network.save``)."""
    custom = [a.name for a in net.activations if not a.builtin]
    if custom or not net.loss.builtin:
        raise ValueError(
            f"custom records {custom or [net.loss.name]} cannot be saved: a model file "
            "stores no code, only the names of the library's activations and losses. "
            "Hint: pickle the network, or save net.theta with np.save."
        )
    # W1: (n1, n0), b1: (n1, 1), ... as host arrays: a device's file is NumPy's, byte for byte
    arrays: dict[str, np.ndarray] = {k: to_numpy(a) for k, a in net.parameters.items()}
    header: dict[str, Any] = {"library_version": __version__, "network": net.config()}
    header["preprocessing"] = None
    if preprocessor is not None:
        header["preprocessing"] = preprocessor.to_header()
        arrays |= {k: np.asarray(a, np.float64) for k, a in preprocessor.arrays().items()}
    header |= {"training": dict(training or {}), "metrics": dict(metrics or {})}
    header |= dict(sections or {})
    return header, arrays
