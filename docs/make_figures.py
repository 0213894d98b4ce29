"""Redraw the README figures: python docs/make_figures.py (needs the plot extra).

- decision_boundary.png and cost.png: the course's planar network, one hidden layer of 4 tanh
  units, weights × 0.01 from RandomState(2), batch gradient descent, α = 1.2, 10000 iterations;
- activations.png: sigmoid, tanh, ReLU and leaky ReLU with their derivatives.
"""

from pathlib import Path

import layerwise as lw
from layerwise.data import load_planar
from layerwise.metrics import accuracy
from layerwise.plots import plot_activations, plot_cost, plot_decision_boundary

HERE = Path(__file__).resolve().parent

X, Y = load_planar()  # X (2, 400), Y (1, 400)
net = lw.Network([2, 4, 1], hidden="tanh", init="small_random", seed=2, legacy_rng=True)
history = net.fit(X, Y, epochs=10_000, learning_rate=1.2)
acc = accuracy(Y, net.predict(X))  # Y (1, 400), predictions (1, 400)
print(f"planar, 4 tanh units: training accuracy {acc:.2%}, final cost {history.cost[-1]:.4f}")
plot_decision_boundary(
    net.predict,
    X,
    Y,
    HERE / "decision_boundary.png",
    class_names=["red (y=0)", "blue (y=1)"],
    title=f"Planar data: 4 tanh hidden units, {acc:.0%} training accuracy",
)
plot_cost(
    history,
    HERE / "cost.png",
    title="Planar data: batch gradient descent, α = 1.2",
    xlabel="iteration",
)
plot_activations(HERE / "activations.png")
for name in ("decision_boundary.png", "cost.png", "activations.png"):
    print(f"{name}: {(HERE / name).stat().st_size / 1024:.0f} KB")
