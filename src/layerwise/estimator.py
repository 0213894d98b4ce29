"""scikit-learn estimators around the core: here, and only here (and in the CLI), rows are examples.

``LayerwiseClassifier`` and ``LayerwiseRegressor`` take ``X (n_samples, n_features)`` and ``y`` the
ecosystem's way and train a core ``Network`` in the course's layout, one column per example:

    X_course = Xᵀ  (n_x, m)          Y = encode(y)ᵀ  (n_y, m)

=======================  ==============  ===============================================
target                   output (n_y)    loss
=======================  ==============  ===============================================
binary labels            sigmoid (1)     binary cross-entropy
k > 2 classes            softmax (k)     categorical cross-entropy
indicator matrix (m, k)  sigmoid (k)     multi-label cross-entropy (independent sigmoids)
real values (m,) (m, k)  linear (1 / k)  L2: ½ (a - y)²
=======================  ==============  ===============================================

Sample weights (times ``class_weight``) are frequency weights, trained by
:func:`layerwise.training.fit`: weight 2 counts a row twice, L2 term included.
"""

from __future__ import annotations

import reprlib
from numbers import Integral, Real
from typing import Any

import numpy as np

try:
    from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
    from sklearn.model_selection import train_test_split
    from sklearn.utils.class_weight import compute_class_weight
    from sklearn.utils.multiclass import (
        check_classification_targets,
        type_of_target,
        unique_labels,
    )
    from sklearn.utils.validation import (
        check_is_fitted,
        column_or_1d,
        validate_data,
    )
except ImportError as err:  # scikit-learn is an optional extra
    raise ImportError(
        "layerwise's scikit-learn estimators need scikit-learn >= 1.6. "
        "Hint: pip install 'layerwise[sklearn]'."
    ) from err

from . import _validation as v
from . import training
from .activations import HIDDEN_ACTIVATIONS, sigmoid, softmax
from .data import one_hot
from .initializers import INITIALIZERS
from .losses import binary_cross_entropy_from_logits, categorical_cross_entropy_from_logits
from .network import Network
from .optimizers import OPTIMIZERS, get_optimizer

Array = np.ndarray

#: scikit-learn's MLP names, accepted for familiarity.
_ACTIVATION_ALIASES = {"logistic": "sigmoid", "identity": "linear"}
_PREDICT_CHUNK = 65536  # examples per forward pass at predict time: bounds the caches' memory


