"""The model's preprocessing inside the graph: raw columns in, ``X (N, n_x)`` out.

As :class:`layerwise.preprocessing.Preprocessor` does at predict time, in float64 and then cast
to the network's dtype:

    numeric columns    (x - μ) / σ   (standardize), x / 255 (unit, images) or x (none)
    text columns       one-hot over the training categories (ai.onnx.ml OneHotEncoder, zeros=1:
                       an unseen category encodes as all zeros)

A model with text columns takes one input per raw column, ``(N, 1)`` each, named as the column:
float64 for numbers, strings for text (``frame[name].to_numpy().reshape(-1, 1)``). A model of
numeric columns only (images included) takes one input ``X (N, n_numeric)`` of float64 raw
values, the columns in training order (listed in the metadata's ``columns``); ``inputs=
"columns"`` gives it one input per column too.
"""

from __future__ import annotations

import numpy as np
from onnx import TensorProto, helper

from .builder import ML_DOMAIN, GraphBuilder
from .source import ExportSpec

INPUT_LAYOUTS = ("auto", "columns", "matrix")


def input_layout(spec: ExportSpec, inputs: str = "auto") -> str:
    """``"matrix"`` (one input X) or ``"columns"`` (one input per raw column) for ``spec``.

    ``"auto"``: columns when the model has a text column (an ONNX tensor holds one type),
    otherwise one matrix, as skl2onnx does for NumPy-trained models.
    """
    if inputs not in INPUT_LAYOUTS:
        raise ValueError(f"inputs must be one of {INPUT_LAYOUTS}, got {inputs!r}.")
    pre = spec.preprocessor
    if pre is None or (inputs == "auto" and not pre.categorical):
        return "matrix"
    if inputs == "matrix" and pre.categorical:
        raise ValueError(
            f"inputs='matrix' needs numeric columns only; this model also takes text columns "
            f"({', '.join(pre.categorical)}). Hint: inputs='columns' (CLI: --inputs columns)."
        )
    return "columns" if inputs == "auto" else inputs


def input_nodes(g: GraphBuilder, spec: ExportSpec, layout: str) -> tuple[list, str]:
    """The graph's inputs and the name of ``X (N, n_x)`` (in the graph's dtype) they give."""
    pre, n_x = spec.preprocessor, spec.network.layer_dims[0]
    if pre is None:
        g.unique("X")
        return [helper.make_tensor_value_info("X", g.elem_type(), ["N", n_x])], "X"
    if layout == "matrix":  # raw numbers (N, n_numeric), columns in training order
        g.unique("X")
        inputs = [helper.make_tensor_value_info("X", TensorProto.DOUBLE, ["N", len(pre.numeric)])]
        return inputs, g.node("Cast", [_scaled(g, pre, "X")], "X_cast", to=g.elem_type())
    names = [*pre.numeric, *pre.categorical]
    clash = [n for n in names if n in ("label", "probabilities", "variable") or not n]
    if clash:
        raise ValueError(
            f"column {clash[0]!r} cannot name an ONNX input: the graph's outputs are label, "
            "probabilities and variable. Hint: rename the column and retrain."
        )
    for name in names:
        g.unique(name)
    inputs = [helper.make_tensor_value_info(n, TensorProto.DOUBLE, ["N", 1]) for n in pre.numeric]
    inputs += [
        helper.make_tensor_value_info(n, TensorProto.STRING, ["N", 1]) for n in pre.categorical
    ]
    blocks = []
    if pre.numeric:
        numeric = pre.numeric[0]
        if len(pre.numeric) > 1:
            numeric = g.node("Concat", list(pre.numeric), "numeric", axis=1)  # (N, n_numeric)
        blocks.append(_scaled(g, pre, numeric))
    for name, categories in pre.categorical.items():
        encoded = g.node(
            "OneHotEncoder",
            [name],
            f"{name}_onehot",
            domain=ML_DOMAIN,
            cats_strings=list(categories),
            zeros=1,
        )  # (N, 1, n_categories), float32 0/1
        shape = g.const(f"{name}_shape", np.array([-1, len(categories)], dtype=np.int64))
        flat = g.node("Reshape", [encoded, shape], f"{name}_flat")  # (N, n_categories)
        blocks.append(g.node("Cast", [flat], f"{name}_double", to=TensorProto.DOUBLE))
    X = blocks[0] if len(blocks) == 1 else g.node("Concat", blocks, "X_double", axis=1)
    return inputs, g.node("Cast", [X], "X", to=g.elem_type())  # (N, n_x)


def _scaled(g: GraphBuilder, pre, A: str) -> str:
    """The numeric block ``A (N, n_numeric)`` scaled as in training, in float64."""
    if pre.scaler is not None:
        mean = g.const("feature_mean", pre.scaler.mean[:, 0], dtype=np.float64)  # (n_numeric,)
        scale = g.const("feature_scale", pre.scaler.scale[:, 0], dtype=np.float64)
        return g.node("Div", [g.node("Sub", [A, mean], "centred"), scale], "standardized")
    if pre.scaling == "unit":
        return g.node("Div", [A, g.const("pixel_max", 255.0, dtype=np.float64)], "unit")
    return A
