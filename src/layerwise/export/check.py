"""Prove an export: run it with ONNX Runtime on generated inputs and compare every output with
layerwise's own prediction path (``Preprocessor.transform`` + ``predict_proba`` + ``decode`` for
a trained model file, ``Network.predict_proba``/``predict``, or the estimator's methods)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .graph import build_model, helper  # first: without onnx, its error names the onnx extra

try:
    import onnxruntime as ort
except ImportError as err:  # an optional extra
    raise ImportError(
        "checking an ONNX export needs onnxruntime. Hint: pip install onnxruntime."
    ) from err

from .source import ExportSpec, export_spec

Array = np.ndarray
TOLERANCE = {"float32": 1e-5, "float64": 1e-10}  # |ONNX Runtime - layerwise|, probabilities


@dataclass
class CheckResult:
    """How an export's outputs compare with layerwise's on ``rows`` generated inputs.

    ``max_difference`` is the largest absolute difference of probabilities (relative, for
    values far from 0, of regression outputs); ``labels_equal`` whether every label agrees,
    except the ``boundary`` labels whose probabilities lie within 10 × ``tolerance`` of the
    decision boundary (0.5, or a tie of the two largest), where rounding alone may flip them.
    ``labels`` is False where the model gives no labels (regression: only its values are
    compared, and ``labels_equal`` is True).
    """

    rows: int
    max_difference: float
    labels_equal: bool
    tolerance: float
    boundary: int = 0
    labels: bool = True

    @property
    def ok(self) -> bool:
        return self.labels_equal and self.max_difference <= self.tolerance

    def __str__(self) -> str:
        verdict = "passed" if self.ok else "FAILED"
        head = f"{verdict}: ONNX Runtime vs layerwise on {self.rows} generated rows: "
        if not self.labels:  # regression: values, no labels
            within = "within" if self.max_difference <= self.tolerance else "NOT within"
            return (
                f"{head}predicted values {within} tolerance {self.tolerance:.0e} (max difference "
                f"{self.max_difference:.1e}, relative where |value| > 1)"
            )
        labels = "labels identical" if self.labels_equal else "labels DIFFER"
        if self.boundary:
            labels += f" (but {self.boundary} at the decision boundary)"
        return (
            f"{head}max difference of probabilities {self.max_difference:.1e} (tolerance "
            f"{self.tolerance:.0e}), {labels}"
        )


def session(onnx_model) -> ort.InferenceSession:
    """An ONNX Runtime CPU session; a model it refuses raises ``ValueError`` with its reason."""
    try:
        return ort.InferenceSession(
            onnx_model.SerializeToString(), providers=["CPUExecutionProvider"]
        )
    except Exception as err:  # onnxruntime's own exception types (Fail, InvalidGraph, ...)
        raise ValueError(f"ONNX Runtime cannot load the export: {_first_line(err)}") from err


def check_onnx(model: Any, onnx_model=None, *, rows: int = 256, seed: int = 0) -> CheckResult:
    """Compare ``onnx_model`` (default: the export of ``model``) run by ONNX Runtime with
    layerwise's predictions for ``rows`` inputs drawn with ``seed``."""
    spec = export_spec(model)
    if onnx_model is None:
        onnx_model = build_model(spec)
    elem_type = next(
        o.type.tensor_type.elem_type for o in onnx_model.graph.output if o.name != "label"
    )  # of probabilities or variable: the graph's float type
    dt = np.dtype(helper.tensor_dtype_to_np_dtype(elem_type))
    layout = {p.key: p.value for p in onnx_model.metadata_props}.get("input_layout", "matrix")
    feeds, expected = _sample(spec, rows, np.random.default_rng(seed), dt, layout)
    sess = session(onnx_model)
    try:
        results = sess.run(None, feeds)
    except Exception as err:  # onnxruntime's own exception types
        raise ValueError(f"ONNX Runtime cannot run the export: {_first_line(err)}") from err
    got = dict(zip([o.name for o in sess.get_outputs()], results, strict=True))
    tolerance = TOLERANCE[dt.name]
    diff, labels_equal, boundary = 0.0, True, 0
    for name, want in expected.items():
        have = got[name]
        if name == "label":
            near = _near_boundary(spec.task, expected["probabilities"], 10 * tolerance)
            if have.shape != want.shape:
                labels_equal = False
                continue
            same = have.astype(str) == want.astype(str)
            labels_equal = bool(np.all(same | near))
            boundary = int(np.sum(near & ~same))
        elif name == "variable":
            err = np.abs(have - want) / np.maximum(1.0, np.abs(want))
            diff = max(diff, float(err.max()))
        else:
            diff = max(diff, float(np.abs(have - want).max()))
    return CheckResult(rows, diff, labels_equal, tolerance, boundary, labels="label" in expected)


