"""``LayerwiseRegressor``: real-valued targets, one or several, rows as examples."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.base import RegressorMixin

from .. import _validation as v
from ..network import Network
from ..outputs import TASKS
from .base import _LayerwiseBase, _store_params
from .devices import like
from .files import _bad_file

Array = np.ndarray


class LayerwiseRegressor(RegressorMixin, _LayerwiseBase):
    """A deep fully connected regressor (linear output, squared error); rows of ``X`` are examples.

    ``y (n_samples,)`` gives one output unit, ``y (n_samples, k)`` k of them. The network learns
    the standardized target, (y - mean) / std per column, and ``predict`` undoes it, so the
    defaults work on raw targets of any scale (``standardize_target=False`` learns y as it is;
    ``loss_curve_`` is in the learned units). Scale the inputs in a ``Pipeline``
    (``StandardScaler``). Parameters and attributes are the classifier's, without
    ``class_weight`` and ``classes_`` (``device``: array-API dispatch needs ``SCIPY_ARRAY_API=1``
    set, as there).

    Attributes
    ----------
    target_mean_, target_scale_ : ndarray of shape (n_outputs,)
        What ``predict`` multiplies by and adds back (0 and 1 without standardizing).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.linspace(-1, 1, 200)[:, None]; y = X[:, 0] ** 2
    >>> reg = LayerwiseRegressor((32,), "tanh", learning_rate=0.01, random_state=0).fit(X, y)
    >>> reg.score(X, y) > 0.9
    True
    """

    def __init__(
        self,
        hidden_layer_sizes=(100,),
        activation="relu",
        *,
        init="auto",
        optimizer="adam",
        learning_rate=0.001,
        batch_size=200,
        max_epochs=200,
        l2=0.0001,
        dropout=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        patience=10,
        standardize_target=True,
        dtype=None,
        random_state=None,
        verbose=False,
        warm_start=False,
        missing="impute",
        device=None,
    ):
        _store_params(self, locals())

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch on this data, continuing from the fitted network; arguments as ``fit``
        (the first call fixes the target's scaling)."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _encode_targets(self, y, sw, dtype, *, fresh: bool, incremental: bool, classes=None):
        values = y.reshape(len(y), -1).astype(np.float64)  # (m, n_y)
        if fresh:
            self._y_ndim = y.ndim
            self.target_mean_ = np.zeros(values.shape[1])
            self.target_scale_ = np.ones(values.shape[1])
            if self.standardize_target:  # weighted as the cost is: weight 2 == the row twice
                self.target_mean_ = np.average(values, axis=0, weights=sw)
                var = np.average((values - self.target_mean_) ** 2, axis=0, weights=sw)
                self.target_scale_ = np.where(var > 0, np.sqrt(var), 1.0)  # constant: as it is
        Y = ((values - self.target_mean_) / self.target_scale_).T  # (n_y, m)
        return Y.astype(dtype), TASKS["regression"].output, sw

    def _target_metadata(self) -> dict[str, Any]:
        return {
            "y_ndim": int(self._y_ndim),
            "target_mean": self.target_mean_.tolist(),
            "target_scale": self.target_scale_.tolist(),
        }

    def _restore_targets(self, meta: dict[str, Any], net: Network, path) -> None:
        y_ndim, n_y = meta.get("y_ndim"), net.layer_dims[-1]
        if y_ndim not in (1, 2) or (y_ndim == 1 and n_y != 1):
            raise _bad_file(path, f"y_ndim {y_ndim!r} does not fit the network")
        if net.pair != TASKS["regression"]:
            raise _bad_file(path, f"a regressor needs a linear output, got {net.output!r}")
        mean = v.numbers(meta.get("target_mean", [0.0] * n_y), "target_mean")
        scale = v.numbers(meta.get("target_scale", [1.0] * n_y), "target_scale")
        v.expect(len(mean) == n_y, "target_mean", f"{n_y} numbers", mean)
        v.expect(len(scale) == n_y and min(scale) > 0, "target_scale", f"{n_y} numbers > 0", scale)
        self._y_ndim, self.target_mean_, self.target_scale_ = (
            y_ndim,
            np.array(mean),
            np.array(scale),
        )

    def predict(self, X) -> Array:
        """Predictions for rows ``X``: ``(n_samples,)``, or ``(n_samples, k)`` when fitted on
        a 2-D y, in the target's own units."""
        Z = self._logits(X).T  # (m, n_y): linear output, A[L] = Z[L], in the network's dtype
        Y_hat = Z * self.target_scale_.astype(Z.dtype) + self.target_mean_.astype(Z.dtype)
        return like(X, Y_hat[:, 0] if self._y_ndim == 1 else Y_hat)  # (X's device, if one)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
