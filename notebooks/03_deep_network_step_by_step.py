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
# # 3. A deep network, step by step
#
# The pieces of an L-layer network, each next to the course's formula: the parameters and their
# shapes, the forward pass and its caches, the cost, the backward pass, one gradient-descent
# update, and gradient checking, which catches a wrong derivative.
#
# **Checks in this notebook**: every formula computed by hand below equals what the library
# computes; one update lowers the cost; the course's own functions (`layerwise.assignment`)
# reproduce the values its assignment publishes for its test cases; gradient checking passes
# (relative difference < 10⁻⁷) on a correct network and fails on one with a derivative broken
# on purpose.

# %%
import numpy as np

import layerwise as lw
from layerwise import course

rng = np.random.default_rng(0)

# %% [markdown]
# ## Parameters: `layer_dims` fixes every shape
#
# `layer_dims = [n[0], n[1], ..., n[L]]` lists the size of each layer; n[0] = n_x is the
# number of inputs. Layer l has **W[l] of shape (n[l], n[l-1])** and **b[l] of shape
# (n[l], 1)**. The course's cat network, `[12288, 20, 7, 5, 1]`, has L = 4 layers:

# %%
layer_dims = [12288, 20, 7, 5, 1]
net = course.l_layer_model(layer_dims)  # the course's initial weights, W[l] ~ randn / √n[l-1]
for key, value in net.parameters.items():
    print(f"{key}: {value.shape!s:<12} mean {value.mean():+.5f}  std {value.std():.5f}")
print()
print(net.summary())

# %% [markdown]
# ## Forward pass and caches
#
# For l = 1..L: **Z[l] = W[l] A[l-1] + b[l]** and **A[l] = g[l](Z[l])**, with A[0] = X.
# Here g is ReLU for the hidden layers and the sigmoid for the output. Each layer keeps a
# *cache* (A[l-1], Z[l], A[l]) for the backward pass. A batch of m = 5 made-up "pictures":

# %%
m = 5
X = rng.random((12288, m))  # (n_x, m): one column per example
Y = np.array([[1, 0, 1, 0, 1]])  # (1, m)
AL, caches = net.forward(X)
for l, cache in enumerate(caches, start=1):
    print(f"layer {l}: A_prev {cache.A_prev.shape}  Z {cache.Z.shape}  A {cache.A.shape}")
print("AL:", AL.shape, np.round(AL, 4))

# %% [markdown]
# The same numbers from the formulas, by hand:

# %%
params = net.parameters
A = X
for l in range(1, net.L + 1):
    Z = params[f"W{l}"] @ A + params[f"b{l}"]  # (n[l], n[l-1]) @ (n[l-1], m) + (n[l], 1)
    A = np.maximum(0, Z) if l < net.L else 1 / (1 + np.exp(-Z))
    assert np.allclose(Z, caches[l - 1].Z) and np.allclose(A, caches[l - 1].A)
print("Z[l] = W[l] A[l-1] + b[l] and A[l] = g(Z[l]) match the caches for l = 1 ..", net.L)

# %% [markdown]
# ## The cost
#
# **J = −(1/m) Σᵢ [y⁽ⁱ⁾ log a[L]⁽ⁱ⁾ + (1 − y⁽ⁱ⁾) log(1 − a[L]⁽ⁱ⁾)]**. The library computes it
# from Z[L] (stable even when a[L] rounds to 0 or 1); by hand from AL:

# %%
J = net.cost(AL, Y, caches)
J_by_hand = -np.mean(Y * np.log(AL) + (1 - Y) * np.log(1 - AL))
print("J =", J, "  by hand:", J_by_hand)
assert np.isclose(J, J_by_hand, rtol=1e-12)

# %% [markdown]
# ## Backward pass
#
# For the sigmoid output with cross-entropy, the backward pass starts from
# **dZ[L] = A[L] − Y**. Then for l = L..1:
#
# - **dW[l] = (1/m) dZ[l] A[l-1]ᵀ**, **db[l] = (1/m) Σ dZ[l]** (sum over the examples),
# - **dA[l-1] = W[l]ᵀ dZ[l]**, and **dZ[l-1] = dA[l-1] ⊙ g'(Z[l-1])**, where ReLU's
#   g'(z) is 1 for z > 0 and 0 otherwise.
#
# Every gradient has the shape of what it is the gradient of.

# %%
grads = net.backward(AL, Y, caches)
for key, value in grads.items():
    print(f"{key}: {value.shape}")

# %%
dZ = AL - Y  # (1, m)
for l in range(net.L, 0, -1):
    A_prev, Z_prev = caches[l - 1].A_prev, caches[l - 2].Z if l > 1 else None
    dW = dZ @ A_prev.T / m  # (n[l], n[l-1])
    db = dZ.sum(axis=1, keepdims=True) / m  # (n[l], 1)
    assert np.allclose(dW, grads[f"dW{l}"]) and np.allclose(db, grads[f"db{l}"])
    if l > 1:
        dA_prev = params[f"W{l}"].T @ dZ  # (n[l-1], m)
        dZ = dA_prev * (Z_prev > 0)  # ReLU's derivative
