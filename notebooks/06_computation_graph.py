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
# # 6. Derivatives on a computation graph
#
# The course's example: **J(a, b, c) = 3(a + bc)** at a = 5, b = 3, c = 2, computed in three
# steps, u = bc, v = a + u, J = 3v. Going **forward** (left to right) gives J; going
# **backward** (right to left) with the chain rule gives dJ/da, dJ/db and dJ/dc in one pass.
# Backpropagation in a network is the same idea on a bigger graph.
#
# **Numbers this notebook must reproduce** (checked below): **J = 33**, and
# **dJ/da = 3, dJ/db = 6, dJ/dc = 9**.

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import layerwise as lw
from layerwise.graph import Value, course_example, numerical_derivative

plt.rcParams["figure.dpi"] = 72  # small figures

# %% [markdown]
# ## Forward: build the graph
#
# A `Value` is one node: a number that remembers which nodes it came from and by which
# operation.

# %%
a, b, c = Value(5.0, "a"), Value(3.0, "b"), Value(2.0, "c")
u = b * c
v = a + u
J = 3 * v
u.label, v.label, J.label = "u", "v", "J"
for node in J.topological_order():  # parents before children
    if not node.parents:
        print(f"{node.label or 'constant'} = {node.data:g}")
    else:
        parents = " and ".join(p.label or f"{p.data:g}" for p in node.parents)
        print(f"{node.label} = {node.data:g}   ({node.op} of {parents})")

# %% [markdown]
# ## Backward: the chain rule, right to left
#
# Start from dJ/dJ = 1. Then, one step at a time, each node passes its gradient to its parents,
# multiplied by the local derivative:
#
# - J = 3v: dJ/dv = 3
# - v = a + u: dJ/da = dJ/dv · 1 = 3 and dJ/du = dJ/dv · 1 = 3
# - u = bc: dJ/db = dJ/du · c = 3 · 2 = 6 and dJ/dc = dJ/du · b = 3 · 3 = 9
#
# (The course writes `dvar` for dJ/dvar: `da`, `db`, `dc`.)

# %%
J.backward()
for node in (J, v, u, a, b, c):
    print(f"dJ/d{node.label} = {node.grad:g}")

# %% [markdown]
# `layerwise.graph.course_example()` builds the same graph:

# %%
result = course_example()
print(result)
assert result["J"] == 33 and J.data == 33
assert (result["dJ/da"], result["dJ/db"], result["dJ/dc"]) == (3, 6, 9)
assert (a.grad, b.grad, c.grad) == (3, 6, 9)
print("reproduced: J = 33, dJ/da = 3, dJ/db = 6, dJ/dc = 9")

# %% [markdown]
# ## The numerical derivative
#
# A derivative is the slope: nudge one input by a small ε and watch J move. The two-sided
# difference **(f(a + ε) − f(a − ε)) / 2ε** is much more accurate than the one-sided
# (f(a + ε) − f(a)) / ε: its error shrinks like ε², not like ε.


# %%
def f(a, b, c):
    return 3 * (a + b * c)


for index, name in enumerate("abc"):
    slope = numerical_derivative(f, [5.0, 3.0, 2.0], index, epsilon=1e-6)
    print(f"dJ/d{name} ≈ {slope:.6f}")
    assert abs(slope - result[f"dJ/d{name}"]) < 1e-6

# %% [markdown]
# J is linear in each input, so every difference is exact here. The course's other example,
# f(θ) = θ³ at θ = 1 with ε = 0.01, shows the difference: the slope is 3, the two-sided
# difference gives 3.0001 (error ε² = 0.0001), the one-sided 3.0301 (error ≈ 3ε).

# %%
cube = lambda theta: theta**3  # noqa: E731
theta, eps = 1.0, 0.01
two_sided = (cube(theta + eps) - cube(theta - eps)) / (2 * eps)
one_sided = (cube(theta + eps) - cube(theta)) / eps
print(f"two-sided {two_sided:.6f}   one-sided {one_sided:.6f}   exact 3")
assert abs(two_sided - 3.0001) < 1e-9 and abs(one_sided - 3.0301) < 1e-9

epsilons = np.logspace(-7, -1, 13)
errors_two = [abs((cube(1 + e) - cube(1 - e)) / (2 * e) - 3) for e in epsilons]
errors_one = [abs((cube(1 + e) - cube(1)) / e - 3) for e in epsilons]
fig, ax = plt.subplots(figsize=(5, 3.2))
ax.loglog(epsilons, errors_one, marker="o", label="one-sided: error ~ ε")
ax.loglog(epsilons, errors_two, marker="o", label="two-sided: error ~ ε²")
ax.set(xlabel="ε", ylabel="|error|", title="Derivative of θ³ at θ = 1")
ax.legend(fontsize="small")
plt.show()

# %% [markdown]
# Below ε ≈ 10⁻⁵ the two-sided error stops falling: J is only known to about 16 digits, and
# dividing its rounding error by 2ε makes it larger as ε shrinks. That is why gradient checking
# uses ε = 10⁻⁷ and float64.
#
# ## From here to gradient checking
#
# A network's cost J(θ) depends on all its parameters, θ = (W[1], b[1], ..., W[L], b[L]) in one
# vector. Gradient checking nudges **each θᵢ** in turn and compares
# gradapproxᵢ = (J(θ + ε eᵢ) − J(θ − ε eᵢ)) / 2ε with backpropagation's dθᵢ. The graph gives the
# same derivatives as backpropagation, one scalar at a time: here for logistic regression on one
# example, z = w1 x1 + w2 x2 + b, a = σ(z), L = −(y log a + (1 − y) log(1 − a)), whose dz is a − y.

# %%
x1, x2, y = 1.5, -0.5, 1.0
w1, w2, bias = Value(0.2, "w1"), Value(-0.4, "w2"), Value(0.1, "b")
z = w1 * x1 + w2 * x2 + bias
act = z.sigmoid()
loss = -(y * act.log() + (1 - y) * (1 - act).log())
loss.backward()
print(f"a = {act.data:.6f}  dL/dz = {z.grad:.6f} = a − y = {act.data - y:.6f}")
print(f"dL/dw1 = {w1.grad:.6f} = (a − y) x1 = {(act.data - y) * x1:.6f}")

net = lw.Network([2, 1], output="sigmoid", init="zeros")
net.set_parameters({"W1": np.array([[0.2, -0.4]]), "b1": np.array([[0.1]])})
check = lw.gradient_check(net, np.array([[x1], [x2]]), np.array([[y]]))
print("backprop dW1:", check.grad[:2], " numerical:", check.gradapprox[:2])
assert np.allclose(check.grad[:3], [w1.grad, w2.grad, bias.grad], rtol=1e-12)
assert check.passed(1e-7)
print(f"graph = backpropagation; relative difference to the numerical one: {check.difference:.1e}")

# %% [markdown]
# **What next.** Notebook 7 shows why the network computes all m examples at once with
# matrices instead of looping over them.
