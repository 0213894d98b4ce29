"""Plots: cost curves, decision boundaries of 2-D inputs, activation functions.

matplotlib is optional (``pip install 'layerwise[plot]'``). Figures are built with the
object-oriented API (``matplotlib.figure.Figure``, Agg canvas): no display, no pyplot state, safe
in scripts, servers and tests. Every function returns the Figure and, given ``path``, saves a PNG.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from ..persistence import atomic

Array = np.ndarray
COLORS = (
    "#d62728",
    "#1f77b4",
    "#2ca02c",
    "#ff7f0e",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


def _figure(width: float = 6.0, height: float = 4.0):
    try:
        from matplotlib.figure import Figure
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("Plots need matplotlib: pip install 'layerwise[plot]'.") from err
    return Figure(figsize=(width, height), layout="constrained")


def save_figure(fig, path: str | Path, dpi: int = 100) -> Path:
    """Save ``fig`` as a PNG at ``path`` (Agg, no display), atomically."""
    return atomic.atomic_write(path, lambda f: fig.savefig(f, dpi=dpi, format="png"))


def plot_cost(
    history: Any,
    path: str | Path | None = None,
    *,
    title: str = "Cost per epoch",
    xlabel: str = "epoch",
):
    """Training (and dev) cost J against the epoch.

    ``history``: a :class:`layerwise.History` or a dict with ``"cost"`` and optionally
    ``"dev_cost"`` lists (what ``history.json`` holds).
    """
    curves = history.history if hasattr(history, "history") else dict(history)
    if not curves.get("cost"):
        raise ValueError("history must hold a non-empty 'cost' list (one value per epoch).")
    fig = _figure()
    ax = fig.add_subplot()
    # epochs numbered from 0, as in the progress lines, history.json and "best epoch N kept"
    ax.plot(np.arange(len(curves["cost"])), curves["cost"], color=COLORS[1], label="train cost")
    if curves.get("dev_cost"):
        ax.plot(
            np.arange(len(curves["dev_cost"])),
            curves["dev_cost"],
            color=COLORS[0],
            label="dev cost",
        )
    best = curves.get("best_epoch")
    if isinstance(best, int):
        ax.axvline(best, color="0.6", linestyle=":", label=f"best epoch ({best})")
    ax.set(xlabel=xlabel, ylabel="cost J", title=title)
    if min(min(curves["cost"]), min(curves.get("dev_cost") or [1.0])) > 0:
        ratio = max(curves["cost"]) / min(curves["cost"])
        if ratio > 100:  # costs spanning orders of magnitude read better on a log scale
            ax.set_yscale("log")
    ax.grid(alpha=0.3)
    ax.legend()
    if path is not None:
        save_figure(fig, path)
    return fig


def plot_decision_boundary(
    predict: Callable[[Array], Array],
    X: Array,
    labels: Array,
    path: str | Path | None = None,
    *,
    class_names: Sequence[str] | None = None,
    feature_names: Sequence[str] = ("x1", "x2"),
    resolution: int = 300,
    title: str = "Decision boundary",
):
    """Colour the plane by the predicted class and overlay the examples.

    Parameters
    ----------
    predict : callable
        ``X_grid (2, k) -> class index (k,)`` or ``(1, k)``, e.g. ``net.predict`` for a binary or
        softmax network.
    X : array (2, m)
        The examples, one column each (course layout).
    labels : array (m,) or (1, m)
        Their class index 0..C-1.
    """
    X, labels = _points(X, labels)
    g1, g2, predicted = _predicted_grid(predict, X, resolution)  # (resolution, resolution) each
    n_classes = int(max(labels.max(), predicted.max())) + 1
    if n_classes > len(COLORS):
        raise ValueError(f"at most {len(COLORS)} classes can be drawn, got {n_classes}.")
    fig = _figure(6.5, 4.5)
    ax = fig.add_subplot()
    _shade_regions(ax, g1, g2, predicted, n_classes)
    names = list(class_names) if class_names is not None else [str(c) for c in range(n_classes)]
    _scatter_classes(ax, X, labels, names, n_classes)
    ax.set(xlabel=feature_names[0], ylabel=feature_names[1])
    ax.set_title(title, fontsize="medium")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize="small", frameon=False)
    if path is not None:
        save_figure(fig, path)
    return fig


def _points(X: Array, labels: Array) -> tuple[Array, Array]:
    """``X (2, m)`` as float64 and ``labels`` as ``(m,)`` integers, or ``ValueError``."""
    X = np.asarray(X, dtype=np.float64)
    labels = np.asarray(labels).reshape(-1).astype(np.int64)
    if X.ndim != 2 or X.shape[0] != 2 or X.shape[1] != labels.size:
        raise ValueError(
            f"X must have shape (2, m) matching labels of {labels.size} examples, got {X.shape}. "
            "Hint: decision boundaries are drawn for 2-feature data; pass X.T for rows."
        )
    return X, labels


def _predicted_grid(
    predict: Callable[[Array], Array], X: Array, resolution: int
) -> tuple[Array, Array, Array]:
    """A ``resolution × resolution`` grid over the examples plus a 10% margin: its two
    coordinates and the class ``predict`` gives each point, all of the grid's shape."""
    pad = 0.1 * (X.max(axis=1) - X.min(axis=1)) + 1e-9  # (2,)
    lo, hi = X.min(axis=1) - pad, X.max(axis=1) + pad
    g1, g2 = np.meshgrid(
        np.linspace(lo[0], hi[0], resolution), np.linspace(lo[1], hi[1], resolution)
    )
    grid = np.vstack([g1.ravel(), g2.ravel()])  # (2, resolution²)
    return g1, g2, np.asarray(predict(grid)).reshape(g1.shape)