class _LayerwiseBase(BaseEstimator):
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
        v.check_int("patience", self.patience)
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
        )
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
            callbacks = [training.EarlyStopping(patience=self.patience, monitor="dev_cost")]
        history = training.fit(
            self.network_,
            X.T,  # (n_x, m)
            Y,  # (n_y, m)
            epochs=1 if incremental else self.max_epochs,
            optimizer=self._optimizer,
            batch_size=self.batch_size,
            dev=dev,
            callbacks=callbacks,
            verbose=bool(self.verbose),
            sample_weight=sw,
        )
        self.loss_curve_ += history.cost
        if dev is not None:
            self.validation_loss_curve_ = (self.validation_loss_curve_ or []) + history.dev_cost
        self.n_iter_ += history.epochs
        return self

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
        )
        self.loss_curve_: list[float] = []
        self.validation_loss_curve_: list[float] | None = None
        self.n_iter_ = 0

    def _start_training_state(self) -> np.random.SeedSequence:
        """Fresh optimizer and split seed; returns the initial weights' seed (both spawned from
        :meth:`_root_seed`). The shuffle is the network's own stream, continued across fits."""
        init_seq, split_seq = np.random.SeedSequence(self._root_seed()).spawn(2)
        self._optimizer = get_optimizer(self.optimizer, self.learning_rate)
        self._split_seed = int(split_seq.generate_state(1)[0])
        return init_seq

    def _root_seed(self) -> int:
        """The root seed of a fit: an int ``random_state`` as it is; one drawn from a
        RandomState or Generator; for None, fresh OS entropy (NumPy's global RNG is never used)."""
        rs = self.random_state
        if rs is None:
            return int(np.random.SeedSequence().generate_state(1)[0])
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

    # ----- predicting ----------------------------------------------------------------------
    def __sklearn_is_fitted__(self) -> bool:
        return hasattr(self, "network_")  # not n_features_in_: a failed first fit may set it

    def _logits(self, X) -> Array:
        """Z[L] of shape (n_y, m) for rows X."""
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=self.network_.dtype, order="C")
        parts = [
            self.network_._forward(X[i : i + _PREDICT_CHUNK].T)[1][-1].Z  # (n_y, chunk), X checked
            for i in range(0, X.shape[0], _PREDICT_CHUNK)
        ]
        return parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)

    # ----- layerwise's own file format: arrays + JSON header, no pickle --------------------
    def save(self, path):
        """Write the fitted estimator to one ``.npz`` file in layerwise's safe format.

        The network goes in as ``Network.save`` writes it; the estimator's parameters and fitted
        attributes (``classes_``, ``n_features_in_``, ...) go into the header's JSON. Optimizer
        moments are not kept: a loaded estimator predicts the same; ``warm_start`` resumes with
        a fresh optimizer.

        Parameters
        ----------
        path : str or Path

        Returns
        -------
        Path
            Where it was written; read it back with ``load_estimator`` or ``<class>.load``.
        """
        from .persistence import save

        check_is_fitted(self)
        return save(self.network_, path, training={"estimator": self._metadata()})

    @classmethod
    def load(cls, path):
        """The estimator saved at ``path`` by ``save``; it must be of this class."""
        est = load_estimator(path)
        if not isinstance(est, cls):
            raise ValueError(
                f"{path} holds a {type(est).__name__}, not a {cls.__name__}. "
                "Hint: load_estimator(path) loads either class."
            )
        return est

    def _metadata(self) -> dict[str, Any]:
        names = getattr(self, "feature_names_in_", None)
        return {
            "class": type(self).__name__,
            "params": {k: _to_json(k, x) for k, x in self.get_params(deep=False).items()},
            "n_features_in": int(self.n_features_in_),
            "feature_names_in": None if names is None else [str(n) for n in names],
            "loss_curve": [float(c) for c in self.loss_curve_],
            "validation_loss_curve": self.validation_loss_curve_,
            "n_iter": int(self.n_iter_),
        } | self._target_metadata()

    def _restore(self, meta: dict[str, Any], net: Network, path) -> None:
        """Fitted attributes from a checked header (``load_estimator``)."""
        self.network_ = net
        self.n_features_in_ = net.layer_dims[0]
        names = meta.get("feature_names_in")
        if names is not None:
            if not (isinstance(names, list) and len(names) == self.n_features_in_):
                raise _bad_file(path, "feature_names_in does not match the network's inputs")
            self.feature_names_in_ = np.asarray([str(n) for n in names], dtype=object)
        self.loss_curve_ = _numbers(meta.get("loss_curve", []), "loss_curve", path)
        curve = meta.get("validation_loss_curve")
        self.validation_loss_curve_ = (
            None if curve is None else _numbers(curve, "validation_loss_curve", path)
        )
        n_iter = meta.get("n_iter", len(self.loss_curve_))
        if isinstance(n_iter, bool) or not isinstance(n_iter, int) or n_iter < 0:
            raise _bad_file(path, f"n_iter must be an integer >= 0, got {n_iter!r}")
        self.n_iter_ = n_iter
        self._restore_targets(meta, net, path)
        self._start_training_state()


def _store_params(est: BaseEstimator, args: dict[str, Any]) -> None:
    """``__init__``'s arguments (its ``locals()``) as attributes, unchanged: scikit-learn
    checks nothing in ``__init__``."""
    for name, value in args.items():
        if name != "self":
            setattr(est, name, value)


