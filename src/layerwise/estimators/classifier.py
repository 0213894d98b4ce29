"""``LayerwiseClassifier``: binary, multi-class and multi-label targets, rows as examples."""

from __future__ import annotations

import reprlib
from typing import Any

import numpy as np
from sklearn.base import ClassifierMixin
from sklearn.utils.class_weight import compute_class_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target, unique_labels
from sklearn.utils.validation import column_or_1d

from .. import _validation as v
from ..activations import sigmoid, softmax
from ..data.arrays import one_hot
from ..losses import binary_cross_entropy_from_logits, categorical_cross_entropy_from_logits
from ..network import Network
from ..outputs import TASKS
from .base import _LayerwiseBase, _store_params
from .devices import like
from .files import _bad_file

Array = np.ndarray


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
    dropout : float or tuple of float, default 0.0
        Dropout on the hidden layers in training: the probability of *dropping* a unit, as
        Keras's or PyTorch's ``Dropout(p)`` (the network's keep_prob is 1 - dropout); one
        rate, or one per hidden layer. Off at predict.
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
    missing : {"impute", "refuse"}, default "impute"
        NaN in ``X``: filled with the column's training median, plus a 0/1 indicator input per
        column that had NaN in training (``SimpleImputer(strategy="median",
        add_indicator=True)``); or refused as scikit-learn refuses it.

    device : None or str, default None
        Where the network trains: None for NumPy, or a device spec such as ``"torch:cuda"``,
        ``"torch:cpu"`` or ``"cupy"`` (see :func:`layerwise.backend.resolve_device`; checked
        at fit). The rows are checked and encoded on the host and moved once; after the fit
        the network is back on the host: predictions, pickles and files are NumPy's.
        Inside ``sklearn.config_context(array_api_dispatch=True)`` (which scikit-learn
        allows only with the environment variable ``SCIPY_ARRAY_API=1`` set before SciPy is
        imported), PyTorch, CuPy or array-api-strict arrays train on their own device and
        get predictions there; without it such arrays are refused. Weighted training stays
        on NumPy.

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
    imputer_medians_ : ndarray of shape (n_features_in_,) or None
        The fill of each column (None with ``missing="refuse"``).
    indicator_features_ : ndarray of int
        The columns with an indicator input (after the ``n_features_in_`` columns).

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
        dropout=0.0,
        early_stopping=False,
        validation_fraction=0.1,
        patience=10,
        class_weight=None,
        dtype=None,
        random_state=None,
        verbose=False,
        warm_start=False,
        missing="impute",
        device=None,
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
        y, multilabel = _checked_target(y)
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
            return self._encode_indicators(y, labels, dtype), TASKS["multilabel"].output, sw
        return self._encode_labels(y, labels, sw, dtype, incremental)

    def _encode_indicators(self, y, labels, dtype):
        """A multi-label indicator matrix ``y (m, k)`` as ``Y (k, m)``."""
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
        return y.T.astype(dtype)  # (k, m)

    def _encode_labels(self, y, labels, sw, dtype, incremental: bool):
        """Labels ``y (m,)`` as ``Y`` (binary: ``(1, m)``; else one-hot ``(k, m)``), the output
        activation, and the sample weights times the class weights."""
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
            return (idx == 1).astype(dtype)[None, :], TASKS["binary"].output, sw  # (1, m)
        return one_hot(idx, len(self.classes_), dtype), TASKS["multiclass"].output, sw  # (k, m)

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
        task = "multilabel" if multilabel else "binary" if n_y == 1 else "multiclass"
        if len(classes) != expected or net.pair != TASKS[task]:
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
        return like(X, self._labels(self._logits(X)))  # (on X's device, if it has one)

    def _labels(self, Z: Array) -> Array:
        if self._multilabel:
            return (Z.T > 0).astype(np.int64)  # σ(z) > 0.5
        if len(self.classes_) == 2:
            return self.classes_[(Z[0] > 0).astype(np.intp)]
        return self.classes_[Z.argmax(axis=0)]

    def predict_proba(self, X) -> Array:
        """Probabilities ``(n_samples, n_classes)``: columns follow ``classes_``; for multi-label
        each column is that label's own probability."""
        return like(X, self._probabilities(X, sigmoid, softmax, _sigmoid_pair))

    def predict_log_proba(self, X) -> Array:
        """log of ``predict_proba``, computed from the logits (finite where p underflows)."""
        return like(X, self._probabilities(X, _log_sigmoid, _log_softmax, None))

    def _probabilities(self, X, sig, soft, pair) -> Array:
        """``(n_samples, n_classes)`` from the logits through ``sig`` (σ or log σ) or ``soft``;
        two classes through ``pair`` when given (the same numbers as ``sig`` of -z and z)."""
        Z = self._logits(X)  # (n_y, m)
        if self._multilabel:
            return sig(Z).T
        if len(self.classes_) == 2:
            if pair is not None:
                return pair(Z[0])
            return np.stack([sig(-Z[0]), sig(Z[0])], axis=1)  # [1 - p, p], exact sum
        return soft(Z).T

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def _sigmoid_pair(z: Array) -> Array:
    """``[σ(-z), σ(z)]`` per entry of ``z (m,)``, shape ``(m, 2)``: the numbers of
    ``np.stack([sigmoid(-z), sigmoid(z)], axis=1)`` from one exponential (|-z| = |z|, so both
    share e^-|z| and 1 + e^-|z|; -z >= 0 is z <= 0), half the calls at one row."""
    E = np.exp(-np.abs(z))  # (m,), in (0, 1]
    D = 1.0 + E
    big, small = 1.0 / D, E / D  # σ of the larger and of the smaller of -z, z
    out = np.empty((z.shape[0], 2), dtype=z.dtype)
    out[:, 0] = np.where(z <= 0, big, small)
    out[:, 1] = np.where(z >= 0, big, small)
    return out


def _log_sigmoid(Z: Array) -> Array:
    """log σ(z) per entry of ``Z (n_y, m)``, never log(0): minus the binary cross-entropy
    (from logits) against target 1, -(max(z, 0) - z + log(1 + e^-|z|))."""
    return -binary_cross_entropy_from_logits(Z, 1.0)


def _log_softmax(Z: Array) -> Array:
    """log softmax per column of ``Z (k, m)``, never log(0): entry k is minus the categorical
    cross-entropy (from logits, max-shifted) of class k against target 1, -(z_k - logsumexp z)."""
    return -categorical_cross_entropy_from_logits(Z, 1.0)  # (k, m)


def _checked_target(y):
    """``(y, multilabel)``: y as sklearn's checks see it (one column flattened), and whether it
    is an indicator matrix; other kinds of target are refused."""
    if y.ndim == 2 and y.shape[1] == 1:
        y = column_or_1d(y, warn=True)
    check_classification_targets(y)
    kind = type_of_target(y)
    if kind not in ("binary", "multiclass", "multilabel-indicator"):
        raise ValueError(
            f"LayerwiseClassifier handles binary, multi-class and multi-label (indicator) "
            f"targets, got {kind!r}. Hint: fit one classifier per output column."
        )
    return y, kind == "multilabel-indicator"
