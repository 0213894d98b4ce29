"""The output layer: which output activation goes with which loss. One table, read everywhere.

==========  ==================  ========================  ======  ============================
task        output activation   loss                      n_y     backward pass starts from
==========  ==================  ========================  ======  ============================
binary      sigmoid             binary_crossentropy       1       dZ[L] = AL - Y  (fused)
multilabel  sigmoid             multilabel_crossentropy   ≥ 1     dZ[L] = AL - Y  (fused)
multiclass  softmax             categorical_crossentropy  ≥ 2     dZ[L] = AL - Y  (fused)
regression  linear              squared_error             ≥ 1     dZ[L] = AL - Y  (fused)
regression  linear              absolute_error            ≥ 1     dAL = dL/dAL, through g'
regression  sigmoid, tanh,      squared_error or          ≥ 1     dAL = dL/dAL, through g'
            relu, leaky_relu    absolute_error
==========  ==================  ========================  ======  ============================

A fused pair's row carries its in-place code for the training engine: ``delta`` writes
c·dZ[L] = c(AL - Y) from the logits and ``targets`` prepares the targets' part once per epoch.
A pair is fused only when both records are the library's own: a custom activation or loss
record always goes through dL/dAL and g', exactly as the reference path computes it.

>>> TASKS["multiclass"].output, TASKS["multiclass"].loss
('softmax', 'categorical_crossentropy')
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np

from .activations import HIDDEN_ACTIVATIONS, Activation
from .backend import device_of, index_dtype, namespace
from .losses import LOSSES, Loss

Array = np.ndarray
Op = Callable[[], object]
#: ``delta(ZL, T, dZ, col, c) -> ops`` writing c·dZ[L] into ``dZ`` (n_y, B) from the logits
#: ``ZL`` (n_y, B) and the targets' part ``T`` (n_y, B); ``col`` (B,) is scratch.
DeltaOps = Callable[[Array, Array, Array, Array, float], list[Op]]


# ----- the fused pairs' in-place code (c = α/B for plain gradient descent, 1/B otherwise) -------
def sigmoid_delta(ZL: Array, T: Array, dZ: Array, col: Array, c: float) -> list[Op]:
    """c(σ(z) - y) = (c/2) tanh(z/2) + c(½ - y): T holds c(½ - y)."""
    return [
        partial(np.multiply, ZL, 0.5, dZ),
        partial(np.tanh, dZ, dZ),
        partial(np.multiply, dZ, 0.5 * c, dZ),
        partial(np.add, dZ, T, dZ),
    ]


def softmax_delta(ZL: Array, T: Array, dZ: Array, col: Array, c: float) -> list[Op]:
    """c·softmax(z) - c·y, the column's max subtracted first: T holds c·y."""
    ones = np.ones(ZL.shape[0], ZL.dtype)  # (n_y,): Σ_k over a column as one product
    return [
        partial(np.maximum.reduce, ZL, 0, None, col),
        partial(np.subtract, ZL, col, dZ),
        partial(np.exp, dZ, dZ),
        partial(np.dot, ones, dZ, col),  # Σ_k e^z_k per column
        partial(np.multiply, col, 1 / c, col),
        partial(np.divide, dZ, col, dZ),
        partial(np.subtract, dZ, T, dZ),
    ]


def linear_delta(ZL: Array, T: Array, dZ: Array, col: Array, c: float) -> list[Op]:
    """c·z - c·y: T holds c·y."""
    return [partial(np.multiply, ZL, c, dZ), partial(np.subtract, dZ, T, dZ)]


def half_minus_targets(Y: Array, T: Array) -> None:
    """T = ½ - Y (the targets' part of σ(z) - y)."""
    np.subtract(0.5, Y, out=T)


def copy_targets(Y: Array, T: Array) -> None:
    """T = Y."""
    np.copyto(T, Y)


@dataclass(frozen=True)
class Pair:
    """One row of the table: an output activation, a loss, the task they serve and n_y's rule."""

    output: str
    loss: str
    task: str
    min_n_y: int = 1
    max_n_y: int | None = None
    delta: DeltaOps | None = None  # fused pairs only
    targets: Callable[[Array, Array], None] | None = None  # fused pairs only

    @property
    def fused(self) -> bool:
        """True when the backward pass starts from dZ[L] = AL - Y."""
        return self.delta is not None


