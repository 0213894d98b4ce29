"""An epoch's numbers from its logits: the cost (weighted, stable for the fused pairs), the dev
set's cost and accuracy, and the check that tells bad data from divergence."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from ..callbacks import DivergenceError
from ..outputs import accuracy_from_logits, is_fused

if TYPE_CHECKING:
    from ..network import Network

Array = np.ndarray


def epoch_cost(net: Network, ZL: Array, Y: Array, w: Array | None = None) -> float:
    """Mean loss over the columns from the logits (stable for the fused pairs); with
    weights ``w (m,)`` of mean 1, the weighted mean (1/m) Σ w_i L_i."""
    loss, act = net.loss, net.activations[-1]
    fused = is_fused(act, loss)
    if w is None:
        return loss.cost_from_logits(ZL, Y) if fused else loss.cost(act.forward(ZL), Y)
    entries = loss.from_logits(ZL, Y) if fused else loss.elementwise(act.forward(ZL), Y)
    return float(entries.sum(axis=0) @ w) / ZL.shape[1]  # (n_y, m) -> (m,) -> scalar


def evaluate(net: Network, X: Array, Y: Array, w: Array | None = None) -> tuple[float, Any]:
    """Dev cost Σ w L / Σ w + λ/(2 Σ w) Σ‖W‖² (plain means without ``w``) and accuracy."""
    ZL = net._forward(X)[1][-1].Z  # X was checked once, when fit began
    m = X.shape[1]
    s = 1.0 if w is None else float(w.mean())
    cost = epoch_cost(net, ZL, Y, None if w is None else w / s) + net.l2_penalty(m) / s
    return cost, accuracy_from_logits(net.activations[-1], net.loss, ZL, Y)


def check_rows_finite(X_rows: Array, chunk: int = 65536) -> None:
    """Raise ``ValueError`` naming the first NaN/inf of ``X_rows (m, n_x)``, read in chunks of
    rows (a memory-mapped file is never loaded whole)."""
    for start in range(0, X_rows.shape[0], chunk):
        block = np.asarray(X_rows[start : start + chunk])  # (≤ chunk, n_x)
        bad = ~np.isfinite(block)
        if bad.any():
            example, feature = np.argwhere(bad)[0]
            raise ValueError(
                f"X contains NaN/inf values (first at column {start + example}, row {feature}: "
                "the example's feature): the data is bad, the model did not diverge. "
                "Hint: drop those examples or fill in the missing values first."
            )


def divergence(cost: float, epoch: int, learning_rate: float, kept: str) -> DivergenceError:
    """The error of a diverged epoch (the engine's and a device's loop say it alike): its
    cost, or that θ went non-finite under a finite cost, and what training ``kept``."""
    shown = cost if not np.isfinite(cost) else "finite, θ not"
    return DivergenceError(
        f"Cost became {shown} at epoch {epoch} (learning_rate={learning_rate}): the model "
        f"diverged; lower the learning rate or standardize X. Training stopped{kept}."
    )


def check_dev_cost(cost: float, epoch: int, learning_rate: float) -> None:
    """A non-finite dev cost is divergence (the training cost is checked with θ, first)."""
    if not np.isfinite(cost):
        raise DivergenceError(
            f"Cost became {cost} on the dev set at epoch {epoch} "
            f"(learning_rate={learning_rate}): the model diverged; "
            "lower the learning rate or standardize X."
        )
