"""The course's models, data folder and examples, for the notebooks in ``notebooks/``.

- ``cat_data_dir``: where the cat/non-cat files are (``$LAYERWISE_CAT_DATA`` or
  ``../shared/data/catvnoncat`` seen from the working folder or one of its parents).
- ``logistic_regression``, ``two_layer_model``, ``l_layer_model``, ``planar_model``: the
  course's networks with its initial weights (``np.random.RandomState(seed)``, W1, W2, ... drawn
  in order), so that its published costs and accuracies are reproduced exactly.
- ``images_from_columns`` and ``plot_images``: show the examples a network gets wrong.
- ``make_ad_clicks``: a synthetic, clearly labelled ad-click table (the course's "ad, user
  info → click?" example) with numeric and categorical columns.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

import layerwise as lw

Array = np.ndarray

CAT_DATA_ENV = "LAYERWISE_CAT_DATA"
CAT_DATA_DEFAULT = Path("..") / "shared" / "data" / "catvnoncat"
CAT_FILES = ("train_catvnoncat.h5", "test_catvnoncat.h5")


def cat_data_dir(start: str | Path | None = None) -> Path:
    """The folder holding ``train_catvnoncat.h5`` and ``test_catvnoncat.h5``.

    ``$LAYERWISE_CAT_DATA`` when it is set; otherwise ``../shared/data/catvnoncat`` relative to
    ``start`` (default: the working folder) or to the first of its parents that has it, so the
    same call works from the repository root and from ``notebooks/``.

    Raises
    ------
    FileNotFoundError
        If the folder set in the environment, or every candidate, lacks the two files.
    """

    def has_files(folder: Path) -> bool:
        return all((folder / name).is_file() for name in CAT_FILES)

    hint = f"Hint: set {CAT_DATA_ENV} to the folder holding {' and '.join(CAT_FILES)}."
    if os.environ.get(CAT_DATA_ENV):
        folder = Path(os.environ[CAT_DATA_ENV]).expanduser()
        if not has_files(folder):
            raise FileNotFoundError(
                f"{CAT_DATA_ENV}={str(folder)!r} does not hold {' and '.join(CAT_FILES)}. {hint}"
            )
        return folder.resolve()
    here = Path.cwd() if start is None else Path(start)
    for base in [here, *here.resolve().parents]:
        if has_files(base / CAT_DATA_DEFAULT):
            return (base / CAT_DATA_DEFAULT).resolve()
    raise FileNotFoundError(
        f"no {CAT_DATA_DEFAULT} with {' and '.join(CAT_FILES)} found from {str(here)!r} "
        f"or its parents. {hint}"
    )


# ----- the course's networks, with its initial weights ----------------------------------------
def logistic_regression(n_x: int = 12288) -> lw.Network:
    """Logistic regression as a one-neuron network ``[n_x, 1]``, w = 0 and b = 0.

    The course trains it with α = 0.005 for 2000 iterations: train 99 %, test 70 % on the cats.
    """
    return lw.Network([n_x, 1], output="sigmoid", init="zeros", seed=1, legacy_rng=True)


def two_layer_model(layer_dims: Sequence[int] = (12288, 7, 1), seed: int = 1) -> lw.Network:
    """LINEAR → RELU → LINEAR → SIGMOID, ``W[l] = randn(n[l], n[l-1]) × 0.01`` from
    ``RandomState(seed)``.

    With α = 0.0075 and 2500 iterations: cost 0.693049735659989 at iteration 0, test 72 %.
    """
    return lw.Network(layer_dims, hidden="relu", init="small_random", seed=seed, legacy_rng=True)


def l_layer_model(layer_dims: Sequence[int] = (12288, 20, 7, 5, 1), seed: int = 1) -> lw.Network:
    """[LINEAR → RELU] × (L-1) → LINEAR → SIGMOID, ``W[l] = randn(n[l], n[l-1]) / √n[l-1]``.

    With α = 0.0075 and 2500 iterations: cost 0.7717493284237686 at iteration 0, test 80 %.
    """
    return lw.Network(layer_dims, hidden="relu", init="xavier", seed=seed, legacy_rng=True)


def planar_model(n_h: int = 4, seed: int = 2) -> lw.Network:
    """The planar-data network ``[2, n_h, 1]``: tanh hidden units, ``W[l] = randn × 0.01``.

    With α = 1.2: 90.5 % training accuracy for 4 units after 5000 iterations.
    """
    return lw.Network([2, n_h, 1], hidden="tanh", init="small_random", seed=seed, legacy_rng=True)


# ----- pictures --------------------------------------------------------------------------------
def images_from_columns(X: Array, shape: Sequence[int] = (64, 64, 3)) -> Array:
    """Undo ``flatten_images``: ``X (h·w·c, m) -> images (m, h, w, c)``.

    Raises
    ------
    ValueError
        If ``X`` does not have ``h·w·c`` rows.
    """
    X = np.asarray(X)
    size = int(np.prod(shape))
    if X.ndim != 2 or X.shape[0] != size:
        raise ValueError(
            f"X must have shape ({size}, m) for images of shape {tuple(shape)}, got {X.shape}. "
            "Hint: pass the columns of X, one image per column."
        )
    return X.T.reshape(X.shape[1], *shape)


def plot_images(
    images: Array, titles: Sequence[str] | None = None, ncols: int = 5, size: float = 1.6
):
    """A grid of images ``(m, h, w, c)`` with a title under each; returns the Figure."""
    try:
        from matplotlib.figure import Figure
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("plot_images needs matplotlib: pip install 'layerwise[plot]'.") from err
    images = np.asarray(images)
    if images.ndim != 4 or images.shape[0] == 0:
        raise ValueError(f"images must have shape (m, h, w, c) with m ≥ 1, got {images.shape}.")
    m = images.shape[0]
    ncols = min(ncols, m)
    nrows = -(-m // ncols)
    fig = Figure(figsize=(size * ncols, (size + 0.3) * nrows), layout="constrained")
    for i, ax in enumerate(fig.subplots(nrows, ncols, squeeze=False).ravel()):
        ax.axis("off")
        if i < m:
            ax.imshow(np.clip(images[i], 0, 1) if images.dtype.kind == "f" else images[i])
            if titles is not None:
                ax.set_title(titles[i], fontsize="small")
    return fig


# ----- a synthetic ad-click table ----------------------------------------------------------------
DEVICES = ("mobile", "desktop", "tablet")
TOPICS = ("sports", "tech", "fashion", "travel", "food")


def make_ad_clicks(m: int = 2000, seed: int = 0):
    """A SYNTHETIC table of ad impressions: does the user click the ad? One row per impression.

    Columns: ``age`` (18-70), ``minutes_on_site`` (per day), ``hour`` (0-23), ``device``
    (mobile / desktop / tablet), ``ad_topic`` (sports / tech / fashion / travel / food) and the
    target ``clicked`` (0/1). The click probability is a made-up logistic function with
    interactions (young users on mobile click on sports and fashion, older ones on desktop on
    travel and food, evenings add clicks), so a hidden layer helps. About a third click.

    Returns
    -------
    pandas.DataFrame
        ``m`` rows, 6 columns. Needs pandas (``pip install 'layerwise[data]'``).
    """
    try:
        import pandas as pd
    except ImportError as err:  # pragma: no cover - depends on the environment
        raise ImportError("make_ad_clicks needs pandas: pip install 'layerwise[data]'.") from err
    if not isinstance(m, int | np.integer) or m < 1:
        raise ValueError(f"m must be a positive integer (number of rows), got {m!r}.")
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 71, m)
    minutes = np.round(rng.gamma(2.0, 15.0, m), 1)
    hour = rng.integers(0, 24, m)
    device = rng.choice(DEVICES, m, p=[0.55, 0.35, 0.10])
    topic = rng.choice(TOPICS, m)
    young = (age - 44) / 15  # about -1.7 .. 1.7, negative = young
    logit = (
        -1.0
        + 0.02 * (minutes - 30)
        + np.where(device == "mobile", -1.2 * young, 0.0)
        + np.where(device == "desktop", 0.8 * young, 0.0)
        + np.where(np.isin(topic, ["sports", "fashion"]), -1.0 * young, 0.0)
        + np.where(np.isin(topic, ["travel", "food"]), 1.0 * young, 0.0)
        + np.where((hour >= 18) & (hour <= 23), 0.8, 0.0)
    )
    clicked = (rng.random(m) < 1 / (1 + np.exp(-logit))).astype(np.int64)
    return pd.DataFrame(
        {
            "age": age,
            "minutes_on_site": minutes,
            "hour": hour,
            "device": device,
            "ad_topic": topic,
            "clicked": clicked,
        }
    )