_REGRESSION_OUTPUTS = ("sigmoid", "tanh", "relu", "leaky_relu")
PAIRS: tuple[Pair, ...] = (
    Pair("sigmoid", "binary_crossentropy", "binary", 1, 1, sigmoid_delta, half_minus_targets),
    Pair(
        "sigmoid",
        "multilabel_crossentropy",
        "multilabel",
        1,
        None,
        sigmoid_delta,
        half_minus_targets,
    ),
    Pair("softmax", "categorical_crossentropy", "multiclass", 2, None, softmax_delta, copy_targets),
    Pair("linear", "squared_error", "regression", delta=linear_delta, targets=copy_targets),
    Pair("linear", "absolute_error", "regression"),
    *(
        Pair(o, loss, "regression")
        for o in _REGRESSION_OUTPUTS
        for loss in ("squared_error", "absolute_error")
    ),
)
#: Each task's natural pair: what a data set's target asks of the network.
TASKS: dict[str, Pair] = {p.task: p for p in reversed(PAIRS[:4])}
__all__ = ["HIDDEN_ACTIVATIONS", "OUTPUT_ACTIVATIONS", "PAIRS", "TASKS", "Pair", "find_pair"]
OUTPUT_ACTIVATIONS = tuple(dict.fromkeys(p.output for p in PAIRS))


def default_loss(output: str, n_y: int) -> Loss:
    """The loss an output activation implies: the first row for it whose n_y rule holds
    (sigmoid → binary cross-entropy, or multi-label when n_y > 1; softmax → categorical
    cross-entropy; anything else → squared error)."""
    rows = [p for p in PAIRS if p.output == output] or [TASKS["regression"]]
    fits = [p for p in rows if p.min_n_y <= n_y <= (p.max_n_y or n_y)]
    return LOSSES[(fits or rows)[0].loss]  # none fits: find_pair says why


def find_pair(output: Activation, loss: Loss, n_y: int) -> Pair:
    """The table's row for this output record, loss record and n_y, or ``ValueError`` saying
    what would pair. A custom elementwise output record pairs with the regression losses."""
    rows = [p for p in PAIRS if p.loss == loss.name]
    row = next((p for p in rows if p.output == output.name), None)
    if row is None and not output.builtin and output.elementwise and rows:
        row = Pair(output.name, loss.name, rows[0].task)  # a custom output for a regression
    if not rows and not loss.builtin and output.elementwise:
        return Pair(output.name, loss.name, "regression")  # a custom loss: dL/dAL through g'
    if row is None or (rows and rows[0].task != "regression" and not output.builtin):
        allowed = " or ".join(dict.fromkeys(p.output for p in rows)) or "none"
        raise ValueError(
            f"loss {loss.name!r} needs output activation {allowed}, got {output.name!r}"
            f"{'' if output.builtin else ' (a custom record)'}. Hint: see layerwise.outputs."
        )
    if n_y < row.min_n_y or (row.max_n_y is not None and n_y > row.max_n_y):
        if row.max_n_y == 1:
            raise ValueError(
                f"{loss.name} needs one output unit, got {n_y}. "
                "Hint: use loss='multilabel_crossentropy' for several independent labels."
            )
        raise ValueError(
            f"{loss.name} needs at least {row.min_n_y} output units, got {n_y}. "
            "Hint: a binary target takes one sigmoid unit."
        )
    return row


def is_fused(output: Activation, loss: Loss) -> bool:
    """True when dZ[L] = AL - Y holds: a fused row, and both records the library's own."""
    row = next((p for p in PAIRS if p.output == output.name and p.loss == loss.name), None)
    return row is not None and row.fused and output.builtin and loss.builtin


def fused_delta(AL: Array, Y: Array) -> Array:
    """dZ[L] = AL - Y for the fused pairs, shape ``(n_y, m)``."""
    return AL - Y


def accuracy_from_logits(output: Activation, loss: Loss, ZL: Array, Y: Array) -> float | None:
    """Fraction correct from logits Z[L] (n_y, m) for a classification pair: argmax for
    softmax, z > 0 for sigmoid (entrywise for multi-label); None for regression."""
    if not is_fused(output, loss) or TASKS["regression"].loss == loss.name:
        return None
    xp = namespace(ZL, Y)
    if output.name == "softmax" and xp is np:
        hits = ZL.argmax(axis=0) == Y.argmax(axis=0)
    elif output.name == "softmax":
        hits = xp.argmax(ZL, axis=0) == xp.argmax(Y, axis=0)
    else:
        hits = (ZL > 0) == (Y > 0.5)
    if xp is np:
        return np.count_nonzero(hits) / hits.size
    count = index_dtype(xp, device_of(hits))  # (int32 on a device without int64)
    hits = xp.sum(xp.astype(hits, count), dtype=count)
    return int(hits) / math.prod(ZL.shape[1:] if output.name == "softmax" else ZL.shape)
