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
# # 7. Why vectorize
#
# A network could process its m examples one at a time in a Python loop. Stacking them as the
# columns of X and using matrix products computes the same numbers, many times faster: NumPy
# hands the whole product to optimized compiled code (BLAS) instead of running one Python step
# per number. The course measures about 300× for one dot product.
#
# **Checks in this notebook**: the loops and the vectorized versions give the same numbers.
# The times are measured on *your* machine, so they differ from run to run and are printed,
# not checked.

# %%
import time

import numpy as np

import layerwise as lw

rng = np.random.default_rng(1)


def best_time(function, repeat=3):
    """The shortest of `repeat` runs, in seconds (the least disturbed by other programs)."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return min(times), result


# %% [markdown]
# ## One dot product of two vectors of a million numbers

# %%
n = 1_000_000
a, b = rng.random(n), rng.random(n)


def dot_loop():
    total = 0.0
    for i in range(n):
        total += a[i] * b[i]
    return total


t_loop, c_loop = best_time(dot_loop, repeat=1)
t_vec, c_vec = best_time(lambda: np.dot(a, b))
print(f"for loop:   {1000 * t_loop:8.2f} ms   result {c_loop:.6f}")
print(f"vectorized: {1000 * t_vec:8.2f} ms   result {c_vec:.6f}")
print(f"the vectorized version is {t_loop / t_vec:.0f}× faster here")
assert np.isclose(c_loop, c_vec, rtol=1e-10)

# %% [markdown]
# ## A forward and backward pass: one example at a time, or all at once
#
# A network `[100, 20, 1]` and m = 1000 examples. The loop runs `forward` and `backward` on each
# column X[:, i] alone, (n_x, 1), and averages the gradients; the vectorized pass runs them once
# on X, (n_x, m). The cost J is a mean over the examples, so the two give the same gradients.

# %%
m = 1000
X = rng.standard_normal((100, m))  # (n_x, m)
Y = (rng.random((1, m)) > 0.5).astype(float)  # (1, m)
net = lw.Network([100, 20, 1], hidden="relu", seed=0)


def per_example():
    total = {key: np.zeros_like(value) for key, value in net.parameters.items()}
    for i in range(m):
        x, y = X[:, i : i + 1], Y[:, i : i + 1]  # (n_x, 1) and (1, 1)
        AL, caches = net.forward(x)
        for key, value in net.backward(AL, y, caches).items():
            total[key[1:]] += value / m  # "dW1" adds to total["W1"]
    return total


def vectorized():
    AL, caches = net.forward(X)
    return net.backward(AL, Y, caches)


t_loop, g_loop = best_time(per_example, repeat=1)
t_vec, g_vec = best_time(vectorized)
print(f"one example at a time: {1000 * t_loop:8.2f} ms")
print(f"all {m} at once:      {1000 * t_vec:8.2f} ms   ({t_loop / t_vec:.0f}× faster)")
for key in g_vec:
    assert np.allclose(g_loop[key[1:]], g_vec[key], rtol=1e-10, atol=1e-14), key
print("same gradients:", ", ".join(g_vec))

# %% [markdown]
# ## Broadcasting: how b is added to every column
#
# In Z = W A_prev + b, the product W A_prev has shape (n[l], m) but b has shape (n[l], 1).
# NumPy **broadcasts** b: it acts as if b were copied into each of the m columns, without making
# the copies. So b[l] is stored once, not once per example.

# %%
W = rng.standard_normal((3, 4))  # (n[l], n[l-1])
A_prev = rng.standard_normal((4, 5))  # (n[l-1], m)
bias = np.array([[1.0], [2.0], [3.0]])  # (n[l], 1)
Z = W @ A_prev + bias
print("W A_prev:", (W @ A_prev).shape, " b:", bias.shape, " Z:", Z.shape)
print("Z − W A_prev, column by column (b in every column):")
print(Z - W @ A_prev)
assert np.allclose(Z - W @ A_prev, np.tile(bias, (1, 5)))
Z_lw, linear_cache = lw.linear_forward(A_prev, W, bias)  # the course's linear step: Z, cache
assert np.array_equal(Z_lw, Z) and linear_cache[1] is W  # cache = (A_prev, W, b)

# %% [markdown]
# ### The rank-1 array trap
#
# `np.random.randn(5)` has shape (5,), neither a row nor a column, and it broadcasts in
# surprising ways. The course's advice: always give both dimensions, (5, 1) or (1, 5).

# %%
v = rng.standard_normal(5)  # shape (5,): a "rank-1 array"
col = v.reshape(5, 1)  # a column vector (5, 1)
print("v:", v.shape, " v·vᵀ:", (v @ v.T).shape, "— a number, not a matrix")
print("col:", col.shape, " col colᵀ:", (col @ col.T).shape)
print("col + v has shape", (col + v).shape, "— (5, 1) + (5,) silently makes a (5, 5) matrix")

# %% [markdown]
# That is why every layerwise function checks shapes and raises on a (5,) target where a
# (1, 5) row belongs, instead of broadcasting silently:

# %%
try:
    net.cost(np.full((1, 5), 0.5), np.ones(5))
except ValueError as err:
    print("ValueError:", err)
else:
    raise AssertionError("a (5,) Y must be refused")

# %% [markdown]
# **What next.** Notebook 8 takes the vectorized network beyond cats: house prices, ad
# clicks, digits and several labels at once.
