"""The network as standard ONNX operators, built with ``onnx.helper``.

Examples are rows in ONNX, as everywhere outside the course's core: layer l computes

    Z[l] = A[l-1] W[l]ᵀ + b[l]ᵀ   (N, n[l])     one Gemm(A, W, b, transB=1)
    A[l] = g(Z[l])                (N, n[l])     Sigmoid, Tanh, Relu, LeakyRelu, Identity, Softmax

so ``W[l] (n[l], n[l-1])`` is stored as it is and ``b[l] (n[l], 1)`` as ``(n[l],)``. The outputs
follow scikit-learn's converters (see :mod:`layerwise.export`).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import numpy as np

import layerwise as lw

from .builder import (  # first: without onnx, it names the extra
    ML_DOMAIN,
    GraphBuilder,
    TensorProto,
    helper,
    onnx,
)
from .options import DEFAULT_OPSET, MIN_OPSET, ONNX_DTYPES
from .preprocessing import input_layout, input_nodes
from .source import ExportSpec

Array = np.ndarray
OUTPUT_NAMES = ("label", "probabilities", "variable")


def _leaky_relu(g: GraphBuilder, Z: str, slope: float, hint: str) -> str:
    """LeakyRelu(alpha=slope). Its attribute is a 32-bit float: in a float64 graph a slope that
    float32 cannot hold exactly (0.01) would move every negative output by ~1e-10 relative, so
    there the same function is spelt Where(Z > 0, Z, slope · Z) with a float64 slope."""
    if g.dtype == np.float32 or float(np.float32(slope)) == slope:
        return g.node("LeakyRelu", [Z], hint, alpha=float(slope))
    zero, k = g.const("zero", 0.0), g.const(f"{hint}_slope", slope)
    positive = g.node("Greater", [Z, zero], f"{hint}_positive")
    return g.node("Where", [positive, Z, g.node("Mul", [Z, k], f"{hint}_leak")], hint)


ACTIVATION_NODES: dict[str, Callable[[GraphBuilder, str, dict, str], str]] = {
    "sigmoid": lambda g, Z, params, hint: g.node("Sigmoid", [Z], hint),
    "tanh": lambda g, Z, params, hint: g.node("Tanh", [Z], hint),
    "relu": lambda g, Z, params, hint: g.node("Relu", [Z], hint),
    "leaky_relu": lambda g, Z, params, hint: _leaky_relu(g, Z, params.get("slope", 0.01), hint),
    "linear": lambda g, Z, params, hint: g.node("Identity", [Z], hint),
    "softmax": lambda g, Z, params, hint: g.node("Softmax", [Z], hint, axis=1),
}


def network_nodes(g: GraphBuilder, X: str, net) -> tuple[str, str]:
    """Every layer of ``net`` on rows ``X (N, n_x)``; returns the names of ``Z[L]`` and
    ``A[L]``, both ``(N, n_y)``."""
    A = X
    for l, layer in enumerate(net.layers, start=1):
        act = layer.activation
        node = activation_node(act, l)  # before any node: a refused record writes nothing
        W = g.const(f"W{l}", layer.W)  # (n[l], n[l-1])
        b = g.const(f"b{l}", layer.b[:, 0])  # (n[l],)
        Z = g.node("Gemm", [A, W, b], f"Z{l}", transB=1)  # A Wᵀ + b: (N, n[l])
        A = node(g, Z, dict(act.params), f"A{l}")  # (N, n[l])
    return Z, A


def activation_node(act, l: int) -> Callable[[GraphBuilder, str, dict, str], str]:
    """The ONNX operator of layer ``l``'s activation record. Only the library's own records
    have one, decided by their code (``act.builtin``), never by their name: a custom record
    named "tanh" is not exported as Tanh, it is refused, whatever it computes."""
    if act.builtin and act.name in ACTIVATION_NODES:
        return ACTIVATION_NODES[act.name]
    what = "has no ONNX operator here"
    if act.name in ACTIVATION_NODES:
        what = f"is a custom record, not the library's {act.name}, so it has no ONNX operator"
    raise ValueError(
        f"activation {act.name!r} of layer {l} {what}; the exporter writes the library's own "
        f"records {sorted(ACTIVATION_NODES)} exactly and refuses any other. Hint: retrain with "
        "one of those (layerwise.get_activation(name))."
    )


def output_nodes(
    g: GraphBuilder,
    spec: ExportSpec,
    Z: str,
    A: str,
    names: dict[str, str],
    refused: str | None = None,
) -> None:
    """The task's outputs from ``Z[L]`` and ``A[L]`` (N, n_y), under ``names[...]`` for
    ``"label"``, ``"probabilities"`` and ``"variable"``; ``refused (N, 1)`` (bool, or None)
    marks the rows ``predict`` would refuse: their label is :func:`refused_label`."""
    if spec.task == "regression":
        Y = A
        if spec.target is not None:  # standardized targets: y = AL σ + μ
            mean, scale = spec.target
            Y = g.node("Mul", [A, g.const("target_scale", scale)], "target_scaled")
            Y = g.node("Add", [Y, g.const("target_mean", mean)], "target_values")
        g.node("Identity", [Y], "variable", output=names["variable"])
        return
    logits = spec.label_from_logits
    if spec.task == "binary":
        one = g.const("one", 1.0)
        g.node(
            "Concat",
            [g.node("Sub", [one, A], "p_negative"), A],
            "probabilities",
            output=names["probabilities"],
            axis=1,
        )  # [1 - p, p]: (N, 2)
        threshold = g.const("zero", 0.0) if logits else g.const("half", 0.5)
        positive = g.node("Greater", [Z if logits else A, threshold], "positive")  # (N, 1)
        flat = g.const("flat", np.array([-1], dtype=np.int64))
        index = g.node(
            "Reshape",
            [g.node("Cast", [positive], "index", to=TensorProto.INT64), flat],
            "class_index",
        )  # (N,)
    else:
        g.node("Identity", [A], "probabilities", output=names["probabilities"])
        if spec.task == "multilabel":
            threshold = g.const("zero", 0.0) if logits else g.const("half", 0.5)
            positive = g.node("Greater", [Z if logits else A, threshold], "positive")  # (N, k)
            if refused is None:
                g.node("Cast", [positive], "label", output=names["label"], to=TensorProto.INT64)
                return
            label = g.node("Cast", [positive], "label_01", to=TensorProto.INT64)
            minus = g.const("refused_label", np.array(-1, dtype=np.int64))
            g.node("Where", [refused, minus, label], "label", output=names["label"])
            return
        index = g.node("ArgMax", [Z if logits else A], "class_index", axis=1, keepdims=0)  # (N,)
    labels = label_array(spec.classes)
    if refused is not None and labels.dtype.kind != "b":  # one more label: the refused rows'
        flat = g.const("flat_refused", np.array([-1], dtype=np.int64))
        rows = g.node("Reshape", [refused, flat], "refused_rows")  # (N,)
        marker = g.const("refused_index", np.array(len(labels), dtype=np.int64))
        index = g.node("Where", [rows, marker, index], "class_index_refused")
        labels = np.append(labels, refused_label(labels))
    classes = g.const("classes", labels)
    g.node("Gather", [classes, index], "label", output=names["label"], axis=0)


def refused_label(labels: Array) -> Any:
    """The label of a row the model refuses: "" for text, NaN for floats, -1 for integers (the
    smallest int64 when -1 is a class)."""
    if labels.dtype.kind == "f":
        return np.nan
    if labels.dtype.kind == "i":
        return -1 if -1 not in labels else np.iinfo(np.int64).min
    return ""


def label_array(classes: Array) -> Array:
    """Class labels as an ONNX-ready array: integers as int64, other numbers as float64,
    booleans as bool, anything else as text."""
    classes = np.asarray(classes)
    if classes.dtype.kind in "iu":
        return classes.astype(np.int64)
    if classes.dtype.kind in "fb":
        return classes
    return classes.astype(str)


def _label_type(spec: ExportSpec) -> int:
    if spec.task == "multilabel":
        return TensorProto.INT64
    return helper.np_dtype_to_tensor_dtype(label_array(spec.classes).dtype)


def output_infos(spec: ExportSpec, elem_type: int) -> list[onnx.ValueInfoProto]:
    """The graph's outputs: ``label`` and ``probabilities``, or ``variable``."""
    n_y = spec.network.layer_dims[-1]
    if spec.task == "regression":
        return [helper.make_tensor_value_info("variable", elem_type, ["N", n_y])]
    n_classes = 2 if spec.task == "binary" else n_y
    label_shape = ["N", n_y] if spec.task == "multilabel" else ["N"]
    return [
        helper.make_tensor_value_info("label", _label_type(spec), label_shape),
        helper.make_tensor_value_info("probabilities", elem_type, ["N", n_classes]),
    ]


