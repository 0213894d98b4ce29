"""The model's preprocessing inside the graph: raw columns in, ``X (N, n_x)`` out.

As :class:`layerwise.preprocessing.Preprocessor` does at predict time, in float64 and then cast
to the network's dtype:

    numeric columns    a gap (NaN) is the training median (IsNaN → Where), then
                       (x - μ) / σ   (standardize), x / 255 (unit, images) or x (none)
    indicators         1.0 where a column that had gaps in training is missing
    text columns       one-hot over the training categories (ai.onnx.ml OneHotEncoder, zeros=1:
                       an unseen category encodes as all zeros), the infrequent ones summed
                       into one input, a missing value (the empty string "") as the most
                       frequent category (a MatMul with a 0/1 matrix)

A missing text value is given to the graph as the empty string ``""`` (``frame[name].fillna("")``),
a missing number as NaN. A model trained with ``missing="refuse"`` (or ``unseen="error"``), where
``predict`` refuses a row, gives that row NaN probabilities (NaN values for regression) and a
label that marks it: ``""`` for text classes, NaN for float classes, -1 for integer classes
(the smallest int64 if -1 is a class), -1 in every column for multi-label. A model with date
columns is refused: their parts (days, month, weekday) are not computed in the graph.

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
    if pre is not None and pre.dates:
        raise ValueError(
            f"this model has date columns ({', '.join(pre.dates)}): their features (days since "
            "1970-01-01, month, weekday) are not computed in the ONNX graph, so it is not "
            "exported. Hint: turn the dates into numbers (e.g. days) before training, or use "
            "`layerwise predict`."
        )
    if pre is None or (inputs == "auto" and not pre.categorical):
        return "matrix"
    if inputs == "matrix" and pre.categorical:
        raise ValueError(
            f"inputs='matrix' needs numeric columns only; this model also takes text columns "
            f"({', '.join(pre.categorical)}). Hint: inputs='columns' (CLI: --inputs columns)."
        )
    return "columns" if inputs == "auto" else inputs


def input_nodes(g: GraphBuilder, spec: ExportSpec, layout: str) -> tuple[list, str, str | None]:
    """The graph's inputs, the name of ``X (N, n_x)`` (in the graph's dtype) they give, and of
    ``refused (N, 1)`` (bool: the rows ``predict`` would refuse), or None."""
    pre, n_x = spec.preprocessor, spec.network.layer_dims[0]
    if pre is None:
        return _estimator_inputs(g, spec, n_x)
    if layout == "matrix":  # raw numbers (N, n_numeric), columns in training order
        g.unique("X")
        inputs = [helper.make_tensor_value_info("X", TensorProto.DOUBLE, ["N", len(pre.numeric)])]
        blocks, refused = _numeric_blocks(g, pre, "X", {})
        return inputs, _joined(g, blocks, refused), refused
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
    gaps, blocks, refused = {}, [], []
    for name in pre.categorical:
        block, gap, unseen = _text_block(g, pre, name)
        blocks.append(block)
        if gap is not None:
            gaps[name] = gap
        refused += [gap] if gap is not None and pre.missing != "impute" else []
        refused += [unseen] if pre.unseen == "error" else []
    numeric = []
    if pre.numeric:
        numeric = pre.numeric[0]
        if len(pre.numeric) > 1:
            numeric = g.node("Concat", list(pre.numeric), "numeric", axis=1)  # (N, n_numeric)
    front, numeric_refused = _numeric_blocks(g, pre, numeric, gaps) if pre.numeric else ([], None)
    if not pre.numeric and pre.indicators:
        front = [_indicators(g, pre, None, gaps)]
    mask = _any(g, [r for r in [numeric_refused, *refused] if r is not None])
    return inputs, _joined(g, [*front, *blocks], mask), mask


def _joined(g: GraphBuilder, blocks: list[str], refused: str | None) -> str:
    """``X (N, n_x)`` in the graph's dtype from float64 blocks; NaN in the refused rows."""
    X = blocks[0] if len(blocks) == 1 else g.node("Concat", blocks, "X_double", axis=1)
    if refused is not None:
        nan = g.const("refused_value", np.nan, dtype=np.float64)
        X = g.node("Where", [refused, nan, X], "X_refused")
    return g.node("Cast", [X], "X", to=g.elem_type())  # (N, n_x)


def _numeric_blocks(g: GraphBuilder, pre, A: str, gaps: dict) -> tuple[list[str], str | None]:
    """The numeric inputs ``A (N, n_numeric)`` imputed and scaled, then the indicators (text
    columns' gaps in ``gaps``); and the rows with a gap when the model refuses them."""
    gap = g.node("IsNaN", [A], "numeric_gap")  # (N, n_numeric)
    infinite = g.node("IsInf", [A], "numeric_inf")  # predict refuses ±inf, imputing or not
    if pre.missing == "impute":
        medians = g.const("medians", np.asarray(pre.medians), dtype=np.float64)
        A = g.node("Where", [gap, medians, A], "imputed")
        refused = _any(g, [infinite])
    else:
        refused = _any(g, [gap, infinite])
    blocks = [_scaled(g, pre, A)]
    if pre.indicators:
        blocks.append(_indicators(g, pre, gap, gaps))
    return blocks, refused


def _indicators(g: GraphBuilder, pre, gap: str | None, gaps: dict) -> str:
    """``(N, n_indicators)`` float64, in ``pre.indicators``' order."""
    columns = []
    for name in pre.indicators:
        if name in gaps:
            columns.append(gaps[name])
            continue
        index = g.const(f"{name}_index", np.array([pre.numeric.index(name)], dtype=np.int64))
        column = g.node("Gather", [gap, index], f"{name}_gap", axis=1)  # (N, 1) bool
        columns.append(g.node("Cast", [column], f"{name}_missing", to=TensorProto.DOUBLE))
    if len(columns) == 1:
        return columns[0]
    return g.node("Concat", columns, "indicators", axis=1)


