# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 9. Regularization: dropout and L2
#
# A network with far more parameters than examples learns its training set by heart, noise
# included: its training accuracy reaches 100 % while its accuracy on new examples (the dev set)
# stays well below. That gap is **overfitting**, high variance. The course's two cures:
#
# - **Dropout** (inverted dropout): in every training step, each hidden unit is kept with
#   probability `keep_prob` and dropped otherwise, `D[l] = (rand(n[l], m) < keep_prob)`,
#   `A[l] = A[l] * D[l] / keep_prob`, and the same mask in backward propagation,
#   `dA[l] = dA[l] * D[l] / keep_prob`. No unit can rely on any other, so the network spreads
#   its weights out. At prediction time nothing is dropped (the division by `keep_prob` in
#   training keeps the expected activations the same).
# - **L2 regularization**: the cost gets λ/(2m) Σ‖W[l]‖², which pulls every weight towards 0.
#
# In `layerwise`: `Network(..., keep_prob=0.6)` (one value for every hidden layer, or one per
# hidden layer) and `Network(..., l2=λ)`.
#
# **Checked below**: without regularization the network overfits (train 100 %, a large gap to
# dev); with dropout the train/dev gap is smaller; gradient checking is done with dropout off.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from sklearn.datasets import make_moons

import layerwise as lw
from layerwise.gradient_check import gradient_check
from layerwise.metrics import accuracy

plt.rcParams["figure.dpi"] = 72  # small figures
RED_BLUE = ["#d62728", "#1f77b4"]  # y = 0 red, y = 1 blue, as in layerwise.plots

# %% [markdown]
# ## A small, noisy data set
#
# Two interleaved half-moons with a lot of noise: only 80 training examples, and 400 dev
# examples drawn from the same distribution to measure how well the network generalizes.

# %%
rows, y = make_moons(n_samples=80, noise=0.35, random_state=0)
rows_dev, y_dev = make_moons(n_samples=400, noise=0.35, random_state=1)
X, Y = rows.T, y.reshape(1, -1)  # (2, 80), (1, 80): examples are columns
X_dev, Y_dev = rows_dev.T, y_dev.reshape(1, -1)  # (2, 400), (1, 400)
print("X:", X.shape, " Y:", Y.shape, " X_dev:", X_dev.shape, " Y_dev:", Y_dev.shape)

# %% [markdown]
# ## One network, three ways
#
# `[2, 64, 64, 1]` with ReLU has 4,417 parameters for 80 examples. We train it with Adam for
# 600 epochs (full batch) three times from the same initial weights: without
# regularization, with dropout (`keep_prob=0.4` on both hidden layers) and with L2
# (λ = 0.5). `dev=` evaluates the dev set after every epoch, always without dropout.

# %%
settings = {"no regularization": {}, "dropout, keep_prob 0.4": {"keep_prob": 0.4}}
settings["L2, λ = 0.5"] = {"l2": 0.5}
nets, histories, results = {}, {}, {}
for title, options in settings.items():
    net = lw.Network([2, 64, 64, 1], hidden="relu", seed=1, **options)
    histories[title] = net.fit(
        X, Y, epochs=600, learning_rate=0.01, optimizer="adam", dev=(X_dev, Y_dev)
    )
    nets[title] = net
    results[title] = (accuracy(Y, net.predict(X)), accuracy(Y_dev, net.predict(X_dev)))
    train, dev = results[title]
    print(
        f"{title:<24} train {100 * train:5.1f} %   dev {100 * dev:5.1f} %   "
        f"gap {100 * (train - dev):5.1f} points"
    )

# %% [markdown]
# The training cost of the dropout run is the cost of the *dropout* forward pass, the one each
# update follows (what the course prints), so it stays higher and noisier than the others; the
# dev cost is the whole network's. Without regularization the dev cost falls, then climbs
# again while the training cost goes to 0: from there on the network learns noise. With
# dropout it climbs much more slowly; with L2 it stays flat.