# ----- the whole model ----------------------------------------------------------------------------
def check_opset(opset: Any) -> int:
    """The opset as an int within [MIN_OPSET, newest the installed onnx knows]."""
    newest = onnx.defs.onnx_opset_version()
    if isinstance(opset, bool) or not isinstance(opset, int | np.integer):
        raise TypeError(f"opset must be an integer, got {opset!r}. Hint: opset={DEFAULT_OPSET}.")
    if not MIN_OPSET <= opset <= newest:
        raise ValueError(
            f"opset must be from {MIN_OPSET} to {newest} (the newest onnx {onnx.__version__} "
            f"knows), got {opset}. Hint: the default {DEFAULT_OPSET} runs on ONNX Runtime >= 1.13."
        )
    return int(opset)


def check_dtype(dtype: Any, net) -> np.dtype:
    """The graph's float dtype: ``dtype``, or the network's own when None."""
    if dtype is None:
        return np.dtype(net.dtype)
    try:
        dt = np.dtype(dtype)
    except TypeError:
        dt = None
    if dt is None or dt.name not in ONNX_DTYPES:
        raise ValueError(f"dtype must be float32 or float64, got {dtype!r}.")
    return dt


def build_model(
    spec: ExportSpec,
    *,
    opset: int = DEFAULT_OPSET,
    dtype: Any = None,
    inputs: str = "auto",
    name: str = "layerwise",
) -> onnx.ModelProto:
    """The checked ``ModelProto`` of ``spec``: inputs (raw columns or X), network, outputs."""

    opset = check_opset(opset)
    dt = check_dtype(dtype, spec.network)
    layout = input_layout(spec, inputs)
    outputs = output_infos(spec, helper.np_dtype_to_tensor_dtype(dt))
    out_names = [o.name for o in outputs]
    g = GraphBuilder(dt, opset, reserved=tuple(out_names))
    graph_inputs, X, refused = input_nodes(g, spec, layout)  # X: (N, n_x) in dt
    Z, A = network_nodes(g, X, spec.network)
    output_nodes(g, spec, Z, A, {n: n for n in OUTPUT_NAMES}, refused)
    graph = helper.make_graph(g.nodes, name, graph_inputs, outputs, g.initializers)
    opsets = [helper.make_opsetid("", opset)]
    if ML_DOMAIN in g.domains:
        opsets.append(helper.make_opsetid(ML_DOMAIN, 1))
    model = helper.make_model(
        graph,
        opset_imports=opsets,
        producer_name="layerwise",
        producer_version=lw.__version__,
        ir_version=helper.find_min_ir_version_for(opsets),
        doc_string=f"{spec.source} exported by layerwise {lw.__version__}: {spec.task}, "
        f"layer_dims {spec.network.layer_dims}",
    )
    helper.set_model_props(model, metadata(spec, graph_inputs, dt, layout))
    try:
        onnx.checker.check_model(model, full_check=True)
    except (onnx.checker.ValidationError, onnx.shape_inference.InferenceError) as err:
        raise ValueError(f"the exported graph fails onnx.checker: {err}") from err
    return model


def metadata(spec: ExportSpec, inputs: list, dtype: np.dtype, layout: str) -> dict[str, str]:
    """The model's metadata: layerwise version, layer_dims, activations, task, classes, inputs
    and the raw columns they take (JSON text, as ONNX metadata values are strings)."""
    net, pre = spec.network, spec.preprocessor
    props = {
        "layerwise_version": lw.__version__,
        "source": spec.source,
        "layer_dims": json.dumps(net.layer_dims),
        "activations": json.dumps([a.spec() for a in net.activations]),
        "loss": net.loss.name,
        "task": spec.task,
        "dtype": dtype.name,
        "inputs": json.dumps([i.name for i in inputs]),
        "input_layout": layout,
    }
    if spec.classes is not None:
        props["classes"] = json.dumps(label_array(spec.classes).tolist())
    if pre is not None:
        props["columns"] = json.dumps([*pre.numeric, *pre.categorical])
        props["target_names"] = json.dumps(pre.target_names)
    return props