print("the course's formulas give the library's dW[l] and db[l] for l =", net.L, "... 1")

# %% [markdown]
# ## One update
#
# Gradient descent moves every parameter against its gradient: **W[l] := W[l] − α dW[l]**,
# **b[l] := b[l] − α db[l]**. `GradientDescent(α).update(parameters, grads)` does it in place for
# every layer, on the network's own arrays.

# %%
alpha = 0.0075
W1_before = net.parameters["W1"].copy()
lw.GradientDescent(alpha).update(net.parameters, grads)
assert np.allclose(net.parameters["W1"], W1_before - alpha * grads["dW1"])
AL_after, caches_after = net.forward(X)
J_after = net.cost(AL_after, Y, caches_after)
print(f"cost before the update {J:.6f}, after {J_after:.6f}")
assert J_after < J

# %% [markdown]
# `net.fit(X, Y, epochs=..., learning_rate=...)` repeats forward, cost, backward and update; the
# notebooks that follow use it.
#
# ## The course's own functions, against its published values
#
# The assignment ("Building your Deep Neural Network: Step by Step") has you write
# `linear_forward(A, W, b) -> (Z, cache)`, `L_model_forward(X, parameters) -> (AL, caches)`,
# `L_model_backward(AL, Y, caches) -> grads` and the rest, with caches `((A_prev, W, b), Z)`.
# `layerwise.assignment` has them with the same names, signatures and caches, built on the
# library's own formulas, so code written for the course runs unchanged. Its test cases draw
# their inputs with `np.random.seed(s)` and `randn` (the assignment's `testCases_v3.py`), and it
# prints the values a correct solution gives; the cells below draw the same inputs and check
# every function against those printed values (8 decimals, hence `atol=5e-9`).

# %%
from layerwise.assignment import (
    L_model_backward,
    L_model_forward,
    compute_cost,
    initialize_parameters,
    initialize_parameters_deep,
    linear_activation_backward,
    linear_activation_forward,
    linear_backward,
    linear_forward,
    update_parameters,
)


def published(name, value, expected):
    """Raise unless ``value`` is the course's printed ``expected`` (8 decimals)."""
    if not np.allclose(value, expected, rtol=0, atol=5e-9):
        raise AssertionError(f"{name} = {value}, the course publishes {expected}")
    print(f"{name:<38} {np.round(value, 8).tolist()}  the course's")


randn = np.random.randn  # the course's draws: NumPy's global generator, seeded per case

p = initialize_parameters(3, 2, 1)  # seeds itself, as the course's: np.random.seed(1)
published("initialize_parameters W2", p["W2"], [[0.01744812, -0.00761207]])
p = initialize_parameters_deep([5, 4, 3])  # np.random.seed(3) inside, as the course's
published(
    "initialize_parameters_deep W1[0]",
    p["W1"][0],
    [0.01788628, 0.0043651, 0.00096497, -0.01863493, -0.00277388],
)

np.random.seed(1)
Z, linear_cache = linear_forward(randn(3, 2), randn(1, 3), randn(1, 1))
published("linear_forward Z", Z, [[3.26295337, -1.23429987]])
np.random.seed(2)
A_prev, W, b = randn(3, 2), randn(1, 3), randn(1, 1)
A, _ = linear_activation_forward(A_prev, W, b, activation="sigmoid")
published("linear_activation_forward sigmoid", A, [[0.96890023, 0.11013289]])
A, _ = linear_activation_forward(A_prev, W, b, activation="relu")
published("linear_activation_forward relu", A, [[3.43896131, 0.0]])

np.random.seed(6)
X_case = randn(5, 4)
shapes = {"W1": (4, 5), "b1": (4, 1), "W2": (3, 4), "b2": (3, 1), "W3": (1, 3), "b3": (1, 1)}
AL_case, caches_case = L_model_forward(X_case, {key: randn(*s) for key, s in shapes.items()})
published("L_model_forward AL", AL_case, [[0.03921668, 0.70498921, 0.19734387, 0.04728177]])
assert len(caches_case) == 3
cost = compute_cost(np.array([[0.8, 0.9, 0.4]]), np.array([[1, 1, 0]]))
published("compute_cost", cost, 0.2797765635793422)

# %% [markdown]
# The backward functions, on the test cases' caches:

# %%
np.random.seed(1)
dZ_case = randn(1, 2)
dA_prev, dW, db = linear_backward(dZ_case, (randn(3, 2), randn(1, 3), randn(1, 1)))
published(
    "linear_backward dA_prev",
    dA_prev,
    [[0.51822968, -0.19517421], [-0.40506361, 0.15255393], [2.37496825, -0.89445391]],
)
published("linear_backward dW", dW, [[-0.10076895, 1.40685096, 1.64992505]])
published("linear_backward db", db, [[0.50629448]])

