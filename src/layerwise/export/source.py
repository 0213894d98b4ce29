"""What is exported: any layerwise model reduced to one :class:`ExportSpec` (network, task,
classes, raw-input preprocessing, target scaling), so the graph builders see a single shape."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import layerwise as lw

from ..data import SavedModel, load_model

Array = np.ndarray
ESTIMATORS = ("LayerwiseClassifier", "LayerwiseRegressor")


@dataclass
class ExportSpec:
    """A model as the exporter sees it.

    Attributes
    ----------
    network : Network
    task : {"binary", "multiclass", "multilabel", "regression"}
    classes : ndarray of shape (n_classes,) or None
        Labels (binary, multi-class) or label names (multi-label); None for regression.
    preprocessor : Preprocessor or None
        Raw columns → X inside the graph; None: the graph takes ``X (N, n_x)`` as it is.
    target : (mean, scale) or None
        Regression outputs in the target's units, ``y = AL * scale + mean``, ``(k,)`` each.
    label_from_logits : bool
        Labels from ``Z[L]`` (``z > 0``, argmax z), as the estimators decide, instead of from
        the probabilities (``p > 0.5``, argmax p), as ``Network.predict`` and the CLI do.
    source : str
        What it came from, for messages and metadata.
    estimator : LayerwiseClassifier, LayerwiseRegressor or None
        The fitted estimator, when it came from one.
    """

    network: Any
    task: str
    classes: Array | None = None
    preprocessor: Any | None = None
    target: tuple[Array, Array] | None = None
    label_from_logits: bool = False
    source: str = "Network"
    estimator: Any | None = None


def export_spec(model: Any) -> ExportSpec:
    """An :class:`ExportSpec` for a Network, SavedModel, fitted estimator or model file path."""
    if isinstance(model, str | Path):
        return _file_spec(Path(model))
    if isinstance(model, SavedModel):
        return _saved_spec(model)
    cls = type(model)
    if cls is lw.Network:
        return _network_spec(model)
    # the estimators need scikit-learn: their module is reached only for a class of their name
    if cls.__name__ in ESTIMATORS and cls is getattr(lw, cls.__name__):
        return _estimator_spec(model)
    if isinstance(model, lw.Network) or cls.__name__ in ESTIMATORS:
        raise TypeError(
            f"model is a {cls.__module__}.{cls.__qualname__}, not layerwise's own class of that "
            "kind: the exporter writes the library's Network and estimators exactly, and a "
            "subclass or namesake may compute something else, so it is refused. Hint: export "
            "a layerwise.Network (or estimator) holding the same weights."
        )
    raise TypeError(
        "model must be a layerwise Network, a model file path, a SavedModel or a fitted "
        f"LayerwiseClassifier/LayerwiseRegressor, got {type(model).__name__}. "
        "Hint: to_onnx('runs/NAME/model.npz') exports what `layerwise train` saved."
    )


def _file_spec(path: Path) -> ExportSpec:
    saved = load_model(path)  # checked: names, shapes, dtypes, no pickle
    meta = saved.header.get("estimator")
    if isinstance(meta, dict) and meta.get("class") in ESTIMATORS:
        return _estimator_spec(getattr(lw, meta["class"]).load(path))
    return _saved_spec(saved, str(path))


def _saved_spec(saved: SavedModel, source: str = "SavedModel") -> ExportSpec:
    pre, net = saved.preprocessor, saved.network
    if pre is None:
        spec = _network_spec(net)
        spec.source = source
        return spec
    target = None
    if pre.task == "regression":
        target = (pre.target_scaler.mean[:, 0], pre.target_scaler.scale[:, 0])
    classes = None if pre.classes is None else np.asarray(pre.classes)
    if pre.task == "multilabel":
        classes = np.asarray([str(c) for c in pre.classes])
    return ExportSpec(net, pre.task, classes, pre, target, source=source)


def _network_spec(net) -> ExportSpec:
    """A bare network: the task its output and loss imply; classes are 0 .. n_y - 1."""
    n_y, task = net.layer_dims[-1], net.pair.task  # the row of layerwise.outputs' table
    if task == "multiclass":
        return ExportSpec(net, task, np.arange(n_y))
    if task == "binary":
        return ExportSpec(net, task, np.arange(2))
    if task == "multilabel":
        return ExportSpec(net, task, np.arange(n_y).astype(str))
    return ExportSpec(net, "regression")


def _estimator_spec(est) -> ExportSpec:
    name = type(est).__name__
    if not hasattr(est, "network_"):
        raise ValueError(f"this {name} is not fitted: call fit(X, y) before exporting it.")
    net = est.network_
    if name == "LayerwiseRegressor":
        return ExportSpec(
            net, "regression", target=regressor_target(est), source=name, estimator=est
        )
    classes = np.asarray(est.classes_)
    if est._multilabel:
        task, classes = "multilabel", classes.astype(str)
    else:
        task = "binary" if len(classes) == 2 else "multiclass"
    return ExportSpec(net, task, classes, label_from_logits=True, source=name, estimator=est)


def regressor_target(est) -> tuple[Array, Array] | None:
    """The regressor's output scaling ``y = AL * scale + mean`` as ``(mean (k,), scale (k,))``,
    or None when it predicts the network's output as it is."""
    mean, scale = getattr(est, "target_mean_", None), getattr(est, "target_scale_", None)
    if mean is None or scale is None:
        return None
    return np.ravel(mean).astype(np.float64), np.ravel(scale).astype(np.float64)