def _first_line(err: Exception) -> str:
    text = str(err).strip()
    return text.splitlines()[0] if text else type(err).__name__


def _near_boundary(task: str, P: Array, margin: float) -> Array:
    """Labels that rounding alone may flip: ``P (m, n_classes)`` within ``margin`` of 0.5
    (binary: ``(m,)``; multi-label: per label, ``(m, k)``) or of a tie of the two largest."""
    if task == "binary":
        return np.abs(P[:, 1] - 0.5) <= margin
    if task == "multilabel":
        return np.abs(P - 0.5) <= margin
    top = np.sort(P, axis=1)
    return top[:, -1] - top[:, -2] <= margin


def _sample(spec: ExportSpec, m: int, rng: np.random.Generator, dt: np.dtype, layout: str):
    """Generated inputs (ONNX feeds) and layerwise's outputs for them (by output name)."""
    net, pre = spec.network, spec.preprocessor
    if pre is not None:
        return _sample_raw(spec, m, rng, layout)
    X = rng.standard_normal((m, net.layer_dims[0])).astype(dt)  # (m, n_x) rows
    est = spec.estimator
    if est is not None:
        if spec.task == "regression":
            return {"X": X}, {"variable": est.predict(X).reshape(m, -1)}
        return {"X": X}, {"label": est.predict(X), "probabilities": est.predict_proba(X)}
    AL = net.predict_proba(X.T.astype(net.dtype))  # (n_y, m)
    if spec.task == "regression":
        return {"X": X}, {"variable": AL.T}
    label = net.predict(X.T.astype(net.dtype))  # (n_y, m) 0/1 or (1, m) class index
    probabilities = np.stack([1 - AL[0], AL[0]], axis=1) if spec.task == "binary" else AL.T
    label = label.T if spec.task == "multilabel" else label[0]
    return {"X": X}, {"label": label, "probabilities": probabilities}


def _sample_raw(spec: ExportSpec, m: int, rng: np.random.Generator, layout: str):
    """Raw columns like the training data's (numbers around the training mean and spread,
    every category plus an unseen one) and what ``layerwise predict`` makes of them."""
    import pandas as pd

    net, pre = spec.network, spec.preprocessor
    columns: dict[str, Array] = {}
    for j, name in enumerate(pre.numeric):
        if pre.scaler is not None:
            mean, scale = pre.scaler.mean[j, 0], pre.scaler.scale[j, 0]
            columns[name] = mean + scale * rng.standard_normal(m)
        elif pre.scaling == "unit":
            columns[name] = rng.integers(0, 256, m).astype(np.float64)
        else:
            columns[name] = rng.standard_normal(m)
    for name, categories in pre.categorical.items():
        columns[name] = rng.choice(np.asarray([*categories, "<unseen>"], dtype=object), m)
    frame = pd.DataFrame(columns)
    AL = net.predict_proba(pre.transform(frame, net.dtype))  # (n_y, m)
    if layout == "matrix":
        feeds = {"X": frame.to_numpy(dtype=np.float64)}  # (m, n_numeric)
    else:
        feeds = {name: frame[[name]].to_numpy() for name in frame.columns}
        feeds |= {n: feeds[n].astype(np.float64) for n in pre.numeric}
    if pre.task == "regression":
        return feeds, {"variable": pre.decode(AL)}
    label = pre.decode(AL)
    return feeds, {"label": np.asarray(label), "probabilities": pre.probabilities(AL)}
