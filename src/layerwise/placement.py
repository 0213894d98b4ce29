"""Where a network's arrays live: θ moved to a device once, inputs and targets checked there.

A network holds its θ on one device (:mod:`layerwise.backend` names them): NumPy by default,
or the array library and device of ``Network(..., device=...)`` / ``net.to(...)``. θ is always
drawn on the host, by the network's seeded generator in the course's order, and then moved, so
the same seed gives the same initial θ on every device. ``W``, ``b`` and the course's dict stay
views of θ on the device. Inputs given as host data (NumPy arrays, lists) are checked and moved
to the network's device; an array of another library or another device is refused, never moved
silently. The checks' messages are the NumPy path's own: a device array that fails a check is
copied to the host and checked there, so the message says the same thing everywhere.

The core's modules do not import the ``Network`` class they serve: a network is read by its
attributes (``theta``, ``layers``, ``layer_dims``, ``dtype``, ``xp``, ``device``).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import _validation as v
from .backend import (
    check_dtype_on,
    device_of,
    is_device_array,
    library_of,
    namespace,
    resolve_device,
    to_device,
    to_numpy,
    xp_dtype,
)
from .parameters import parameter_blocks

Array = Any


def place(net: Any, spec: str | None) -> None:
    """Move ``net``'s θ to the device ``spec`` names (None: NumPy) and point every layer's
    ``W``/``b`` at views of it. The optimizer's state is not the network's: it stays."""
    xp, device = resolve_device(spec)
    check_dtype_on(xp, device, net.dtype, spec)
    if xp is np and isinstance(net.theta, np.ndarray):
        theta = net.theta  # NumPy to NumPy: nothing moves
    elif xp is np:
        theta = np.array(to_numpy(net.theta), copy=True)  # detached from the device's memory
    else:
        host = np.array(to_numpy(net.theta), copy=True)  # (a CPU tensor may share it)
        theta = to_device(host, xp, device, net.dtype)
    net.theta = theta
    for layer, Wb in zip(net.layers, parameter_blocks(theta, net.layer_dims), strict=True):
        layer.W, layer.b = Wb[:, :-1], Wb[:, -1:]  # (n[l], n[l-1]), (n[l], 1): views of θ
    net.xp, net.device_object = xp, device
    net.device = None if xp is np else spec


def holds(net: Any, A: Any) -> bool:
    """Whether ``A`` is an array of the network's library (on NumPy: an ndarray)."""
    if net.xp is np:
        return isinstance(A, np.ndarray)
    try:
        return not isinstance(A, np.ndarray) and namespace(A) is net.xp
    except (TypeError, ValueError):
        return False


def on_device(net: Any, name: str, A: Any) -> Array:
    """``A`` as a 2-D array of the network's library, device and dtype: host data (NumPy
    arrays, lists) checked as on NumPy and moved once; an array of another library or
    another device refused (``TypeError``)."""
    xp, device = net.xp, net.device_object
    if not is_device_array(A):  # host data (NumPy, lists, a DataFrame): one copy over
        return to_device(v.as_matrix(name, A, net.dtype), xp, device)
    refuse_foreign(net, name, A)
    dtype = xp_dtype(xp, net.dtype)
    return A if A.dtype == dtype else xp.astype(A, dtype)


def refuse_foreign(net: Any, name: str, A: Any) -> None:
    """Refuse (``TypeError``) a device's array ``A`` of another library or device than the
    network's (any device's array, for a NumPy network): nothing crosses silently."""
    if net.xp is np:
        raise TypeError(
            f"{name} must be NumPy data for a NumPy network, got an array of {library_of(A)} "
            f"on {device_of(A)}. Hint: build the network with device=..., or move it there "
            "with net.to(...); layerwise moves no device's data silently."
        )
    where = device_of(A)
    if not holds(net, A) or str(where) != str(net.device_object):
        raise TypeError(
            f"{name} must be on the network's device {net.device!r}, got an array of "
            f"{library_of(A)} on {where}. Hint: move it with layerwise.backend.to_device, or "
            f"the network with net.to(...); layerwise moves no device's data silently."
        )


def inputs(net: Any, name: str, X: Any) -> Array:
    """``X (n_x, m)`` checked as ``Network.forward`` takes it (rows, examples, finite), on
    the network's device."""
    n_x = net.layer_dims[0]
    if net.xp is np:
        if is_device_array(X):
            refuse_foreign(net, name, X)
        return v.check_inputs(name, X, n_x, net.dtype)
    X = on_device(net, name, X)
    xp = net.xp
    if X.ndim != 2 or X.shape[0] != n_x or X.shape[1] == 0 or not bool(xp.all(xp.isfinite(X))):
        v.check_inputs(name, to_numpy(X), n_x, net.dtype)  # raises the NumPy path's message
    return X


def targets(net: Any, Y: Any, shape: tuple[int, int]) -> Array:
    """``Y (n_y, m)`` checked against the output's shape and the loss (0/1, one-hot), on the
    network's device; a device's targets are checked on a host copy."""
    if is_device_array(Y):  # refused if another library's or device's, else checked on
        refuse_foreign(net, "Y", Y)  # a host copy (the NumPy path's messages)
        host = v.check_targets(to_numpy(Y), shape, net.dtype)
        net.loss.check_targets(host)
        return on_device(net, "Y", Y if Y.shape == host.shape else host)  # (reshaped: moved)
    Y = v.check_targets(Y, shape, net.dtype)
    net.loss.check_targets(Y)
    return Y if net.xp is np else on_device(net, "Y", Y)


def output_targets(net: Any, Y: Any, AL: Any) -> Array:
    """``Y`` checked against the network's output ``AL (n_y, m)``, which must be one."""
    n_y, numpy = net.layer_dims[-1], net.xp is np
    array = isinstance(AL, np.ndarray) if numpy else holds(net, AL)
    if not array or AL.ndim != 2 or AL.shape[0] != n_y:
        got = f"shape {tuple(AL.shape)}" if array else type(AL).__name__
        raise ValueError(
            f"AL must be the network's output, an array of shape (n_y={n_y}, m), got {got}. "
            "Hint: AL, caches = net.forward(X)."
        )
    if numpy and not is_device_array(Y):  # (inline: the reference path checks twice a step)
        Y = v.check_targets(Y, AL.shape, net.dtype)
        net.loss.check_targets(Y)
        return Y
    return targets(net, Y, tuple(AL.shape))


def host_theta(net: Any) -> np.ndarray:
    """θ as a host NumPy array (θ itself on NumPy; a copy from a device)."""
    return to_numpy(net.theta)