def _text_block(g: GraphBuilder, pre, name: str) -> tuple[str, str | None, str]:
    """One text column's inputs ``(N, width)`` float64, its gap ``(N, 1)`` float64 (None when
    "" is one of its categories) and its unseen rows ``(N, 1)`` bool."""
    categories, rare = list(pre.categorical[name]), list(pre.infrequent.get(name, []))
    known = categories + rare
    slot = "" not in known  # the empty string: a missing value
    cats = known + ([""] if slot else [])
    width = len(categories) + (1 if rare else 0)
    mapping = np.zeros((len(cats), width))  # (n_cats, width): the one-hot -> the inputs
    mapping[np.arange(len(categories)), np.arange(len(categories))] = 1.0
    mapping[len(categories) : len(known), width - 1] = 1.0
    if slot and name in pre.modes:
        mapping[-1] = mapping[known.index(pre.modes[name])]
    encoded = g.node(
        "OneHotEncoder", [name], f"{name}_onehot", domain=ML_DOMAIN, cats_strings=cats, zeros=1
    )  # (N, 1, n_cats), float32 0/1
    shape = g.const(f"{name}_shape", np.array([-1, len(cats)], dtype=np.int64))
    flat = g.node("Reshape", [encoded, shape], f"{name}_flat")  # (N, n_cats)
    flat = g.node("Cast", [flat], f"{name}_double", to=TensorProto.DOUBLE)
    block = g.node("MatMul", [flat, g.const(f"{name}_map", mapping, np.float64)], f"{name}_in")
    gap = None
    if slot:
        last = g.const(f"{name}_slot", np.array([len(cats) - 1], dtype=np.int64))
        gap = g.node("Gather", [flat, last], f"{name}_missing", axis=1)  # (N, 1)
    axes = g.const("axis_1", np.array([1], dtype=np.int64))
    hits = g.node("ReduceSum", [flat, axes], f"{name}_hits", keepdims=1)  # (N, 1)
    unseen = g.node("Equal", [hits, g.const("zero_double", 0.0, np.float64)], f"{name}_unseen")
    return block, gap, unseen


def _any(g: GraphBuilder, masks: list[str]) -> str | None:
    """``(N, 1)`` bool: any of the masks ``(N, k)`` (bool or 0/1 float64) holds in the row."""
    if not masks:
        return None
    axes = g.const("axis_1", np.array([1], dtype=np.int64))
    sums = [
        g.node(
            "ReduceSum",
            [g.node("Cast", [m], "mask_double", to=TensorProto.DOUBLE), axes],
            "mask_sum",
            keepdims=1,
        )
        for m in masks
    ]
    total = sums[0] if len(sums) == 1 else g.node("Sum", sums, "mask_total")
    return g.node("Greater", [total, g.const("zero_double", 0.0, np.float64)], "refused")


def _estimator_inputs(g: GraphBuilder, spec: ExportSpec, n_x: int) -> tuple[list, str, str | None]:
    """``X (N, n_features)`` as it is, or, for an estimator, imputed with its indicators."""
    g.unique("X")
    est = spec.estimator
    medians = None if est is None else getattr(est, "imputer_medians_", None)
    n_features = n_x if medians is None else len(medians)
    inputs = [helper.make_tensor_value_info("X", g.elem_type(), ["N", n_features])]
    if est is None:
        return inputs, "X", None
    return (inputs, *estimator_rows(g, est, "X"))


def estimator_rows(g: GraphBuilder, est, X: str) -> tuple[str, str | None]:
    """An estimator's rows ``X (N, n_features)`` as its network takes them: gaps filled with
    the medians and the indicators appended (``missing="impute"``), or the rows with a gap
    NaN and marked refused (``"refuse"``). Returns ``X`` and ``refused (N, 1)`` or None."""
    medians = getattr(est, "imputer_medians_", None)
    gap = g.node("IsNaN", [X], "gap")  # (N, n_features)
    infinite = g.node("IsInf", [X], "infinite")  # the estimator refuses ±inf, imputing or not
    nan = g.const("refused_value", np.nan)
    if medians is None:  # missing="refuse": a row with a gap gets NaN
        refused = _any(g, [gap, infinite])
        return g.node("Where", [refused, nan, X], "X_refused"), refused
    refused = _any(g, [infinite])
    X = g.node("Where", [gap, g.const("medians", medians), X], "imputed")
    if est.indicator_features_.size:
        index = g.const("indicator_features", est.indicator_features_.astype(np.int64))
        picked = g.node("Gather", [gap, index], "gaps", axis=1)
        indicators = g.node("Cast", [picked], "indicators", to=g.elem_type())
        X = g.node("Concat", [X, indicators], "X_imputed", axis=1)
    return g.node("Where", [refused, nan, X], "X_refused"), refused


def _scaled(g: GraphBuilder, pre, A: str) -> str:
    """The numeric block ``A (N, n_numeric)`` scaled as in training, in float64."""
    if pre.scaler is not None:
        mean = g.const("feature_mean", pre.scaler.mean[:, 0], dtype=np.float64)  # (n_numeric,)
        scale = g.const("feature_scale", pre.scaler.scale[:, 0], dtype=np.float64)
        return g.node("Div", [g.node("Sub", [A, mean], "centred"), scale], "standardized")
    if pre.scaling == "unit":
        return g.node("Div", [A, g.const("pixel_max", 255.0, dtype=np.float64)], "unit")
    return A
