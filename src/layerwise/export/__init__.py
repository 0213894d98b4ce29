"""Export layerwise models to ONNX, raw input to prediction, and check them with ONNX Runtime.

>>> import layerwise as lw                                      # doctest: +SKIP
>>> onnx_model = lw.to_onnx("runs/fruit/model.npz")              # doctest: +SKIP
>>> open("fruit.onnx", "wb").write(onnx_model.SerializeToString())  # doctest: +SKIP

What can be exported (:func:`to_onnx`):

- a model file written by ``layerwise train`` (or its :class:`~layerwise.persistence.SavedModel`):
  the graph takes the raw columns ``layerwise predict`` takes. With text columns, one input per
  column of shape ``(N, 1)``: numbers as float64 (standardized in the graph as in training), text
  as strings (one-hot encoded in the graph; an unseen category encodes as all zeros). With
  numeric columns only (images too), one input ``X (N, n_numeric)`` of float64 raw values, the
  columns in training order (``inputs="columns"`` gives one input per column here too);
- a bare :class:`~layerwise.Network` (or a file from ``Network.save``): one input ``X (N, n_x)``,
  examples as rows (the transpose of the course's ``X (n_x, m)``);
- a fitted ``LayerwiseClassifier`` / ``LayerwiseRegressor`` (or its file): one input ``X``, as
  its ``predict`` takes it.

The outputs follow scikit-learn's converters: a classifier gives ``label (N,)`` (the class names)
and ``probabilities (N, n_classes)`` (binary: ``[1 - p, p]``); a multi-label model ``label (N, k)``
0/1 and ``probabilities (N, k)``, one per label; a regressor ``variable (N, k)`` in the target's
units. The model's metadata names the layerwise version, ``layer_dims``, the activations, the task,
the classes and the inputs.

onnx (and onnxruntime for :func:`check_onnx`) are optional: ``pip install 'layerwise[onnx]'``.
Importing this package does not import them.
"""

from __future__ import annotations

from typing import Any

from .options import DEFAULT_OPSET, MIN_OPSET, ONNX_DTYPES  # noqa: F401 (the package's names)


def to_onnx(
    model: Any,
    *,
    opset: int = DEFAULT_OPSET,
    dtype: Any = None,
    inputs: str = "auto",
    name: str = "layerwise",
):
    """The ONNX graph of a layerwise model, preprocessing included, as an ``onnx.ModelProto``.

    Parameters
    ----------
    model : Network, SavedModel, LayerwiseClassifier, LayerwiseRegressor, str or Path
        A network, a loaded model file, a fitted estimator, or the path of a model file
        (from ``layerwise train``, ``Network.save`` or an estimator's ``save``).
    opset : int
        ONNX operator set version, from 13 to the newest the installed onnx knows.
    dtype : "float32", "float64" or None
        Precision of the network in the graph; None keeps the model's own.
    inputs : {"auto", "columns", "matrix"}
        For a model with preprocessing: one ``(N, 1)`` input per raw column, or one matrix
        ``X (N, n_numeric)`` (numeric columns only). "auto": columns when the model has a text
        column, otherwise the matrix.
    name : str
        The graph's name.

    Returns
    -------
    onnx.ModelProto
        Checked by ``onnx.checker`` (full check, shapes inferred). Save it with
        ``onnx.save(model, path)`` or ``model.SerializeToString()``.
    """
    from .graph import build_model
    from .source import export_spec

    return build_model(export_spec(model), opset=opset, dtype=dtype, inputs=inputs, name=name)


def check_onnx(model: Any, onnx_model: Any = None, *, rows: int = 256, seed: int = 0):
    """Run ``onnx_model`` (default: ``to_onnx(model)``) with ONNX Runtime on ``rows`` generated
    inputs and compare every output with layerwise's own predictions.

    Returns a :class:`~layerwise.export.check.CheckResult` (``ok``, ``max_difference``,
    ``labels_equal``, ``tolerance``).
    """
    from .check import check_onnx as _check

    return _check(model, onnx_model, rows=rows, seed=seed)


def register_skl2onnx() -> None:
    """Register converters for ``LayerwiseClassifier`` and ``LayerwiseRegressor`` with skl2onnx,
    so ``skl2onnx.to_onnx(pipeline, X[:1])`` converts pipelines that end in one."""
    from .skl2onnx import register

    register()


__all__ = ["DEFAULT_OPSET", "MIN_OPSET", "check_onnx", "register_skl2onnx", "to_onnx"]
