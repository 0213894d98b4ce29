"""What ``fit`` trains on, checked once: examples as rows, targets, weights, the dev set, batches.

The core's modules do not import the ``Network`` class they serve: a network is checked by what
training needs (:func:`check_network`), everything else against its layer sizes and dtype.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import _validation as v

if TYPE_CHECKING:
    from ..network import Network

Array = np.ndarray


@dataclass(frozen=True)
class Inputs:
    """A run's data and batching, as the engine reads them.

    ``X_rows (m, n_x)`` and ``Y_rows (m, n_y)`` hold the examples as rows (C order: a batch is
    contiguous); ``w_rows (m, 1)`` the weights normalized to mean 1 (None: unweighted) and
    ``l2_scale`` = 1/s (s: the raw weights' mean, λ acts as λ/s); ``dev`` is
    ``(X_dev, Y_dev, w_dev or None)`` or None.
    """

    X_rows: Array
    Y_rows: Array
    B: int
    shuffled: bool
    shuffle_block: int | None
    w_rows: Array | None = None
    l2_scale: float = 1.0
    dev: tuple[Array, Array, Array | None] | None = None

    @property
    def fingerprinted(self) -> tuple[Array | None, ...]:
        """The arrays a checkpoint's data fingerprint covers."""
        return (self.X_rows, self.Y_rows, self.w_rows) + (() if self.dev is None else self.dev)

    @property
    def settings(self) -> dict[str, Any]:
        """The batching choices a checkpoint's settings fingerprint covers."""
        return {"batch_size": self.B, "shuffle": self.shuffled, "shuffle_block": self.shuffle_block}


def prepare_inputs(
    net: Network,
    X: Any,
    Y: Any,
    *,
    batch_size: int | None,
    shuffle: bool,
    shuffle_block: int | None,
    sample_weight: Any,
    dev: Any,
) -> Inputs:
    """Check ``fit``'s data and batching against ``net`` (see ``fit`` for each argument)."""
    n_x, n_y = net.layer_dims[0], net.layer_dims[-1]
    X_rows = examples_as_rows("X", X, n_x, net.dtype)  # (m, n_x)
    m = X_rows.shape[0]
    Y = v.check_targets(Y, (n_y, m), net.dtype)
    net.loss.check_targets(Y)
    Y_rows = np.ascontiguousarray(Y.T)  # (m, n_y)
    B = m if batch_size is None else min(v.check_int("batch_size", batch_size), m)
    dev_set = None if dev is None else _check_dev(net, dev)
    w_rows, l2_scale = None, 1.0
    w = None if sample_weight is None else _weights(sample_weight, m)
    if w is not None:
        l2_scale = 1.0 / float(w.mean())  # λ acts as λ/s
        w_rows = (w * l2_scale).astype(net.dtype)[:, None]  # (m, 1), mean 1
    if shuffle_block is not None:
        v.check_int("shuffle_block", shuffle_block)
    elif isinstance(X_rows, np.memmap):
        shuffle_block = 4096  # keep reads from a memory-mapped file near each other
    shuffled = shuffle and m > B  # full batch: the order does not matter
    return Inputs(X_rows, Y_rows, B, shuffled, shuffle_block, w_rows, l2_scale, dev_set)


def check_network(net: Any) -> None:
    """``fit`` trains a layerwise Network (checked by what it needs, as the core's modules do
    not import the Network class they serve)."""
    if not all(hasattr(net, a) for a in ("layer_dims", "theta", "layers", "loss", "shuffle_rng")):
        raise TypeError(
            f"net must be a layerwise.Network, got {type(net).__name__}. "
            "Hint: net = layerwise.Network([n_x, ..., n_y])."
        )


def _check_dev(net: Network, dev: Any) -> tuple[Array, Array, Array | None]:
    """``(X_dev (n_x, m_dev), Y_dev (n_y, m_dev), w_dev (m_dev,) or None)``, checked."""
    if not isinstance(dev, tuple | list) or len(dev) not in (2, 3):
        raise ValueError(
            f"dev must be (X_dev, Y_dev) or (X_dev, Y_dev, w_dev), got {type(dev).__name__}"
            f"{f' of {len(dev)} items' if isinstance(dev, tuple | list) else ''}."
        )
    n_x, n_y = net.layer_dims[0], net.layer_dims[-1]
    X_dev = v.check_inputs("dev X", dev[0], n_x, net.dtype)
    Y_dev = v.check_targets(dev[1], (n_y, X_dev.shape[1]), net.dtype)
    net.loss.check_targets(Y_dev)
    w_dev = _weights(dev[2], X_dev.shape[1]) if len(dev) > 2 else None
    return X_dev, Y_dev, w_dev


def _weights(sample_weight: Any, m: int) -> Array | None:
    """Checked per-example weights ``(m,)``; None when all are 1 (the same fit, unweighted)."""
    w = v.check_sample_weight(sample_weight, m)
    return None if np.all(w == 1) else w


def examples_as_rows(name: str, X: Any, n_x: int, dtype: np.dtype) -> Array:
    """``X (n_x, m)`` as ``(m, n_x)`` C-ordered rows: free when X is a transposed row-major array
    (as ``data.T`` or the course's ``x.reshape(m, -1).T``); otherwise one copy."""
    if isinstance(X, np.ndarray) and X.ndim == 2 and X.shape[0] == n_x and X.shape[1] > 0:
        rows = X.T
        if rows.flags.c_contiguous and rows.dtype == dtype:
            if not isinstance(X, np.memmap):  # never read a memory-mapped file whole; a NaN
                v.check_finite(name, X)  # there surfaces as a DivergenceError instead
            return rows
    X = v.check_inputs(name, X, n_x)
    return np.ascontiguousarray(X.T, dtype=dtype)
