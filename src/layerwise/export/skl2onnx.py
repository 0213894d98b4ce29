"""skl2onnx converters for ``LayerwiseClassifier`` and ``LayerwiseRegressor``, so pipelines
that end in one convert with ``skl2onnx.to_onnx(pipeline, X[:1])`` after :func:`register`.

The graph is the one :func:`layerwise.to_onnx` builds for the estimator (same
:mod:`~layerwise.export.graph` code, written into skl2onnx's container), in the precision of the
pipeline's tensor at that point (skl2onnx's float32 by default; float64 when the sample is
float64). Outputs follow skl2onnx: a classifier gives its label and probabilities (as a ZipMap
unless ``options={LayerwiseClassifier: {"zipmap": False}}``; ONNX's ZipMap takes float32 only, so
a float64 pipeline needs ``zipmap`` False, as for scikit-learn's own classifiers), a regressor
``variable (N, k)``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

try:
    from skl2onnx import update_registered_converter
    from skl2onnx.common.data_types import (
        DoubleTensorType,
        FloatTensorType,
        Int64TensorType,
        StringTensorType,
        guess_numpy_type,
    )
except ImportError as err:  # an optional dependency
    raise ImportError(
        "converting scikit-learn pipelines to ONNX needs skl2onnx. Hint: pip install skl2onnx."
    ) from err

import layerwise as lw

from .builder import GraphBuilder
from .graph import network_nodes, output_nodes
from .preprocessing import estimator_rows
from .source import export_spec

Array = np.ndarray


class ContainerBuilder(GraphBuilder):
    """A :class:`GraphBuilder` that writes into skl2onnx's scope and container."""

    def __init__(self, scope, container, dtype: Any, opset: int) -> None:
        super().__init__(dtype, opset)
        self.scope, self.container = scope, container

    def unique(self, hint: str) -> str:
        return self.scope.get_unique_variable_name(f"lw_{hint}")

    def add_initializer(self, name: str, array: Array) -> None:
        if array.dtype.kind in "USO":
            content = [str(s).encode() for s in array.flat]
            self.container.add_initializer(name, 8, list(array.shape), content)  # 8: STRING
            return
        super().add_initializer(name, array)
        tensor = self.initializers.pop()
        self.container.add_initializer(name, tensor.data_type, list(tensor.dims), tensor)

    def add_node(
        self, op: str, inputs: list[str], output: str, name: str, domain: str, attrs: dict
    ) -> None:
        self.container.add_node(
            op,
            inputs,
            [output],
            op_domain=domain,
            op_version=1 if domain else None,
            name=self.scope.get_unique_operator_name(name),
            **attrs,
        )


def _spec(operator):
    """The estimator's export spec, with labels as skl2onnx types them: int64 or text (class
    indices with skl2onnx's option ``nocl``)."""
    est = operator.raw_operator
    spec = export_spec(est)
    if spec.classes is not None and operator.scope_inst.get_options(est, {"nocl": False})["nocl"]:
        spec.classes = np.arange(len(spec.classes))
    if spec.classes is not None and spec.task != "multilabel":
        classes = np.asarray(spec.classes)
        if classes.dtype.kind in "biu" or (
            classes.dtype.kind == "f" and np.all(classes == np.round(classes))
        ):
            spec.classes = classes.astype(np.int64)
        else:
            spec.classes = classes.astype(str)
    return spec


def _float_type(operator):
    """The input's tensor type class and NumPy dtype (float32 or float64)."""
    dtype = guess_numpy_type(operator.inputs[0].type)
    if dtype not in (np.float32, np.float64):
        raise ValueError(
            f"{type(operator.raw_operator).__name__} converts float32 or float64 inputs, got "
            f"{operator.inputs[0].type}. Hint: cast X to float32 before converting."
        )
    return (FloatTensorType if dtype == np.float32 else DoubleTensorType), dtype


def classifier_shapes(operator) -> None:
    """skl2onnx shape calculator: ``label (N,)`` or ``(N, k)``, ``probabilities (N, C)``."""
    spec = _spec(operator)
    tensor_type, _ = _float_type(operator)
    N = operator.inputs[0].get_first_dimension()
    n_classes = len(spec.classes)
    if spec.task == "multilabel":
        operator.outputs[0].type = Int64TensorType([N, n_classes])
    elif spec.classes.dtype.kind == "i":
        operator.outputs[0].type = Int64TensorType([N])
    else:
        operator.outputs[0].type = StringTensorType([N])
    operator.outputs[1].type = tensor_type([N, n_classes])


def regressor_shapes(operator) -> None:
    """skl2onnx shape calculator: ``variable (N, k)``."""
    tensor_type, _ = _float_type(operator)
    N = operator.inputs[0].get_first_dimension()
    operator.outputs[0].type = tensor_type([N, operator.raw_operator.network_.layer_dims[-1]])


def convert(scope, operator, container) -> None:
    """skl2onnx converter: the estimator's network and outputs on the operator's input."""
    spec = _spec(operator)
    _, dtype = _float_type(operator)
    g = ContainerBuilder(scope, container, dtype, container.target_opset)
    X, refused = estimator_rows(g, spec.estimator, operator.inputs[0].full_name)
    Z, A = network_nodes(g, X, spec.network)
    outputs = [o.full_name for o in operator.outputs]
    if spec.task == "regression":
        names = {"variable": outputs[0]}
    else:
        names = {"label": outputs[0], "probabilities": outputs[1]}
    output_nodes(g, spec, Z, A, names, refused)


def register() -> None:
    """Register both estimators with skl2onnx (again: harmless, it replaces the entries)."""
    update_registered_converter(
        lw.LayerwiseClassifier,
        "LayerwiseClassifier",
        classifier_shapes,
        convert,
        options={"zipmap": [True, False, "columns"], "nocl": [False, True]},
    )
    update_registered_converter(
        lw.LayerwiseRegressor, "LayerwiseRegressor", regressor_shapes, convert
    )