def _shade_regions(ax, g1: Array, g2: Array, predicted: Array, n_classes: int) -> None:
    """Each class's region in its colour, lightly: one filled level per class index."""
    from matplotlib.colors import ListedColormap

    ax.contourf(
        g1,
        g2,
        predicted,
        levels=np.arange(n_classes + 1) - 0.5,
        cmap=ListedColormap(COLORS[:n_classes]),
        alpha=0.25,
        vmin=-0.5,
        vmax=n_classes - 0.5,
    )


def _scatter_classes(ax, X: Array, labels: Array, names: Sequence[str], n_classes: int) -> None:
    """The examples of each class c < ``n_classes`` in its colour, labelled ``names[c]``."""
    for c in range(n_classes):
        mask = labels == c
        if mask.any():
            ax.scatter(
                *X[:, mask], s=12, color=COLORS[c], edgecolors="k", linewidths=0.3, label=names[c]
            )


def plot_activations(
    path: str | Path | None = None,
    names: Sequence[str] = ("sigmoid", "tanh", "relu", "leaky_relu"),
    params: Mapping[str, Mapping[str, float]] | None = None,
):
    """Each activation g(z) and its derivative g'(z) for z in [-5, 5], one panel each.

    ``params`` sets parameters for the drawing, e.g. ``{"leaky_relu": {"slope": 0.1}}`` (the
    default slope so that the leak is visible).
    """
    from ..activations import get_activation

    params = {"leaky_relu": {"slope": 0.1}} if params is None else params
    z = np.linspace(-5, 5, 1001).reshape(1, -1)  # (1, k)
    fig = _figure(3.0 * len(names), 3.0)
    axes = fig.subplots(1, len(names), squeeze=False)[0]
    for ax, name in zip(axes, names, strict=True):
        act = get_activation(name, **params.get(name, {}))
        if act.derivative is None:
            raise ValueError(f"{name} has no elementwise derivative to draw (softmax).")
        a = act.forward(z)
        ax.plot(z[0], a[0], color=COLORS[1], label="g(z)")
        ax.plot(z[0], act.derivative(z, a)[0], color=COLORS[0], linestyle="--", label="g'(z)")
        shown = ", ".join(f"{k}={v}" for k, v in act.params.items())
        ax.set(title=f"{name}" + (f" ({shown})" if shown else ""), xlabel="z")
        ax.axhline(0, color="0.7", linewidth=0.8)
        ax.axvline(0, color="0.7", linewidth=0.8)
        ax.grid(alpha=0.3)
    axes[0].legend(loc="upper left")
    if path is not None:
        save_figure(fig, path)
    return fig
