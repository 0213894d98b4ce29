"""What the two estimators share: parameter checks, training through ``fit``, the logits.

``LayerwiseClassifier`` and ``LayerwiseRegressor`` take ``X (n_samples, n_features)`` and ``y`` the
ecosystem's way and train a core ``Network`` in the course's layout, one column per example:

    X_course = Xᵀ  (n_x, m)          Y = encode(y)ᵀ  (n_y, m)

Binary labels are the ``binary`` task (one output unit), k > 2 classes ``multiclass`` (k units),
an indicator matrix ``(m, k)`` ``multilabel`` (k units) and real values ``regression`` (one unit
per column); each task's output activation and loss come from :data:`layerwise.outputs.TASKS`.

Sample weights (times ``class_weight``) are frequency weights, trained by
:func:`layerwise.training.fit`: weight 2 counts a row twice, L2 term included.
"""

from __future__ import annotations

from numbers import Integral, Real
from typing import Any

import numpy as np
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.model_selection import train_test_split
from sklearn.utils.validation import check_is_fitted, validate_data

from .. import _validation as v
from ..activations import HIDDEN_ACTIVATIONS
from ..callbacks import EarlyStopping
from ..data.columns import MISSING_CHOICES
from ..inference import logits
from ..initializers import INITIALIZERS
from ..network import Network
from ..optimizers import OPTIMIZERS, get_optimizer
from ..random import child_seeds, fresh_seed
from ..training import fit
from . import devices
from .files import EstimatorFiles
from .missing import fit_imputer, imputed_inputs

Array = np.ndarray

#: scikit-learn's MLP names, accepted for familiarity.
_ACTIVATION_ALIASES = {"logistic": "sigmoid", "identity": "linear"}
_PREDICT_CHUNK = 65536  # examples per forward pass at predict time: bounds the caches' memory


