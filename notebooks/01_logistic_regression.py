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
# # 1. Logistic regression as a one-neuron network
#
# The course's first model: is this 64×64 picture a cat (y = 1) or not (y = 0)?
# Logistic regression computes ŷ = σ(wᵀx + b). That is a network with **no hidden layer and one
# sigmoid unit**: `layer_dims = [12288, 1]`, with `W1 = wᵀ` of shape (1, 12288) and `b1 = b`.
#
# **Numbers this notebook must reproduce** (checked in a cell below): with w = 0, b = 0,
# α = 0.005 and 2000 iterations of gradient descent, **train accuracy 99 %**
# (99.04 %: 207 of 209) and **test accuracy 70 %** (35 of 50).

# %%
# %matplotlib inline
import matplotlib.pyplot as plt
import numpy as np

import layerwise as lw
from layerwise import course
from layerwise.data import load_catvnoncat
from layerwise.metrics import accuracy
from layerwise.plots import plot_cost

plt.rcParams["figure.dpi"] = 72  # small figures

# The folder with train_catvnoncat.h5 and test_catvnoncat.h5. By default: the environment
# variable LAYERWISE_CAT_DATA, else ../shared/data/catvnoncat next to the repository.
# To use another folder, write it here, e.g. CAT_DATA = "/home/me/data/catvnoncat".
CAT_DATA = course.cat_data_dir()

# %% [markdown]
# ## The data: from pictures to columns
#
# Each picture is a (64, 64, 3) array of red, green and blue values 0..255. The course
# **flattens** each one into a column of 64·64·3 = 12288 numbers and stacks the m pictures side
# by side: `X` has shape (n_x, m) = (12288, m), **one column per example**. Dividing by 255
# puts every value in [0, 1]. `load_catvnoncat` does both steps
# (`layerwise.data.flatten_images`, then `/ 255`).

# %%
data = load_catvnoncat(CAT_DATA)
X_train, Y_train, X_test, Y_test = data.X_train, data.Y_train, data.X_test, data.Y_test
m_train, m_test = X_train.shape[1], X_test.shape[1]
print("X_train:", X_train.shape, " Y_train:", Y_train.shape)
print("X_test: ", X_test.shape, "  Y_test: ", Y_test.shape)
print("m_train =", m_train, " m_test =", m_test, " classes:", data.classes)
print("first column ×255 starts", np.round(X_train[:5, 0] * 255).astype(int))

# %% [markdown]
# `course.images_from_columns` turns columns back into pictures, so we can look at a few
# training examples with their labels.

# %%
images = course.images_from_columns(X_train[:, :6])  # (6, 64, 64, 3)
print("images:", images.shape)
labels = [f"#{i}: {data.classes[int(y)]}" for i, y in enumerate(Y_train[0, :6])]
course.plot_images(images, labels, ncols=6, size=1.1)

# %% [markdown]
# ## The model: one sigmoid unit
#
# `course.logistic_regression()` is `lw.Network([12288, 1], output="sigmoid", init="zeros")`:
# w and b start at zero, as in the course. Forward: Z = W1 X + b1 (shape (1, m)),
# A = σ(Z). Cost: J = −(1/m) Σ [y log a + (1 − y) log(1 − a)].

# %%
net = course.logistic_regression()
print(net.summary())
AL, caches = net.forward(X_train)
print("A (predictions before training):", AL.shape, "all equal to", AL[0, 0])
print("J at w = 0, b = 0:", net.cost(AL, Y_train), "= log 2")
grads = net.backward(AL, Y_train, caches)
print("dW1:", grads["dW1"].shape, " db1:", grads["db1"].shape, " db1 =", grads["db1"].item())

# %% [markdown]
# The gradients are the course's dw = (1/m) X (A − Y)ᵀ (here its transpose, dW1 = (1/m)(A − Y)Xᵀ,
# because W1 = wᵀ) and db = (1/m) Σ (A − Y).

# %%
dw_course = X_train @ (AL - Y_train).T / m_train  # (12288, 1)
print("largest difference to the course's formula:", np.abs(grads["dW1"] - dw_course.T).max())
db_course = np.mean(AL - Y_train)
assert np.allclose(grads["dW1"], dw_course.T) and np.isclose(grads["db1"].item(), db_course)

# %% [markdown]
# ## Training: 2000 iterations of gradient descent, α = 0.005
#
# `net.fit` with the default `batch_size=None` is batch gradient descent: every iteration uses
# all 209 pictures, so one epoch is one iteration.

# %%
history = net.fit(X_train, Y_train, epochs=2000, learning_rate=0.005, callbacks=[lw.PrintCost(500)])
train_acc = accuracy(Y_train, net.predict(X_train))
test_acc = accuracy(Y_test, net.predict(X_test))
print(f"train accuracy: {100 * train_acc:.2f} %   test accuracy: {100 * test_acc:.2f} %")

# %% [markdown]
# **Check** the course's published numbers: 99 % train (207 of 209 right), 70 % test.
# A wrong library makes this cell fail.

# %%
assert round(train_acc * m_train) == 207, f"train accuracy {train_acc} is not the course's 99 %"
assert round(test_acc * m_test) == 35, f"test accuracy {test_acc} is not the course's 70 %"
assert abs(history.cost[0] - np.log(2)) < 1e-12, history.cost[0]
print("reproduced: train 99 %, test 70 %")

# %% [markdown]
# The cost zig-zags during the first 300 iterations (α = 0.005 is close to the largest rate
# that still converges here), then falls smoothly and ever more slowly. The training accuracy is
# much higher than the test accuracy: the model **overfits** the 209 training pictures.

# %%
plot_cost(history, title="Logistic regression, α = 0.005", xlabel="iteration")

# %% [markdown]
# ## Choosing the learning rate
#
# Too large a learning rate α can make the cost oscillate; too small, and learning is slow.
# The course compares three, 1500 iterations each, from the same starting point.

# %%
fig, ax = plt.subplots(figsize=(6, 3.5))
for alpha in (0.01, 0.001, 0.0001):
    model = course.logistic_regression()
    h = model.fit(X_train, Y_train, epochs=1500, learning_rate=alpha)
    acc = accuracy(Y_test, model.predict(X_test))
    ax.plot(h.cost, label=f"α = {alpha}  (test {100 * acc:.0f} %)")
    print(f"α = {alpha:<7} final cost {h.cost[-1]:.4f}  test accuracy {100 * acc:.0f} %")
ax.set(xlabel="iteration", ylabel="cost J", title="Learning rates compared")
ax.legend()
plt.show()

# %% [markdown]
# With α = 0.01 the cost jumps around for hundreds of iterations before it settles; α = 0.0001 is
# still far from the minimum after 1500 iterations.
#
# ## Pictures it gets wrong
#
# The test pictures where the prediction differs from the label:

# %%
predictions = net.predict(X_test)  # (1, 50) of 0/1
wrong = np.flatnonzero(predictions[0] != Y_test[0])
print(f"{wrong.size} of {m_test} test pictures are misclassified: indices {wrong.tolist()}")
titles = [f"#{i}: y={int(Y_test[0, i])}, ŷ={predictions[0, i]}" for i in wrong[:6]]
course.plot_images(course.images_from_columns(X_test[:, wrong[:6]]), titles, ncols=6, size=1.1)

# %% [markdown]
# **What next.** One unit draws a single linear boundary in 12288 dimensions. Notebook 2 adds a
# hidden layer; notebook 4 trains deeper networks on these same pictures (72 % and 80 % test).
