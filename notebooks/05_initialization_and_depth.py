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
# # 5. Initialization and depth
#
# Where a network's weights start decides whether it learns at all. On the course's "circles"
# data we train the same network `[2, 10, 5, 1]` (ReLU, ReLU, sigmoid) five times, changing only
# the initial weights: **zeros**, **× 0.01**, **Xavier** (randn / √n[l-1]), **He**
# (randn · √(2 / n[l-1])) and the course's too-large **× 10**. Then we look inside deeper
# networks: the size of the gradient at each layer, which vanishes or explodes depending on the
# activations and the initial scale.
#
# **Numbers this notebook must reproduce** (checked below), the course's: zeros → 50 % train
# and test, every hidden unit identical; × 10 → **83 %** train, **86 %** test; He → **99.33 %**
# train, **96 %** test (α = 0.01, 15,000 iterations, the course's seed 3).

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap
from sklearn.datasets import make_circles

import layerwise as lw
from layerwise.diagnostics import gradient_norms, identical_units, is_symmetric
from layerwise.metrics import accuracy

plt.rcParams["figure.dpi"] = 72  # small figures
RED_BLUE = ["#d62728", "#1f77b4"]  # y = 0 red, y = 1 blue, as in layerwise.plots

# %% [markdown]
# ## The data: two circles
#
# scikit-learn's `make_circles` with the course's seeds: 300 training and 100 test points, the
# blue ones (y = 1) inside, the red ones outside. Rows are examples in scikit-learn, so we
# transpose to the course's layout: X is (2, m), Y is (1, m).

# %%
rows, y = make_circles(n_samples=300, noise=0.05, random_state=1)
rows_test, y_test = make_circles(n_samples=100, noise=0.05, random_state=2)
X, Y = rows.T, y.reshape(1, -1)
X_test, Y_test = rows_test.T, y_test.reshape(1, -1)
print("X:", X.shape, " Y:", Y.shape, " X_test:", X_test.shape, " Y_test:", Y_test.shape)

# %% [markdown]
# ## Four initializations, one network
#
# `init=` picks the scale of W[l]; the biases always start at 0. `legacy_rng=True, seed=3`
# draws W1, W2, W3 as the course does. (Training all four takes about half a minute.)

# %%
inits = {"zeros": "zeros", "× 0.01": "small_random", "Xavier": "xavier", "He": "he"}
nets, histories, results = {}, {}, {}
for title, init in inits.items():
    net = lw.Network([2, 10, 5, 1], hidden="relu", init=init, seed=3, legacy_rng=True)
    histories[title] = net.fit(X, Y, epochs=15_000, learning_rate=0.01)
    nets[title] = net
    results[title] = (accuracy(Y, net.predict(X)), accuracy(Y_test, net.predict(X_test)))
    print(
        f"{title:<7} cost {histories[title].cost[0]:.4f} → {histories[title].cost[-1]:.4f}   "
        f"train {100 * results[title][0]:6.2f} %   test {100 * results[title][1]:5.1f} %"
    )

# %% [markdown]
# ## Too large: the course's "random" initialization, × 10
#
# The course's initialization assignment also tries weights that are far too large:
# **W[l] = randn(n[l], n[l-1]) × 10**, drawn after `np.random.seed(3)` in the same order. The
# library has no initializer for it (its four are the ones worth training with), so we draw the
# course's weights as the course does and write them into the network's parameters.

# %%
large = lw.Network([2, 10, 5, 1], hidden="relu", init="zeros", seed=3)
draws = np.random.RandomState(3)  # the course's np.random.seed(3): the same draws
for l in range(1, large.L + 1):
    W = large.parameters[f"W{l}"]
    large.parameters[f"W{l}"] = draws.randn(*W.shape) * 10  # (n[l], n[l-1]), × 10
histories["× 10"] = large.fit(X, Y, epochs=15_000, learning_rate=0.01)
nets["× 10"] = large
results["× 10"] = (accuracy(Y, large.predict(X)), accuracy(Y_test, large.predict(X_test)))
cost = histories["× 10"].cost
print(f"cost at iterations 0, 1000, 14999: {cost[0]:.4f}, {cost[1000]:.4f}, {cost[-1]:.4f}")
print(f"× 10    train {100 * results['× 10'][0]:6.2f} %   test {100 * results['× 10'][1]:5.1f} %")

# %% [markdown]
# With weights of size 10, Z[3] is in the hundreds: the sigmoid's output is 0 or 1 to the last
# digit, and the points it gets wrong it gets wrong with certainty. The first cost is huge
# (the course prints `inf`: its log(1 − a) meets a = 1.0 exactly; the library computes the cost
# from Z[3] and prints the finite number), and the first steps only undo the worst of it. After
# 15,000 iterations the cost is still about 0.38 where He reaches 0.065, and the boundary
# is a rough approximation: 83 % train, 86 % test. Large weights → a large initial cost, a slow
# start, a worse result; and the deeper the network, the more each layer's factor multiplies.

# %%
g1, g2 = np.meshgrid(np.linspace(-1.5, 1.5, 150), np.linspace(-1.5, 1.5, 150))
grid = np.vstack([g1.ravel(), g2.ravel()])  # (2, 22500)
fig, axes = plt.subplots(1, 6, figsize=(15, 2.8))
for ax, (title, net) in zip(axes, nets.items(), strict=False):
    predicted = net.predict(grid).reshape(g1.shape)  # 0/1 for every point of the plane
    ax.contourf(g1, g2, predicted, levels=[-0.5, 0.5, 1.5], colors=RED_BLUE, alpha=0.25)
    ax.scatter(X[0], X[1], c=Y[0], cmap=ListedColormap(RED_BLUE), s=4)
    ax.set_title(f"{title}: train {100 * results[title][0]:.0f} %", fontsize="small")
    ax.set(xticks=[], yticks=[])
