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
# # 2. Planar data with one hidden layer
#
# A "flower" of 400 points in the plane, red (y = 0) and blue (y = 1), in petals that no
# straight line can separate. Logistic regression draws a straight line; a network with **one
# hidden layer of 4 tanh units** bends its boundary around the petals.
#
# **Numbers this notebook must reproduce** (checked below): logistic regression ≈ 47 %
# training accuracy; 4 tanh units **≥ 88 %** (the course reports 90 %: it prints accuracy with
# `%d`, which truncates, so the 90.75 % found here prints as "90"), starting from the
# course's cost 0.693048 at iteration 0; and the course's table
# for 1, 2, 3, 4, 5, 20 and 50 hidden units after 5000 iterations:
# 67.5, 67.25, 90.75, 90.5, 91.25, 90.0 and 90.25 %.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.colors import ListedColormap

import layerwise as lw
from layerwise import course
from layerwise.data import load_planar
from layerwise.metrics import accuracy
from layerwise.plots import plot_decision_boundary

plt.rcParams["figure.dpi"] = 72  # small figures
RED_BLUE = ["#d62728", "#1f77b4"]  # y = 0 red, y = 1 blue, as in layerwise.plots

# %% [markdown]
# ## The data
#
# `load_planar()` builds the course's flower with the course's random seed. As always,
# **one column per example**: X is (n_x, m) = (2, 400), Y is (1, 400).

# %%
X, Y = load_planar()
print("X:", X.shape, " Y:", Y.shape, " m =", X.shape[1], " blue points:", int(Y.sum()))
fig, ax = plt.subplots(figsize=(4, 4))
ax.scatter(X[0], X[1], c=Y[0], cmap=ListedColormap(RED_BLUE), s=12)
ax.set(title="The flower: y = 0 red, y = 1 blue", xlabel="x1", ylabel="x2")
plt.show()

# %% [markdown]
# ## Logistic regression: a straight line
#
# One sigmoid unit, `layer_dims = [2, 1]`, trained by gradient descent. Its decision boundary
# is the line w1 x1 + w2 x2 + b = 0.

# %%
logistic = lw.Network([2, 1], output="sigmoid", init="zeros")
logistic.fit(X, Y, epochs=2000, learning_rate=1.2)
logistic_acc = accuracy(Y, logistic.predict(X))
print(f"logistic regression: {100 * logistic_acc:.0f} % of the points right")
plot_decision_boundary(
    logistic.predict,
    X,
    Y,
    title="Logistic regression",
    resolution=200,
    class_names=("y = 0", "y = 1"),
)

# %% [markdown]
# ## One hidden layer of 4 tanh units
#
# `layer_dims = [2, 4, 1]`: Z[1] = W[1] X + b[1], A[1] = tanh(Z[1]), Z[2] = W[2] A[1] + b[2],
# A[2] = σ(Z[2]). `course.planar_model(4)` draws W[l] = randn(n[l], n[l-1]) × 0.01 in the
# course's order (seed 2) and sets b[l] = 0. The shapes:

# %%
net = course.planar_model(n_h=4)
for key, value in net.parameters.items():
    print(f"{key}: {value.shape}")
AL, caches = net.forward(X)
print("Z1, A1:", caches[0].Z.shape, caches[0].A.shape, "  A2 = AL:", AL.shape)

# %% [markdown]
# Gradient descent with α = 1.2 for 10,000 iterations (the course's settings).

# %%
history = net.fit(X, Y, epochs=10_000, learning_rate=1.2, callbacks=[lw.PrintCost(2000)])
tanh_acc = accuracy(Y, net.predict(X))
print(f"4 tanh units: {100 * tanh_acc:.2f} % of the points right")
course_print = "Accuracy: %d" % (100 * tanh_acc) + "%"  # noqa: UP031 (the course's own format)
print("the course prints:", course_print, "(%d truncates: 90.75 -> 90)")

# %%
assert abs(logistic_acc - 0.47) < 0.02, f"logistic regression got {logistic_acc}, course ≈ 47 %"
assert tanh_acc >= 0.88, f"4 tanh units got {tanh_acc}, the course reports 90 %"
assert course_print == "Accuracy: 90%", course_print  # the course's line, to the character
assert abs(history.cost[0] - 0.693048) < 5e-7, history.cost[0]  # the course prints 0.693048
print("reproduced: logistic ≈ 47 %, 4 tanh units ≥ 88 %")

# %%
plot_decision_boundary(
    net.predict, X, Y, title="4 tanh hidden units", resolution=200, class_names=("y = 0", "y = 1")
)

