"""Saving and loading the estimators in layerwise's own safe format (no pickle).

An estimator's file is the core's model file (:mod:`layerwise.persistence`) with an ``estimator``
section: the class, its parameters and fitted attributes (``classes_``, ``n_features_in_``, loss
curves, the regressor's target scaling). ``layerwise.load`` reads the network of such a file,
and ``load_estimator`` refuses a file without that section with a message saying what it holds.
"""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
from sklearn.utils.validation import check_is_fitted

from .. import _validation as v
from ..network import Network
from ..persistence import read_archive
from .missing import imputer_metadata, restore_imputer

#: Every estimator class by name, filled in as the classes are defined.
_ESTIMATORS: dict[str, type] = {}


class EstimatorFiles:
    """``save``/``load`` for an estimator: its network plus an ``estimator`` header section."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.__name__.startswith("_"):
            _ESTIMATORS[cls.__name__] = cls

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
        check_is_fitted(self)
        return self.network_.save(path, sections={"estimator": self._metadata()})

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
        return (
            {
                "class": type(self).__name__,
                "params": {
                    k: _to_json(k, x)
                    for k, x in self.get_params(deep=False).items()
                    # files without dropout or a device stay as before
                    if not (k == "dropout" and x == 0) and not (k == "device" and x is None)
                },
                "n_features_in": int(self.n_features_in_),
                "feature_names_in": None if names is None else [str(n) for n in names],
                "loss_curve": [float(c) for c in self.loss_curve_],
                "validation_loss_curve": self.validation_loss_curve_,
                "n_iter": int(self.n_iter_),
            }
            | imputer_metadata(self)
            | self._target_metadata()
        )

    def _restore(self, meta: dict[str, Any], net: Network, path) -> None:
        """Fitted attributes from a checked header (``load_estimator``)."""
        self.network_ = net
        self.n_features_in_ = restore_imputer(self, meta, net.layer_dims[0])
        names = meta.get("feature_names_in")
        if names is not None:
            if not (isinstance(names, list) and len(names) == self.n_features_in_):
                raise _bad_file(path, "feature_names_in does not match the network's inputs")
            self.feature_names_in_ = np.asarray([str(n) for n in names], dtype=object)
        self.loss_curve_ = v.numbers(meta.get("loss_curve", []), "loss_curve")
        curve = meta.get("validation_loss_curve")
        self.validation_loss_curve_ = (
            None if curve is None else v.numbers(curve, "validation_loss_curve")
        )
        self.n_iter_ = v.count(meta.get("n_iter", len(self.loss_curve_)), "n_iter")
        self._restore_targets(meta, net, path)
        self._start_training_state()


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
    header, arrays = read_archive(path)
    meta = header.get("estimator") or (header.get("training") or {}).get("estimator")
    if not isinstance(meta, dict) or meta.get("class") not in _ESTIMATORS:
        kind = (
            "a model saved by `layerwise train`"
            if header.get("preprocessing")
            else ("a bare Network")
        )
        raise _bad_file(
            path,
            f"it holds {kind}, not an estimator. Hint: layerwise.load(path) gives its network"
            + (
                "; layerwise.data.load_model(path) its preprocessing too"
                if header.get("preprocessing")
                else ""
            ),
        )
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
    net = Network.from_header(header, arrays, path)
    indicators = meta.get("indicator_features") or []  # their inputs follow the features
    n_indicators = len(indicators) if isinstance(indicators, list) else 0
    if net.layer_dims[0] - n_indicators != meta.get("n_features_in"):
        raise _bad_file(path, "n_features_in does not match the network's inputs")
    try:
        est._restore(meta, net, path)
    except ValueError as err:
        raise _bad_file(path, str(err).rstrip(".")) from err
    return est


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
