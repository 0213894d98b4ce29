"""Metrics of a model on a data set, and the plain-text tables the command line prints."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .. import metrics
from ..data.safe_text import MAX_SHOWN_ITEMS, clipped, clipped_list, printable

Array = np.ndarray
#: under a regression table: which scale each column is on
REGRESSION_SCALES = (
    "cost: J on the standardized target (what training minimizes); MSE, MAE: in the target's "
    "units; R²: no unit"
)
SCALING_NAMES = {"standardize": "standardized", "unit": "divided by 255", "none": "as they are"}


def evaluate_split(net, pre, data, xy: tuple[Array, Array] | None = None) -> dict[str, Any]:
    """Metrics of ``net`` on the raw examples ``data`` (a :class:`layerwise.data.Dataset`);
    ``xy = (X (n_x, m), Y (n_y, m))``, when the caller has already transformed ``data``.

    Classification: accuracy, macro F1 (over the classes present), per-class
    precision/recall/F1/support, confusion matrix, log loss. Multi-label: accuracy over all
    labels, subset accuracy, macro F1, per-label P/R/F1/support and 2×2 confusion matrices, log
    loss. Regression: MSE, MAE, R² in the target's units, averaged over outputs and, for several,
    per output. ``cost`` is the training cost J (for regression: on the standardized target); the
    log loss is J without its L2 term (the network's loss is the cross-entropy), not computed a
    second time.
    """
    if data.target is None:
        raise ValueError(
            f"{data.name} has no target column {pre.target_names}: metrics need labels. "
            "Hint: use `layerwise predict` for data without labels."
        )
    if xy is None:
        xy = pre.transform(data.features, net.dtype), pre.transform_target(data.target, net.dtype)
    X, Y = xy  # (n_x, m), (n_y, m)
    AL = net.predict_proba(X)  # (n_y, m)
    m = X.shape[1]
    cost = net.cost(AL, Y)  # J = (1/m) Σ L + λ/(2m) Σ‖W‖²
    report: dict[str, Any] = {"examples": int(m), "cost": cost}
    if pre.is_classifier:
        k = len(pre.classes)
        report |= metrics.classification_report(
            pre.decode_codes(Y), pre.decode_codes(AL), labels=np.arange(k), names=pre.classes
        )
        report["log_loss"] = cost - net.l2_penalty(m)  # (1/m) Σ L: the cross-entropy
    elif pre.task == "multilabel":
        report |= _multilabel(AL, Y, pre.classes)
        report["log_loss"] = cost - net.l2_penalty(m)  # Σ over labels, mean over examples
    else:
        truth = data.target.to_numpy(dtype=np.float64)  # (m, k)
        predicted = pre.decode(AL)  # (m, k)
        columns = {
            name: metrics.regression_report(truth[:, j], predicted[:, j])
            for j, name in enumerate(pre.target_names)
        }
        report |= {
            k: float(np.mean([c[k] for c in columns.values()])) for k in ("mse", "mae", "r2")
        }
        if len(columns) > 1:
            report["per_output"] = columns
    return report


def _multilabel(AL: Array, Y: Array, labels: Sequence[Any]) -> dict[str, Any]:
    """Accuracy over all (label, example) entries, subset accuracy, and per label:
    precision/recall/F1/support of the positive class and its 2×2 confusion matrix."""
    predicted, truth = (AL > 0.5).astype(np.int64), Y.astype(np.int64)  # (k, m)
    per_label, confusion = {}, {}
    for i, name in enumerate(labels):
        C = metrics.confusion_matrix(truth[i], predicted[i], labels=[0, 1])  # (2, 2)
        prf = metrics.precision_recall_f1(truth[i], predicted[i], labels=[0, 1])
        per_label[str(name)] = {key: float(prf[key][1]) for key in ("precision", "recall", "f1")}
        per_label[str(name)]["support"] = int(prf["support"][1])
        confusion[str(name)] = C.tolist()
    return {
        "accuracy": float(np.mean(predicted == truth)),
        "subset_accuracy": float(np.mean(np.all(predicted == truth, axis=0))),
        "macro_f1": float(np.mean([v["f1"] for v in per_label.values()])),
        "per_class": per_label,
        "confusion_matrices": confusion,
    }


def table(header: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Left-aligned text columns; floats with 4 decimals; text :func:`printable` (a class name
    from a model file cannot drive the terminal)."""
    cells = [[_cell(x) for x in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells
    ]
    return "\n".join(lines)


def _cell(x: Any) -> str:
    if isinstance(x, float | np.floating):
        return f"{x:.4f}" if abs(x) < 1e6 else f"{x:.4g}"
    return printable(x)


def split_table(reports: dict[str, dict[str, Any]], task: str) -> str:
    """One row per split (train/dev/test): examples, cost and the task's headline metrics
    (regression: with a line saying which scale each column is on)."""
    note = ""
    if task in ("binary", "multiclass"):
        keys, names = ["accuracy", "macro_f1"], ["accuracy", "macro F1"]
    elif task == "multilabel":
        keys, names = ["accuracy", "subset_accuracy"], ["accuracy", "subset acc."]
    else:
        keys, names, note = ["mse", "mae", "r2"], ["MSE", "MAE", "R²"], f"\n{REGRESSION_SCALES}"
    rows = [
        [split, r["examples"], r["cost"], *(r[k] for k in keys)] for split, r in reports.items()
    ]
    return table(["split", "examples", "cost", *names], rows) + note


def format_evaluation(report: dict[str, Any], pre) -> str:
    """What ``layerwise evaluate`` prints: headline numbers, per-class table, confusion matrix."""
    data = printable(report.get("data", "the data"))
    lines = [f"{report['examples']} examples of {data}, {pre.task}"]
    if pre.task in ("binary", "multiclass", "multilabel"):
        extra = "".join(
            f"   {k.replace('_', ' ')} {report[k]:.4f}"
            for k in ("subset_accuracy", "log_loss")
            if k in report
        )
        lines.append(
            f"accuracy {report['accuracy']:.4f}   macro F1 {report['macro_f1']:.4f}{extra}"
        )
        rows = [
            [name, v["precision"], v["recall"], v["f1"], v["support"]]
            for name, v in report["per_class"].items()
        ]
        lines += ["", table(["class", "precision", "recall", "F1", "support"], rows)]
        for name, C in (report.get("confusion_matrices") or {}).items():
            lines += [
                "",
                f"label {printable(name)}: confusion matrix (rows: true 0/1, columns: predicted)",
            ]
            lines.append(table(["", "0", "1"], [["true 0", *C[0]], ["true 1", *C[1]]]))
        if "confusion_matrix" in report:
            labels = [str(c) for c in report["labels"]]
            rows = [
                [f"true {name}", *row]
                for name, row in zip(labels, report["confusion_matrix"], strict=True)
            ]
            lines += ["", "confusion matrix (rows: true class, columns: predicted)"]
            lines.append(table(["", *labels], rows))
    else:
        lines.append(
            f"cost {report['cost']:.4f}   MSE {report['mse']:.4f}   MAE {report['mae']:.4f}   "
            f"R² {report['r2']:.4f}"
        )
        lines.append(REGRESSION_SCALES)
        if "per_output" in report:
            rows = [[n, c["mse"], c["mae"], c["r2"]] for n, c in report["per_output"].items()]
            lines += ["", table(["output", "MSE", "MAE", "R²"], rows)]
    return "\n".join(lines)


def format_summary(model, path: str) -> str:
    """What ``layerwise summary`` prints about a saved model; every line but the network's
    table is :func:`printable` (names and settings from the file cannot drive the terminal),
    and every name, value and list from the file is shown within bounds (:func:`clipped`,
    :func:`clipped_list`: a header may hold a 60 MB class name or thousands of settings)."""
    net, pre, header = model.network, model.preprocessor, model.header
    kept = f"   dropout keep_prob: {list(net.keep_prob)}" if "keep_prob" in net.config() else ""
    lines = [
        f"model: {path} (format {clipped(header.get('format_version'))}, saved by layerwise "
        f"{clipped(header.get('library_version'))})",
        f"init: {net.init}   l2: {net.l2}{kept}",
    ]
    if pre is not None:
        lines += _preprocessing_lines(pre)
    training = {k: v for k, v in (header.get("training") or {}).items() if not isinstance(v, dict)}
    if training:
        shown = (f"{clipped(k)}={clipped(v)}" for k, v in training.items())
        lines.append("training: " + clipped_list(shown, each=None))
    estimator = header.get("estimator")
    if isinstance(estimator, dict):
        classes = estimator.get("classes")
        lines.append(
            f"estimator: {clipped(estimator.get('class'))}, {clipped(estimator.get('n_iter'))} "
            "epochs"
            + (f", classes: {clipped_list(classes)}" if isinstance(classes, list) else "")
            + " (load it with layerwise.estimators.load_estimator)"
        )
    lines += _metrics_lines(header.get("metrics") or {})
    return "\n".join([printable(lines[0]), net.summary(), *map(printable, lines[1:])])


def _preprocessing_lines(pre) -> list[str]:
    """The task, target and classes, and the features' kinds and widths."""
    n_cat = sum(len(c) for c in pre.categorical.values())
    image = (
        pre.image and f"; images {pre.image['size'][0]}x{pre.image['size'][1]} {pre.image['mode']}"
    )
    return [
        f"task: {pre.task}   target: {clipped_list(pre.target_names)}"
        + (f"   classes: {clipped_list(pre.classes)}" if pre.classes else ""),
        f"features: {len(pre.numeric)} numeric ({SCALING_NAMES[pre.scaling]}), "
        f"{len(pre.categorical)} categorical -> {n_cat} one-hot inputs; n_x = {pre.n_x}"
        + (image or ""),
    ]


def _metrics_lines(metrics: dict[str, Any]) -> list[str]:
    """One line per split (at most ``MAX_SHOWN_ITEMS``, then how many in all)."""
    lines = []
    for split, values in list(metrics.items())[:MAX_SHOWN_ITEMS]:
        shown = (f"{clipped(k)} {v:.4f}" for k, v in values.items() if isinstance(v, float))
        lines.append(f"{clipped(split)}: {clipped_list(shown, each=None)}")
    if len(metrics) > MAX_SHOWN_ITEMS:
        lines.append(f"... ({len(metrics):,} splits in all)")
    return lines