# %%
g1, g2 = np.meshgrid(np.linspace(-2, 3, 150), np.linspace(-1.6, 2.1, 150))
grid = np.vstack([g1.ravel(), g2.ravel()])  # (2, 22500)
fig, axes = plt.subplots(1, 4, figsize=(14, 3.2))
for ax, (title, net) in zip(axes, nets.items(), strict=False):
    predicted = net.predict(grid).reshape(g1.shape)
    ax.contourf(g1, g2, predicted, levels=[-0.5, 0.5, 1.5], colors=RED_BLUE, alpha=0.25)
    ax.scatter(X[0], X[1], c=Y[0], cmap=ListedColormap(RED_BLUE), s=8)
    train, dev = results[title]
    ax.set_title(f"{title}\ntrain {100 * train:.0f} %, dev {100 * dev:.0f} %", fontsize="small")
    ax.set(xticks=[], yticks=[])
for (title, history), color in zip(histories.items(), ["C0", "C1", "C2"], strict=True):
    axes[-1].plot(history.cost, color=color, alpha=0.5, linewidth=0.8)
    axes[-1].plot(history.dev_cost, color=color, label=f"{title} (dev)")
axes[-1].set(xlabel="epoch", ylabel="cost", ylim=(0, 1.5), title="train (thin) and dev cost")
axes[-1].legend(fontsize="x-small")
plt.show()

# %% [markdown]
# **Check**: the unregularized network overfits (100 % on the training set, a gap of more than
# 10 points to the dev set), and dropout closes a good part of that gap.

# %%
gap = {title: train - dev for title, (train, dev) in results.items()}
plain, dropped = gap["no regularization"], gap["dropout, keep_prob 0.4"]
assert results["no regularization"][0] == 1.0 and plain > 0.10, results
assert dropped < plain - 0.05, gap
print(
    f"the train/dev gap: {100 * plain:.1f} points without regularization, {100 * dropped:.1f} "
    f"with dropout ({100 * (plain - dropped):.1f} points smaller), "
    f"{100 * gap['L2, λ = 0.5']:.1f} with L2"
)

# %% [markdown]
# Read the numbers honestly: dropout closes the gap mostly by no longer learning the training
# set by heart (train falls from 100 % towards the dev accuracy); the dev accuracy itself moves
# by less than a point here. On 80 examples and two input features L2 does better on the dev
# set. Dropout earns its place in wide networks on larger inputs (the course's example, and
# images), where it lets a big network train without memorizing; which regularizer and how
# much is a choice made on the dev set, like any hyperparameter (`layerwise sweep` searches
# `--dropout` and `--l2` for you).

# %% [markdown]
# ## Gradient checking, with dropout off
#
# Dropout draws new masks at every forward pass, so J is a different function at each call
# and finite differences of it mean nothing. The course's habit: **turn dropout off, check the
# gradients, turn it back on**. `gradient_check` does exactly that: it compares backward
# propagation with finite differences on the whole network (`net.forward(X)`, no masks),
# whatever `keep_prob` says, and refuses to check with dropout on.

# %%
net = lw.Network([2, 5, 3, 1], hidden="relu", keep_prob=0.4, seed=2)
check = gradient_check(net, X[:, :10], Y[:, :10])
print(check.report().splitlines()[0])
assert check.passed(), check.difference  # < 1e-7: backward is right
try:
    gradient_check(net, X[:, :10], Y[:, :10], dropout=net.dropout_rng)
except ValueError as err:
    print("refused:", str(err).split(":")[0])  # the message says why, and what to do
else:
    raise AssertionError("a gradient check with dropout on must be refused")

# %% [markdown]
# The dropout backward pass itself is tested in the library the same way with the masks held
# fixed (`net.forward(X, dropout=generator)` with a generator at the same position draws the
# same masks): the library's tests check it to 1e-7, and against the course's own
# `forward_propagation_with_dropout` / `backward_propagation_with_dropout`.
#
# From the command line the same regularizers are `layerwise train ... --dropout 0.6` (the
# probability of *dropping* a unit, as in Keras and PyTorch: keep_prob = 1 - 0.6) and
# `--l2 0.5`; in scikit-learn style, `LayerwiseClassifier(dropout=0.6, l2=0.5)`.
