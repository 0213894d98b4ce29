"""Tests for the cat/non-cat loader and the small data helpers of ``layerwise.data``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from layerwise import Network
from layerwise.data import Standardizer, flatten_images, load_catvnoncat, one_hot

h5py = pytest.importorskip("h5py")

CLASSES = [b"non-cat", b"cat"]  # the course's files store the class names as bytes


def write_cat_files(
    directory: Path, rng: np.random.Generator, m_train: int = 3, m_test: int = 2
) -> dict[str, np.ndarray]:
    """Write a tiny ``train_catvnoncat.h5`` / ``test_catvnoncat.h5`` pair like the course's."""
    arrays = {
        "train_x": rng.integers(0, 256, (m_train, 64, 64, 3), dtype=np.uint8),
        "train_y": rng.integers(0, 2, m_train),
        "test_x": rng.integers(0, 256, (m_test, 64, 64, 3), dtype=np.uint8),
        "test_y": rng.integers(0, 2, m_test),
    }
    for part in ("train", "test"):
        with h5py.File(directory / f"{part}_catvnoncat.h5", "w") as f:
            f[f"{part}_set_x"] = arrays[f"{part}_x"]
            f[f"{part}_set_y"] = arrays[f"{part}_y"]
            f["list_classes"] = np.array(CLASSES)
    return arrays


def test_load_catvnoncat(tmp_path: Path, rng: np.random.Generator) -> None:
    arrays = write_cat_files(tmp_path, rng)
    data = load_catvnoncat(tmp_path)
    assert data.X_train.shape == (12288, 3)
    assert data.X_test.shape == (12288, 2)
    assert data.Y_train.shape == (1, 3)
    assert data.Y_test.shape == (1, 2)
    assert data.X_train.dtype == np.float64
    # Column i is image i read row by row (height, then width, then channel), divided by 255.
    for i in range(3):
        np.testing.assert_array_equal(data.X_train[:, i], arrays["train_x"][i].reshape(-1) / 255)
    image0 = arrays["train_x"][0]
    assert data.X_train[0, 0] == image0[0, 0, 0] / 255  # pixel (0, 0), red
    assert data.X_train[1, 0] == image0[0, 0, 1] / 255  # pixel (0, 0), green
    assert data.X_train[3, 0] == image0[0, 1, 0] / 255  # pixel (0, 1), red
    assert data.X_train[64 * 3, 0] == image0[1, 0, 0] / 255  # pixel (1, 0), red
    np.testing.assert_array_equal(data.X_test[:, 1], arrays["test_x"][1].reshape(-1) / 255)
    assert data.X_train.min() >= 0.0 and data.X_train.max() <= 1.0
    np.testing.assert_array_equal(data.Y_train, arrays["train_y"].reshape(1, -1))
    np.testing.assert_array_equal(data.Y_test, arrays["test_y"].reshape(1, -1))
    assert data.classes == ["non-cat", "cat"]


def test_loaded_cat_data_trains(tmp_path: Path, rng: np.random.Generator) -> None:
    write_cat_files(tmp_path, rng, m_train=6, m_test=2)
    data = load_catvnoncat(str(tmp_path))  # a str works too
    net = Network([12288, 1], init="zeros")
    history = net.fit(
        data.X_train, data.Y_train, epochs=3, learning_rate=0.005, dev=(data.X_test, data.Y_test)
    )
    assert len(history.cost) == 3
    assert np.isfinite(history.dev_cost).all()


@pytest.mark.parametrize("missing", ["train", "test"])
def test_missing_file(tmp_path: Path, rng: np.random.Generator, missing: str) -> None:
    write_cat_files(tmp_path, rng)
    (tmp_path / f"{missing}_catvnoncat.h5").unlink()
    with pytest.raises(
        FileNotFoundError,
        match=rf"{missing}_catvnoncat\.h5 not found: the directory must hold "
        r"train_catvnoncat\.h5 and test_catvnoncat\.h5\.",
    ):
        load_catvnoncat(tmp_path)


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"train_catvnoncat\.h5 not found"):
        load_catvnoncat(tmp_path / "nowhere")


@pytest.mark.parametrize("key", ["train_set_x", "train_set_y", "list_classes"])
def test_missing_key(tmp_path: Path, rng: np.random.Generator, key: str) -> None:
    write_cat_files(tmp_path, rng)
    with h5py.File(tmp_path / "train_catvnoncat.h5", "a") as f:
        del f[key]
    with pytest.raises(ValueError, match=rf"train_catvnoncat\.h5 has no dataset '{key}'; found \["):
        load_catvnoncat(tmp_path)


