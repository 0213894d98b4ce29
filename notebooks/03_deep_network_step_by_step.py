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
# computes; one update lowers the cost; gradient checking passes (relative difference < 10⁻⁷)
# on a correct network and fails on one with a derivative broken on purpose.

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