# %% [markdown]
# ## How many hidden units?
#
# The course trains the same network with 1, 2, 3, 4, 5, 20 and 50 hidden units for 5000
# iterations each. One or two units are not enough to bend the boundary around four petals;
# from 3 units on the accuracy is about 90 %, and larger layers fit the noise a little more
# (with regularization, larger layers would be fine).

# %%
sizes = [1, 2, 3, 4, 5, 20, 50]
g1, g2 = np.meshgrid(np.linspace(-4.5, 4.5, 120), np.linspace(-4.5, 4.5, 120))
grid = np.vstack([g1.ravel(), g2.ravel()])  # (2, 14400): every point of the plane is a column
fig, axes = plt.subplots(2, 4, figsize=(9, 4.6))
found = []
for ax, n_h in zip(axes.ravel(), sizes, strict=False):
    model = course.planar_model(n_h)
    model.fit(X, Y, epochs=5000, learning_rate=1.2)
    acc = accuracy(Y, model.predict(X))
    found.append(round(100 * acc, 2))
    predicted = model.predict(grid).reshape(g1.shape)  # 0/1 for every point of the plane
    ax.contourf(g1, g2, predicted, levels=[-0.5, 0.5, 1.5], colors=RED_BLUE, alpha=0.25)
    ax.scatter(X[0], X[1], c=Y[0], cmap=ListedColormap(RED_BLUE), s=4)
    ax.set_title(f"{n_h} hidden units: {100 * acc:.2f} %", fontsize="small")
    ax.set(xticks=[], yticks=[])
axes[-1, -1].axis("off")
plt.show()
print("accuracy (%) per hidden layer size:", dict(zip(sizes, found, strict=True)))

# %% [markdown]
# **The same numbers as the course's own code.** Below, the course's assignment code as it
# writes it (plain NumPy: the draws of `np.random.seed(2)`, `np.dot`, `W1 = W1 - learning_rate *
# dW1`) trains the same sizes on this machine, and layerwise must agree with it exactly. The
# course's published table is compared too: where the processor's BLAS rounds the products as
# the course's machine did, it agrees to the last digit; on others a point lying on the boundary
# can fall to the other side (the 20-unit network is the sensitive one: 90.0 % or 90.5 %, two of
# 400 points), for the course's code and layerwise alike.


# %%
def course_accuracy(n_h, iterations=5000, learning_rate=1.2):
    """The course's nn_model and predict, as the assignment writes them, in percent."""
    rng = np.random.RandomState(2)  # the course's np.random.seed(2): the same draws
    W1 = rng.randn(n_h, 2) * 0.01
    b1 = np.zeros((n_h, 1))
    W2 = rng.randn(1, n_h) * 0.01
    b2 = np.zeros((1, 1))
    m = X.shape[1]
    for _ in range(iterations):
        A1 = np.tanh(np.dot(W1, X) + b1)
        A2 = 1 / (1 + np.exp(-(np.dot(W2, A1) + b2)))
        dZ2 = A2 - Y
        dW2 = np.dot(dZ2, A1.T) / m
        db2 = np.sum(dZ2, axis=1, keepdims=True) / m
        dZ1 = np.dot(W2.T, dZ2) * (1 - np.power(A1, 2))
        dW1 = np.dot(dZ1, X.T) / m
        db1 = np.sum(dZ1, axis=1, keepdims=True) / m
        W1 = W1 - learning_rate * dW1
        b1 = b1 - learning_rate * db1
        W2 = W2 - learning_rate * dW2
        b2 = b2 - learning_rate * db2
    A2 = 1 / (1 + np.exp(-(np.dot(W2, np.tanh(np.dot(W1, X) + b1)) + b2)))
    return round(100 * float(np.mean((A2 > 0.5) == Y)), 2)


course_code = [course_accuracy(n_h) for n_h in sizes]
assert found == course_code, f"layerwise {found}, the course's code {course_code}"
print("the course's code on this machine:", dict(zip(sizes, course_code, strict=True)))
course_table = [67.5, 67.25, 90.75, 90.5, 91.25, 90.0, 90.25]  # as the course publishes it
differ = {n: (f, t) for n, f, t in zip(sizes, found, course_table, strict=True) if f != t}
assert set(differ) <= {20} and all(abs(f - t) <= 0.5 for f, t in differ.values()), differ
print("the course's published table:", "reproduced" if not differ else f"all but {differ}")

# %% [markdown]
# **What next.** These accuracies are on the training points: there is no test set here.
# Notebook 3 opens the network up: forward pass, caches, backward pass and gradient checking.