# ----- flatten_images ----------------------------------------------------------------------------
def test_flatten_images(rng: np.random.Generator) -> None:
    images = rng.integers(0, 256, (5, 4, 3, 2))
    X = flatten_images(images)
    assert X.shape == (4 * 3 * 2, 5)
    for i in range(5):
        np.testing.assert_array_equal(X[:, i], images[i].reshape(-1))
    # the course's x.reshape(m, -1).T, and a transposed row-major array (a batch is contiguous)
    np.testing.assert_array_equal(X, images.reshape(5, -1).T)
    assert X.T.flags.c_contiguous
    np.testing.assert_array_equal(
        flatten_images(np.arange(6).reshape(3, 2)), [[0, 2, 4], [1, 3, 5]]
    )


def test_flatten_images_needs_one_image_per_entry() -> None:
    with pytest.raises(ValueError, match=r"images must have shape \(m, \.\.\.\) .*got \(5,\)"):
        flatten_images(np.zeros(5))


# ----- one_hot -----------------------------------------------------------------------------------
def test_one_hot() -> None:
    labels = np.array([2, 0, 1, 2])
    Y = one_hot(labels, 3)
    assert Y.shape == (3, 4)
    for i, label in enumerate(labels):
        expected = np.zeros(3)
        expected[label] = 1.0
        np.testing.assert_array_equal(Y[:, i], expected)
    np.testing.assert_array_equal(one_hot(labels), Y)  # n_classes inferred as max + 1
    assert one_hot(labels, 5).shape == (5, 4)
    np.testing.assert_array_equal(one_hot(np.array([[1.0, 0.0]])), [[0.0, 1.0], [1.0, 0.0]])
    np.testing.assert_array_equal(one_hot(labels).argmax(axis=0), labels)


def test_one_hot_dtype() -> None:
    Y = one_hot(np.array([2, 0]), 3, np.float32)
    assert Y.dtype == np.float32
    np.testing.assert_array_equal(Y, [[0, 1], [0, 0], [1, 0]])
    assert one_hot(np.array([1, 0])).dtype == np.float64


def test_standardizer_inverse_transform_undoes_transform() -> None:
    X = np.random.default_rng(0).normal(3.0, 2.0, (2, 10))
    scaler = Standardizer().fit(X)
    np.testing.assert_allclose(scaler.inverse_transform(scaler.transform(X)), X, rtol=1e-12)
    with pytest.raises(ValueError, match="not fitted"):
        Standardizer().inverse_transform(X)


def test_one_hot_errors() -> None:
    with pytest.raises(ValueError, match=r"labels must be in \[0, 2\), got values from 0 to 2\."):
        one_hot(np.array([0, 1, 2]), 2)
    with pytest.raises(ValueError, match=r"labels must be in \[0, 3\), got values from -1 to 1"):
        one_hot(np.array([-1, 0, 1]), 3)
    with pytest.raises(
        ValueError, match=r"labels must be integer class indices, got dtype float64"
    ):
        one_hot(np.array([0.5, 1.0]))


# ----- Standardizer ------------------------------------------------------------------------------
def test_standardizer(rng: np.random.Generator) -> None:
    X = rng.normal(loc=[[3.0], [-2.0], [5.0]], scale=[[2.0], [0.5], [0.0]], size=(3, 50))
    scaler = Standardizer().fit(X)
    assert scaler.mean.shape == scaler.scale.shape == (3, 1)
    Z = scaler.transform(X)
    np.testing.assert_allclose(Z[:2].mean(axis=1), 0.0, atol=1e-12)
    np.testing.assert_allclose(Z[:2].std(axis=1), 1.0)
    np.testing.assert_array_equal(Z[2], 0.0)  # a constant feature: scale 1, not a division by 0
    assert scaler.scale[2, 0] == 1.0
    np.testing.assert_allclose(Standardizer().fit_transform(X), Z)
    # new data is scaled with the training statistics
    X_new = rng.normal(size=(3, 4))
    np.testing.assert_allclose(scaler.transform(X_new), (X_new - scaler.mean) / scaler.scale)
    np.testing.assert_allclose(scaler.transform(X_new)[0], (X_new[0] - X[0].mean()) / X[0].std())


def test_standardizer_must_be_fitted() -> None:
    with pytest.raises(ValueError, match=r"Standardizer is not fitted: call fit\(X_train\) first"):
        Standardizer().transform(np.zeros((2, 3)))
