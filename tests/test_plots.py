"""Plots render to PNG files without a display."""

import numpy as np
import pytest

import layerwise as lw
from layerwise.data import load_planar

pytest.importorskip("matplotlib")

from layerwise import plots

PNG = b"\x89PNG\r\n\x1a\n"


def _is_png(path):
    data = path.read_bytes()
    return data.startswith(PNG) and len(data) > 2000


@pytest.mark.parametrize(
    "history",
    [
        {"cost": [0.7, 0.5, 0.4], "dev_cost": [0.8, 0.6, 0.65], "best_epoch": 1},
        {"cost": [1000.0, 10.0, 1.0, 0.1]},  # spans orders of magnitude: log scale
    ],
)
def test_cost_curve(tmp_path, history):
    fig = plots.plot_cost(history, tmp_path / "cost.png")
    assert _is_png(tmp_path / "cost.png")
    ax = fig.axes[0]
    assert len(ax.lines) >= 1 + ("dev_cost" in history)
    assert ax.get_yscale() == ("log" if history["cost"][0] == 1000.0 else "linear")


def test_cost_curve_numbers_epochs_from_zero_like_the_progress_lines(tmp_path):
    history = {"cost": [0.7, 0.5, 0.4], "dev_cost": [0.8, 0.6, 0.65], "best_epoch": 1}
    ax = plots.plot_cost(history, tmp_path / "cost.png").axes[0]
    train, dev, best = ax.lines[:3]
    assert list(train.get_xdata()) == [0, 1, 2] and list(dev.get_xdata()) == [0, 1, 2]
    assert list(best.get_xdata()) == [1, 1] and best.get_label() == "best epoch (1)"


def test_cost_curve_takes_a_history(tmp_path):
    net = lw.Network([2, 3, 1], seed=0)
    X, Y = load_planar(40)
    history = net.fit(X, Y, epochs=3, learning_rate=0.1)
    plots.plot_cost(history, tmp_path / "c.png")
    assert _is_png(tmp_path / "c.png")


def test_decision_boundary_of_the_planar_data(tmp_path):
    X, Y = load_planar(80)
    net = lw.Network([2, 4, 1], hidden="tanh", seed=0)
    net.fit(X, Y, epochs=20, learning_rate=1.0)
    fig = plots.plot_decision_boundary(
        net.predict, X, Y, tmp_path / "db.png", class_names=["red", "blue"], resolution=50
    )
    assert _is_png(tmp_path / "db.png")
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == ["red", "blue"]


def test_decision_boundary_multiclass_with_indices():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((2, 30))
    labels = (X[0] > 0).astype(int) + (X[1] > 0)  # 3 classes
    fig = plots.plot_decision_boundary(
        lambda grid: (grid[0] > 0).astype(int) + (grid[1] > 0), X, labels, resolution=20
    )
    assert len(fig.axes[0].collections) >= 3


def test_decision_boundary_needs_two_features():
    with pytest.raises(ValueError, match=r"shape \(2, m\)"):
        plots.plot_decision_boundary(lambda grid: grid[0], np.zeros((3, 5)), np.zeros(5))


def test_activations_and_their_derivatives(tmp_path):
    fig = plots.plot_activations(tmp_path / "act.png")
    assert _is_png(tmp_path / "act.png")
    assert len(fig.axes) == 4
    assert "slope=0.1" in fig.axes[3].get_title()
    with pytest.raises(ValueError, match="softmax"):
        plots.plot_activations(names=["softmax"])


def test_cost_curve_needs_costs():
    with pytest.raises(ValueError, match="non-empty 'cost'"):
        plots.plot_cost({"cost": []})