class LayerwiseClassifier(ClassifierMixin, _LayerwiseBase):
    """A deep fully connected classifier; rows of ``X`` are examples.

    Binary targets get one sigmoid unit, k > 2 classes a softmax layer, and an indicator matrix
    ``y (n_samples, k)`` k independent sigmoids (multi-label). Inputs are not scaled here: put a
    ``StandardScaler`` in front of it in a ``Pipeline``.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default (100,)
        Units of each hidden layer: ``layer_dims = [n_features, *hidden_layer_sizes, n_y]``.
    activation : str or list of str, default "relu"
        ``"relu"``, ``"leaky_relu"``, ``"tanh"``, ``"sigmoid"`` or ``"linear"``, for all hidden
        layers or one per layer (``"logistic"`` and ``"identity"`` are accepted as aliases).
    init : {"auto", "zeros", "small_random", "xavier", "he"}, default "auto"
        "auto" is He for ReLU-family layers, Xavier otherwise.
    optimizer : {"adam", "gd", "momentum", "rmsprop"}, default "adam"
    learning_rate : float, default 0.001
    batch_size : int or None, default 200
        Examples per mini-batch (at most n_samples); None is full-batch gradient descent.
    max_epochs : int, default 200
        Passes over the data (each ``partial_fit`` call is one).
    l2 : float, default 0.0001
        λ of the L2 penalty λ/(2m) Σ‖W‖².
    early_stopping : bool, default False
        Hold out ``validation_fraction`` of the rows (stratified) and stop when their cost has
        not improved for ``patience`` epochs, restoring the best epoch's parameters.
        Without it, training runs ``max_epochs`` epochs.
    validation_fraction : float, default 0.1
    patience : int, default 10
    class_weight : None, "balanced" or dict {label: weight}, default None
        Multiplies each example's weight by its class's. "balanced" is
        ``n_samples / (n_classes * count(class))``.
    dtype : None, float32 or float64, default None
        None keeps float32 input float32 and trains everything else in float64.
    random_state : int, RandomState, Generator or None
        Seeds the initial weights, the shuffles and the validation split. None draws a fresh
        seed from the operating system for each fit (NumPy's global generator is not used).
    verbose : bool, default False
        A progress line (or bar) per epoch.
    warm_start : bool, default False
        ``fit`` continues from the fitted network (and its optimizer state).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The labels (``arange(k)`` for an indicator matrix).
    network_ : layerwise.Network
        The trained core network (examples as columns).
    loss_curve_ : list of float
        Training cost per epoch, across warm starts and partial_fit calls.
    validation_loss_curve_ : list of float or None
        Held-out cost per epoch with ``early_stopping``, else None.
    n_iter_ : int
        Epochs run.
    n_features_in_, feature_names_in_
        As everywhere in scikit-learn.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = LayerwiseClassifier((16,), learning_rate=0.01, random_state=0).fit(X, y)
    >>> clf.score(X, y) > 0.9
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
        early_stopping=False,
        validation_fraction=0.1,
        patience=10,
        class_weight=None,
        dtype=None,
        random_state=None,
        verbose=False,
        warm_start=False,
    ):
        _store_params(self, locals())

    def partial_fit(self, X, y, classes=None, sample_weight=None):
        """One epoch on this data, continuing from the fitted network.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_classes)
            Labels, or an indicator matrix (multi-label).
        classes : array-like of shape (n_classes,), optional
            Every label of all calls; required on the first call unless ``y`` is an indicator
            matrix.
        sample_weight : array-like of shape (n_samples,) or float, optional

        Returns
        -------
        self
        """
        if hasattr(self, "classes_"):
            if classes is not None and not np.array_equal(unique_labels(classes), self.classes_):
                raise ValueError(
                    f"classes={classes!r} differs from classes_ {self.classes_.tolist()} of the "
                    "first call. Hint: pass the same classes, or refit with fit."
                )
        elif classes is None and type_of_target(y) != "multilabel-indicator":
            raise ValueError(
                "classes must be passed on the first call to partial_fit: every label of all "
                "calls, e.g. classes=np.unique(y_all)."
            )
        return self._fit(X, y, sample_weight, incremental=True, classes=classes)

    def _encode_targets(self, y, sw, dtype, *, fresh: bool, incremental: bool, classes=None):
        """y → ``Y (n_y, m)``, the output activation, and sample weights times class weights.

        A fresh fit takes ``classes_`` from ``classes`` (partial_fit) or y; later calls check
        y against them."""
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        kind = type_of_target(y)
        if kind not in ("binary", "multiclass", "multilabel-indicator"):
            raise ValueError(
                f"LayerwiseClassifier handles binary, multi-class and multi-label (indicator) "
                f"targets, got {kind!r}. Hint: fit one classifier per output column."
            )
        multilabel = kind == "multilabel-indicator"
        if not fresh and multilabel != self._multilabel:
            raise ValueError(
                "y switched between labels and an indicator matrix; refit with warm_start=False."
            )
        if not fresh:
            labels = self.classes_
        elif multilabel:
            labels = np.arange(y.shape[1])
        else:
            labels = unique_labels(y if classes is None else classes)
        if multilabel:
            if y.shape[1] != len(labels):
                raise ValueError(
                    f"y has {y.shape[1]} label columns, expected {len(labels)}. "
                    "Hint: refit with warm_start=False to change the labels."
                )
            if self.class_weight is not None:
                raise ValueError(
                    "class_weight is not supported for multi-label (indicator) y. "
                    "Hint: weight the rows with sample_weight."
                )
            self.classes_, self._multilabel = labels, True
            return y.T.astype(dtype), "sigmoid", sw  # (k, m)
        if len(labels) < 2:
            raise ValueError(
                f"LayerwiseClassifier needs at least 2 classes, got 1 class: {labels}. "
                "Hint: y must hold examples of every class to separate."
            )
        unknown = np.setdiff1d(y, labels)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()} not in classes_ {labels.tolist()}. "
                "Hint: pass every label in classes= on the first partial_fit call, or refit "
                "with warm_start=False."
            )
        self.classes_, self._multilabel = labels, False
        idx = np.searchsorted(self.classes_, y)  # (m,) class index of each example
        sw = self._apply_class_weight(y, idx, sw, incremental)
        if not incremental and (sw is not None) and len(np.unique(idx[sw > 0])) < 2:
            raise ValueError(
                "sample_weight/class_weight leave only one class with positive weight; "
                "a classifier needs at least 2 classes. Hint: give two classes positive weights."
            )
        if len(self.classes_) == 2:
            return (idx == 1).astype(dtype)[None, :], "sigmoid", sw  # (1, m)
        return one_hot(idx, len(self.classes_), dtype), "softmax", sw  # (k, m)

    def _apply_class_weight(self, y, idx, sw, incremental: bool):
        """``sw (m,)`` times the weight of each example's class (``sw`` None counts as ones);
        ``y (m,)`` the labels, ``idx (m,)`` their class indices."""
        cw = self.class_weight
        if cw is None:
            return sw
        if isinstance(cw, str) and cw == "balanced":
            if incremental:
                raise ValueError(
                    "class_weight='balanced' is not supported by partial_fit: one batch does "
                    "not give the class frequencies. Hint: pass class_weight=dict(zip(classes, "
                    "compute_class_weight('balanced', classes=classes, y=y_all)))."
                )
            present = np.unique(idx)
            per_class = np.ones(len(self.classes_))  # n / (k count_c) over the present classes
            per_class[present] = compute_class_weight(
                "balanced", classes=self.classes_[present], y=y
            )
        elif isinstance(cw, dict):
            unknown = [c for c in cw if c not in set(self.classes_.tolist())]
            if unknown:
                raise ValueError(
                    f"class_weight has labels {unknown} not in classes_ {self.classes_.tolist()}. "
                    "Hint: key class_weight by the labels of y."
                )
            per_class = np.array(
                [
                    v.check_positive(f"class_weight[{c!r}]", cw.get(c, 1.0), allow_zero=True)
                    for c in self.classes_.tolist()
                ]
            )
        else:
            raise ValueError(
                f"class_weight must be None, 'balanced' or a dict {{label: weight}}, got {cw!r}. "
                "Hint: 'balanced' weighs each class by its inverse frequency."
            )
        return per_class[idx] if sw is None else sw * per_class[idx]  # (m,), each checked

    def _target_metadata(self) -> dict[str, Any]:
        return {
            "classes": self.classes_.tolist(),
            "classes_dtype": self.classes_.dtype.str,
            "multilabel": bool(self._multilabel),
        }

    def _restore_targets(self, meta: dict[str, Any], net: Network, path) -> None:
        classes, n_y = meta.get("classes"), net.layer_dims[-1]
        multilabel = bool(meta.get("multilabel", False))
        dtype = meta.get("classes_dtype")
        if not isinstance(classes, list) or not isinstance(dtype, str):
            raise _bad_file(path, "classes are missing")
        expected = n_y if multilabel or n_y > 1 else 2
        output = "sigmoid" if multilabel or n_y == 1 else "softmax"
        if len(classes) != expected or net.output != output:
            raise _bad_file(path, f"{len(classes)} classes do not fit a {n_y}-unit {net.output}")
        try:
            kind = np.dtype(dtype).kind
            if kind not in "biufUO" or not all(isinstance(c, str | int | float) for c in classes):
                raise ValueError("labels must be numbers or text")
            self.classes_ = np.asarray(classes, dtype=np.dtype(dtype))
        except (TypeError, ValueError, OverflowError) as err:
            raise _bad_file(
                path,
                f"classes {reprlib.repr(classes)} of dtype {dtype!r} cannot be restored ({err})",
            ) from err
        self._multilabel = multilabel

    def predict(self, X) -> Array:
        """Labels of rows ``X (n_samples, n_features)``: shape ``(n_samples,)``, or an
        indicator matrix ``(n_samples, n_classes)`` for multi-label."""
        Z = self._logits(X)
        if self._multilabel:
            return (Z.T > 0).astype(np.int64)  # σ(z) > 0.5
        if len(self.classes_) == 2:
            return self.classes_[(Z[0] > 0).astype(np.intp)]
        return self.classes_[Z.argmax(axis=0)]

    def predict_proba(self, X) -> Array:
        """Probabilities ``(n_samples, n_classes)``: columns follow ``classes_``; for multi-label
        each column is that label's own probability."""
        return self._probabilities(X, sigmoid, softmax)

    def predict_log_proba(self, X) -> Array:
        """log of ``predict_proba``, computed from the logits (finite where p underflows)."""
        return self._probabilities(X, _log_sigmoid, _log_softmax)

    def _probabilities(self, X, sig, soft) -> Array:
        """``(n_samples, n_classes)`` from the logits through ``sig`` (σ or log σ) or ``soft``."""
        Z = self._logits(X)  # (n_y, m)
        if self._multilabel:
            return sig(Z).T
        if len(self.classes_) == 2:
            return np.stack([sig(-Z[0]), sig(Z[0])], axis=1)  # [1 - p, p], exact sum
        return soft(Z).T

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