class _LayerwiseBase(EstimatorFiles, BaseEstimator):
    """Parameter checks, training, prediction and saving shared by the two estimators."""

    # ----- parameters (stored by __init__, checked by fit) ---------------------------------
    def _hidden(self) -> tuple[list[int], list[str]]:
        """``hidden_layer_sizes`` and ``activation`` checked: sizes and one activation each."""
        sizes = self.hidden_layer_sizes
        sizes = [sizes] if isinstance(sizes, Integral) else list(sizes)
        if any(isinstance(n, bool) or not isinstance(n, Integral) or n < 1 for n in sizes):
            raise ValueError(
                f"hidden_layer_sizes must be positive integers, got {self.hidden_layer_sizes!r}. "
                "Hint: (100,) is one hidden layer of 100 units; () is no hidden layer."
            )
        acts = self.activation
        acts = [acts] * len(sizes) if isinstance(acts, str) else list(acts)
        if len(acts) != len(sizes):
            raise ValueError(
                f"activation must be one name or one per hidden layer ({len(sizes)}), "
                f"got {len(acts)}: {self.activation!r}."
            )
        acts = [_ACTIVATION_ALIASES.get(a, a) for a in acts]
        for a in acts:
            v.check_choice("activation", a, HIDDEN_ACTIVATIONS)
        return [int(n) for n in sizes], acts

    def _check_params(self) -> tuple[list[int], list[str]]:
        """Check every parameter; return the hidden layers' sizes and activations."""
        hidden = self._hidden()
        v.check_choice("init", self.init, ("auto", *INITIALIZERS))
        v.check_choice("optimizer", self.optimizer, OPTIMIZERS)
        v.check_positive("learning_rate", self.learning_rate)
        if self.batch_size is not None:
            v.check_int("batch_size", self.batch_size)
        v.check_int("max_epochs", self.max_epochs)
        v.check_positive("l2", self.l2, allow_zero=True)
        self._keep_prob(len(hidden[0]))
        v.check_int("patience", self.patience)
        v.check_choice("missing", self.missing, MISSING_CHOICES)
        frac = self.validation_fraction
        if self.early_stopping and not (isinstance(frac, Real) and 0 < frac < 1):
            raise ValueError(
                f"validation_fraction must be in (0, 1), got {frac!r}. "
                "Hint: 0.1 holds out a tenth of the rows for early stopping."
            )
        if self.dtype is not None:
            v.check_dtype(self.dtype)
        return hidden

    # ----- training ------------------------------------------------------------------------
    def fit(self, X, y, sample_weight=None):
        """Train the network on rows ``X``, afresh unless ``warm_start``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Class labels or an indicator matrix (classifier); target values (regressor).
        sample_weight : array-like of shape (n_samples,) or float, optional
            Frequency weights >= 0: weight 2 counts the row twice.

        Returns
        -------
        self
        """
        return self._fit(X, y, sample_weight, incremental=False)

    def _fit(self, X, y, sample_weight, *, incremental: bool, classes=None):
        sizes, acts = self._check_params()
        X, y, device = devices.fit_inputs(self, X, y)  # host rows; where to train
        devices.refuse_weights(self, sample_weight, device)  # before any state is touched
        warm = (incremental or self.warm_start) and hasattr(self, "network_")
        dtype = self.network_.dtype if warm else self.dtype
        X, y = validate_data(
            self,
            X,
            y,
            reset=not warm,
            dtype=[np.float64, np.float32] if dtype is None else dtype,  # float32 stays float32
            order="C",  # rows contiguous, so Xᵀ is the course's (n_x, m) at no cost
            multi_output=True,
            y_numeric=isinstance(self, RegressorMixin),
            ensure_all_finite=self._nan_allowed(warm),
        )
        devices.check_dtype(device, X.dtype)  # refused before the network is made
        if not warm:
            fit_imputer(self, X)
        X = imputed_inputs(self, X)  # (m, n_x): gaps filled, indicators appended
        if isinstance(sample_weight, Real) and not isinstance(sample_weight, bool):
            sample_weight = np.full(len(X), float(sample_weight))  # one number for every row
        sw = None if sample_weight is None else v.check_sample_weight(sample_weight, len(X))
        Y, output, sw = self._encode_targets(
            y, sw, X.dtype, fresh=not warm, incremental=incremental, classes=classes
        )
        if warm:
            self._continue([*sizes, Y.shape[0]])
        else:
            self._initialize([X.shape[1], *sizes, Y.shape[0]], acts, output, X.dtype)
        dev, callbacks = None, []
        if self.early_stopping and not incremental:
            X, Y, sw, dev = self._split_validation(X, Y, sw, output)
            callbacks = [EarlyStopping(patience=self.patience, monitor="dev_cost")]
        options = {"dev": dev, "callbacks": callbacks, "sample_weight": sw}
        history = self._train(X.T, Y, 1 if incremental else self.max_epochs, device, options)
        self.loss_curve_ += history.cost
        if dev is not None:
            self.validation_loss_curve_ = (self.validation_loss_curve_ or []) + history.dev_cost
        self.n_iter_ += history.epochs
        return self

    def _train(self, X, Y, epochs: int, device: str | None, options: dict[str, Any]):
        """``fit`` of ``X (n_x, m)``, ``Y (n_y, m)`` on ``device`` (None: NumPy's engine); a
        device holds θ and the optimizer's moments for the fit only, then they come back to
        the host (predict, pickle and save see host arrays)."""
        train = {"epochs": epochs, "optimizer": self._optimizer, "batch_size": self.batch_size}
        train |= {"verbose": bool(self.verbose), **options}
        if device is None:
            return fit(self.network_, X, Y, **train)
        devices.place(self, device)
        try:
            return fit(self.network_, X, Y, **train)
        finally:
            devices.place(self, None)

    def _nan_allowed(self, fitted: bool) -> bool | str:
        """``ensure_all_finite`` of scikit-learn's checks: NaN allowed when imputing."""
        imputing = getattr(self, "imputer_medians_", None) is not None if fitted else None
        if imputing is None:
            imputing = self.missing == "impute"
        return "allow-nan" if imputing else True

    def _initialize(self, layer_dims: list[int], hidden: list[str], output: str, dtype) -> None:
        init_seq = self._start_training_state()
        self.network_ = Network(
            layer_dims,
            hidden=hidden,
            output=output,
            init=self.init,
            seed=np.random.default_rng(init_seq),
            dtype=dtype,
            l2=self.l2,
            keep_prob=self._keep_prob(len(hidden)),
        )
        self.loss_curve_: list[float] = []
        self.validation_loss_curve_: list[float] | None = None
        self.n_iter_ = 0

    def _keep_prob(self, n_hidden: int) -> tuple[float, ...]:
        """``dropout`` (rates of dropping, one or one per hidden layer) as the network's
        keep_prob, one per hidden layer."""
        rate = self.dropout
        several = isinstance(rate, list | tuple | np.ndarray)
        given = list(rate) if several else [rate]
        real = all(isinstance(r, Real) and not isinstance(r, bool) for r in given)
        if not real or not all(0 <= r < 1 for r in given) or (several and len(given) != n_hidden):
            raise ValueError(
                f"dropout must be a rate with 0 <= dropout < 1, or {n_hidden} of them (one per "
                f"hidden layer), got {rate!r}. Hint: dropout=0.2 drops 20 % of the hidden units "
                "in training (keep_prob 0.8)."
            )
        if n_hidden == 0 and any(r > 0 for r in given):
            raise ValueError(
                "dropout applies to hidden layers, and hidden_layer_sizes="
                f"{self.hidden_layer_sizes!r} has none; got dropout={rate!r}. Hint: add a hidden "
                "layer, or leave dropout at 0."
            )
        return tuple(1.0 - float(r) for r in (given if several else given * n_hidden))

    def _start_training_state(self) -> np.random.SeedSequence:
        """Fresh optimizer and split seed; returns the initial weights' seed (both spawned from
        :meth:`_root_seed`). The shuffle is the network's own stream, continued across fits."""
        init_seq, split_seq = child_seeds(self._root_seed(), 2)
        self._optimizer = get_optimizer(self.optimizer, self.learning_rate)
        self._split_seed = int(split_seq.generate_state(1)[0])
        return init_seq

    def _root_seed(self) -> int:
        """The root seed of a fit: an int ``random_state`` as it is; one drawn from a
        RandomState or Generator; for None, fresh OS entropy (NumPy's global RNG is never used)."""
        rs = self.random_state
        if rs is None:
            return fresh_seed()
        if isinstance(rs, Integral) and not isinstance(rs, bool) and rs >= 0:
            return int(rs)
        if isinstance(rs, np.random.Generator):
            return int(rs.integers(2**31 - 1))
        if isinstance(rs, np.random.RandomState):
            return int(rs.randint(2**31 - 1))
        raise ValueError(
            "random_state must be None, an int >= 0, a numpy RandomState or Generator, "
            f"got {rs!r}. Hint: random_state=0 makes fits reproducible."
        )

    def _continue(self, layer_sizes: list[int]) -> None:
        """Warm start / partial_fit: same architecture (``layer_sizes`` = layer_dims[1:]);
        settings that may change take effect."""
        dims = self.network_.layer_dims
        if dims[1:] != layer_sizes:
            raise ValueError(
                f"warm_start / partial_fit continue the fitted network {dims}, but the settings "
                f"and y now give {[dims[0], *layer_sizes]}. Hint: set warm_start=False to refit."
            )
        self.network_.l2 = float(self.l2)
        self.network_.keep_prob = self._keep_prob(len(dims) - 2)
        opt = self._optimizer
        if opt.name != self.optimizer or opt.learning_rate != self.learning_rate:
            self._optimizer = get_optimizer(self.optimizer, self.learning_rate)

    def _split_validation(self, X, Y, sw, output: str):
        """Hold out ``validation_fraction`` of the rows (stratified for classes) for early
        stopping. Takes rows ``X (m, n_x)``, ``Y (n_y, m)``, ``sw (m,)`` or None; returns the
        training part in the same layouts and ``dev = (X_dev (n_x, m_val), Y_dev (n_y, m_val)
        [, w_dev (m_val,)])``, columns as ``training.fit`` takes them."""
        stratify = None  # regression and multi-label
        if output == "softmax":
            stratify = Y.argmax(axis=0)
        elif output == "sigmoid" and Y.shape[0] == 1:
            stratify = Y[0]
        idx_train, idx_val = train_test_split(
            np.arange(X.shape[0]),
            test_size=self.validation_fraction,
            random_state=self._split_seed,
            stratify=stratify,
        )
        dev = (X[idx_val].T, Y[:, idx_val])
        if sw is not None:
            dev, sw = (*dev, sw[idx_val]), sw[idx_train]
        return X[idx_train], Y[:, idx_train], sw, dev

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = self.missing == "impute"  # imputed, see .missing
        return tags

    # ----- predicting ----------------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "network_")  # not n_features_in_: a failed first fit may set it

    def _logits(self, X_in) -> Array:
        """Z[L] of shape (n_y, m) for rows X."""
        if not hasattr(self, "network_"):  # the cheap test first: check_is_fitted reads tags
            check_is_fitted(self)
        X_in = devices.host_rows(self, X_in)  # a device's rows: only under array_api_dispatch
        X = self._plain_rows(X_in)
        if X is None:  # anything else: scikit-learn's checks, which refuse what they must
            X = validate_data(
                self,
                X_in,
                reset=False,
                dtype=self.network_.dtype,
                order="C",
                ensure_all_finite=self._nan_allowed(True),
            )
        X = imputed_inputs(self, X)  # (m, n_x)
        parts = [
            logits(self.network_.layers, X[i : i + _PREDICT_CHUNK].T)  # (n_y, chunk), X checked
            for i in range(0, X.shape[0], _PREDICT_CHUNK)
        ]
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)

    def _plain_rows(self, X) -> Array | None:
        """``X`` as ``validate_data`` would return it, when ``X`` is the plain case it accepts
        as is: a 2-D float ndarray with the fitted feature count, no feature names expected,
        every value finite; None otherwise (then ``validate_data`` checks, and raises).

        The same checks in a few array operations: at one row ``validate_data`` costs more
        than the forward pass (a served model pays it on every request). One sum tells that
        every entry is finite (NaN and ±inf propagate); a non-finite sum sends ``X`` to the
        full checks, which tell a gap (allowed when imputing) from an infinity.
        """
        if (
            type(X) is not np.ndarray
            or X.ndim != 2
            or X.dtype not in (np.float32, np.float64)
            or X.shape[0] == 0
            or X.shape[1] != self.n_features_in_
            or hasattr(self, "feature_names_in_")
        ):
            return None
        X = np.asarray(X, dtype=self.network_.dtype, order="C")  # validate_data's conversion
        return X if np.isfinite(X.sum()) else None


def _store_params(est: BaseEstimator, args: dict[str, Any]) -> None:
    """``__init__``'s arguments (its ``locals()``) as attributes, unchanged: scikit-learn
    checks nothing in ``__init__``."""
    for name, value in args.items():
        if name != "self":
            setattr(est, name, value)