for (title, history), style in zip(histories.items(), ["--", ":", "-", "-", "-."], strict=True):
    axes[-1].plot(history.cost, style, label=title)  # zeros and × 0.01 overlap at log 2
axes[-1].set(xlabel="iteration", ylabel="cost J", title="cost", ylim=(0, 1))  # × 10 starts high
axes[-1].legend(fontsize="small")
plt.show()

# %% [markdown]
# ## Zeros: the symmetry never breaks
#
# With W = 0 every hidden unit of a layer computes the same function, receives the same
# gradient and takes the same step, so after 15,000 iterations the units are still identical:
# the layer of 10 units is worth one unit. (Here it is worse: with ReLU and W = 0 every gradient
# except the output bias is exactly 0, so the cost stays at log 2 and every prediction is 0.)
# `layerwise.diagnostics.identical_units` lists the groups of units with equal weights:

# %%
zeros = nets["zeros"]
print("identical units in layer 1:", identical_units(zeros, 1))
print("identical units in layer 2:", identical_units(zeros, 2))
print("every hidden layer symmetric:", is_symmetric(zeros), "  He:", is_symmetric(nets["He"]))

# %% [markdown]
# **Check** the course's numbers: zeros gives 50 % (a constant prediction) and stays symmetric;
# × 10 gives 83 % train and 86 % test, from a first cost far above log 2; He gives 99.33 % train
# and 96 % test.

# %%
assert results["zeros"] == (0.5, 0.5) and is_symmetric(zeros), results["zeros"]
assert round(results["He"][0] * 300) == 298 and round(results["He"][1] * 100) == 96, results["He"]
assert round(results["× 10"][0] * 300) == 249 and round(results["× 10"][1] * 100) == 86
assert histories["× 10"].cost[0] > 100 * histories["He"].cost[0]  # the large initial cost
assert not is_symmetric(nets["He"])
print("reproduced: zeros 50 % / 50 %, × 10 83 % / 86 %, He 99.33 % / 96 %")

# %% [markdown]
# The × 0.01 network also learns nothing in 15,000 iterations: with two ReLU layers of tiny
# weights, the signal reaching the output is about 10⁻⁶ of the input and the gradients are as
# small. Xavier and He keep the variance of each layer's output close to its input's
# (He's factor 2 makes up for ReLU zeroing half of its inputs), so learning starts at once.
#
# ## Depth: vanishing and exploding gradients
#
# In a deep network the gradient of the first layers is a product of one factor per layer
# above it. Factors below 1 make it **vanish** (the first layers stop learning), factors above 1
# make it **explode**. `gradient_norms(net, X, Y)` gives ‖dW[l]‖ for each layer on one batch.
# Ten hidden layers of 32 units, random inputs, four networks:

# %%
rng = np.random.default_rng(0)
X_deep = rng.standard_normal((10, 200))  # (n_x, m) = (10, 200)
Y_deep = (rng.random((1, 200)) > 0.5).astype(float)
dims = [10] + [32] * 10 + [1]
cases = {
    "sigmoid, Xavier": ("sigmoid", "xavier", 1.0),
    "ReLU, He": ("relu", "he", 1.0),
    "ReLU, × 0.01": ("relu", "small_random", 1.0),
    "ReLU, 1.5 × He": ("relu", "he", 1.5),
}
norms = {}
for title, (hidden, init, scale) in cases.items():
    net = lw.Network(dims, hidden=hidden, init=init, seed=0)
    net.theta *= scale  # every weight 1.5 times larger for the last case
    g = gradient_norms(net, X_deep, Y_deep)
    norms[title] = np.array([g[f"dW{l}"] for l in range(1, net.L + 1)])
    print(f"{title:<16} ‖dW1‖ = {norms[title][0]:.1e}   ‖dW{net.L}‖ = {norms[title][-1]:.1e}")

fig, ax = plt.subplots(figsize=(6, 3.5))
for title, values in norms.items():
    ax.semilogy(range(1, len(values) + 1), values, marker="o", label=title)
ax.set(xlabel="layer l", ylabel="‖dW[l]‖", title="Gradient norm per layer, 10 hidden layers")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# - **sigmoid**: σ'(z) ≤ 1/4, so each layer down shrinks the gradient about 5×: ‖dW1‖ is about
#   10⁷ times smaller than the last layer's. ReLU's derivative is 1 where it is active.
# - **ReLU, He**: the gradient keeps its size through all eleven layers.
# - **ReLU, × 0.01**: the activations shrink at every layer, and with them every gradient.
# - **ReLU, 1.5 × He**: every layer multiplies the signal by about 1.5, so the gradients are
#   about 1.5¹⁰ ≈ 60 times too large: gradient descent steps would explode.

# %%
assert norms["sigmoid, Xavier"][0] < 1e-4 * norms["sigmoid, Xavier"][-1]  # vanishing
he = norms["ReLU, He"]
assert 0.05 < he[0] / he[-1] < 20, he  # about the same size in every layer
assert (norms["ReLU, 1.5 × He"] > 10 * he).all()  # exploding
print("vanishing with sigmoid, steady with ReLU + He, exploding with 1.5 × He")

# %% [markdown]
# **What next.** Notebook 6 goes back to the derivatives themselves: how a computation graph
# computes them, and how to check them numerically.