class LayerwiseRegressor(RegressorMixin, _LayerwiseBase):
    """A deep fully connected regressor (linear output, L2 loss); rows of ``X`` are examples.

    ``y (n_samples,)`` gives one output unit, ``y (n_samples, k)`` k of them. Scale inputs (and
    targets far from unit scale, e.g. with ``TransformedTargetRegressor``) in a ``Pipeline``.
    Parameters and attributes are the classifier's, without ``class_weight`` and ``classes_``.

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
        early_stopping=False,
        validation_fraction=0.1,
        patience=10,
        dtype=None,
        random_state=None,
        verbose=False,
        warm_start=False,
    ):
        _store_params(self, locals())

    def partial_fit(self, X, y, sample_weight=None):
        """One epoch on this data, continuing from the fitted network; arguments as ``fit``."""
        return self._fit(X, y, sample_weight, incremental=True)

    def _encode_targets(self, y, sw, dtype, *, fresh: bool, incremental: bool, classes=None):
        if fresh:
            self._y_ndim = y.ndim
        return y.reshape(len(y), -1).T.astype(dtype), "linear", sw  # (n_y, m)

    def _target_metadata(self) -> dict[str, Any]:
        return {"y_ndim": int(self._y_ndim)}

    def _restore_targets(self, meta: dict[str, Any], net: Network, path) -> None:
        y_ndim = meta.get("y_ndim")
        if y_ndim not in (1, 2) or (y_ndim == 1 and net.layer_dims[-1] != 1):
            raise _bad_file(path, f"y_ndim {y_ndim!r} does not fit the network")
        if net.output != "linear":
            raise _bad_file(path, f"a regressor needs a linear output, got {net.output!r}")
        self._y_ndim = y_ndim

    def predict(self, X) -> Array:
        """Predictions for rows ``X``: ``(n_samples,)``, or ``(n_samples, k)`` when fitted on
        a 2-D y."""
        Y_hat = self._logits(X).T  # (m, n_y): linear output, A[L] = Z[L]
        return Y_hat[:, 0] if self._y_ndim == 1 else Y_hat

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


def _log_sigmoid(Z: Array) -> Array:
    """log σ(z) per entry of ``Z (n_y, m)``, never log(0): minus the binary cross-entropy
    (from logits) against target 1, -(max(z, 0) - z + log(1 + e^-|z|))."""
    return -binary_cross_entropy_from_logits(Z, 1.0)


def _log_softmax(Z: Array) -> Array:
    """log softmax per column of ``Z (k, m)``, never log(0): entry k is minus the categorical
    cross-entropy (from logits, max-shifted) of class k against target 1, -(z_k - logsumexp z)."""
    return -categorical_cross_entropy_from_logits(Z, 1.0)  # (k, m)


# ----- loading --------------------------------------------------------------------------------
_ESTIMATORS = {"LayerwiseClassifier": LayerwiseClassifier, "LayerwiseRegressor": LayerwiseRegressor}


def load_estimator(path):
    """Load a ``LayerwiseClassifier`` or ``LayerwiseRegressor`` written by its ``save``.

    The file is checked by :func:`layerwise.persistence.load_model` (no pickle, shapes and sizes
    before anything is read); the estimator's header is checked against the network here.

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    LayerwiseClassifier or LayerwiseRegressor
        Fitted, predicting as the saved one did.
    """
    from .persistence import load_model

    saved = load_model(path)
    meta = saved.header.get("training", {}).get("estimator")
    if not isinstance(meta, dict) or meta.get("class") not in _ESTIMATORS:
        raise _bad_file(path, "it holds a bare Network, not an estimator; use layerwise.load")
    cls = _ESTIMATORS[meta["class"]]
    params = meta.get("params", {})
    valid = sorted(cls().get_params(deep=False))
    if not isinstance(params, dict) or not set(params) <= set(valid):
        raise _bad_file(path, f"estimator parameters must be among {valid}")
    try:
        est = cls(**{k: _from_json(k, x) for k, x in params.items()})
        est._check_params()
        est._root_seed()  # checks random_state
    except (TypeError, ValueError) as err:
        raise _bad_file(path, f"its estimator parameters are invalid ({err})") from err
    if saved.network.layer_dims[0] != meta.get("n_features_in"):
        raise _bad_file(path, "n_features_in does not match the network's inputs")
    est._restore(meta, saved.network, path)
    return est


def _numbers(values: Any, name: str, path) -> list[float]:
    """A saved list of numbers (a loss curve) as floats, or the file is refused."""
    try:
        if isinstance(values, list) and not any(isinstance(x, bool | str) for x in values):
            return [float(x) for x in values]
    except (TypeError, ValueError, OverflowError):
        pass
    raise _bad_file(path, f"{name} must be a list of numbers, got {reprlib.repr(values)}")


def _bad_file(path, problem: str) -> ValueError:
    return ValueError(f"{path} is not a valid layerwise estimator file: {problem}.")


def _to_json(name: str, value: Any) -> Any:
    """A constructor parameter as JSON: tuples as lists, dtypes by name, dicts as pairs."""
    if name == "dtype" and value is not None:
        return np.dtype(value).name
    if name == "random_state":
        return int(value) if isinstance(value, Integral) else None  # a RandomState: not kept
    if isinstance(value, dict):  # class_weight: labels need not be strings
        return [[_to_json("", k), _to_json("", x)] for k, x in value.items()]
    if isinstance(value, tuple | list):
        return [_to_json("", x) for x in value]
    return value.item() if isinstance(value, np.generic) else value


def _from_json(name: str, value: Any) -> Any:
    if name == "hidden_layer_sizes" and isinstance(value, list):
        return tuple(value)
    if name == "class_weight" and isinstance(value, list):
        return {k: x for k, x in value}
    return value