np.random.seed(2)
dA_case = randn(1, 2)
cache_case = ((randn(3, 2), randn(1, 3), randn(1, 1)), randn(1, 2))
_, dW, db = linear_activation_backward(dA_case, cache_case, activation="sigmoid")
published("linear_activation_backward sigmoid dW", dW, [[0.10266786, 0.09778551, -0.01968084]])
_, dW, db = linear_activation_backward(dA_case, cache_case, activation="relu")
published("linear_activation_backward relu dW", dW, [[0.44513824, 0.37371418, -0.10478989]])

np.random.seed(3)
AL_case, Y_case = randn(1, 2), np.array([[1, 0]])
first = ((randn(4, 2), randn(3, 4), randn(3, 1)), randn(3, 2))
second = ((randn(3, 2), randn(1, 3), randn(1, 1)), randn(1, 2))
grads_case = L_model_backward(AL_case, Y_case, (first, second))
published("L_model_backward db1", grads_case["db1"], [[-0.22007063], [0.0], [-0.02835349]])
published(
    "L_model_backward dA1",
    grads_case["dA1"],
    [[0.12913162, -0.44014127], [-0.14175655, 0.48317296], [0.01663708, -0.05670698]],
)

np.random.seed(2)
p = {"W1": randn(3, 4), "b1": randn(3, 1), "W2": randn(1, 3), "b2": randn(1, 1)}
np.random.seed(3)
g = {"dW1": randn(3, 4), "db1": randn(3, 1), "dW2": randn(1, 3), "db2": randn(1, 1)}
p = update_parameters(p, g, 0.1)
published("update_parameters b1", p["b1"], [[-0.04659241], [-1.28888275], [0.53405496]])
published("update_parameters W2", p["W2"], [[-0.55569196, 0.0354055, 1.32964895]])

# %% [markdown]
# On the network above, the course's functions and the library's agree: `L_model_forward` on
# `net.parameters` (ReLU hidden layers, a sigmoid output, as the course) gives `net.forward`'s
# AL, and `L_model_backward` its gradients. The two keep different caches, though:
# `net.forward` returns `DenseCache(A_prev, Z, A)` per layer, the course `((A_prev, W, b), Z)`;
# handing one to the other's backward raises an error that says so.

# %%
AL_course, caches_course = L_model_forward(X, net.parameters)
AL_net, caches_net = net.forward(X)
grads_course = L_model_backward(AL_course, Y, caches_course)
grads_net = net.backward(AL_net, Y, caches_net)
assert np.allclose(AL_course, AL_net, rtol=1e-12)
for l in range(1, net.L + 1):
    assert np.allclose(grads_course[f"dW{l}"], grads_net[f"dW{l}"], rtol=1e-9, atol=1e-15)
    assert np.allclose(grads_course[f"db{l}"], grads_net[f"db{l}"], rtol=1e-9, atol=1e-15)
print("the course's L_model_forward / L_model_backward = net.forward / net.backward")
try:
    L_model_backward(AL_net, Y, caches_net)
except TypeError as error:
    print("TypeError:", error)

# %% [markdown]
# ## Gradient checking
#
# Is the backward pass right? Put all parameters in one vector θ and compare each
# ∂J/∂θᵢ from backpropagation with the two-sided difference
# **(J(θ + ε eᵢ) − J(θ − ε eᵢ)) / 2ε**. The course's test is the relative difference
# ‖grad − gradapprox‖ / (‖grad‖ + ‖gradapprox‖): below 10⁻⁷ is right, above 10⁻³ a bug.
#
# It costs two forward passes per parameter, so we check a small network, with tanh units (a
# ReLU's kink at 0 can fool the difference) and float64.

# %%
X_small = rng.standard_normal((4, 10))  # (n_x, m) = (4, 10)
Y_small = (rng.random((1, 10)) > 0.5).astype(float)
small = lw.Network([4, 5, 3, 1], hidden="tanh", seed=1)
check = lw.gradient_check(small, X_small, Y_small)
print(check.report())
assert check.passed(1e-7), check.difference

# %% [markdown]
# ### A derivative wrong on purpose
#
# The course plants two bugs in its backward pass: dW2 multiplied by 2 and db1 by 4. We do the
# same in a network whose `backward` spoils its result; gradient checking shows a large
# difference and points at W2 and b1.


# %%
class BuggyNetwork(lw.Network):
    def backward(self, AL, Y, caches):
        grads = super().backward(AL, Y, caches)
        grads["dW2"] = 2 * grads["dW2"]  # bug 1
        grads["db1"] = 4 * grads["db1"]  # bug 2
        return grads


buggy = BuggyNetwork([4, 5, 3, 1], hidden="tanh", seed=1)
bad = lw.gradient_check(buggy, X_small, Y_small)
print(bad.report())

# %%
assert not bad.passed(1e-7) and bad.difference > 1e-3
wrong = {name for name, diff in bad.per_parameter.items() if diff > 1e-3}
assert wrong == {"W2", "b1"}, wrong
print("gradient checking finds the two planted bugs:", sorted(wrong))

# %% [markdown]
# **What next.** Notebook 4 trains these networks on the cat pictures with the course's
# settings; notebook 6 shows where the two-sided difference comes from.
