"""Tests for ``layerwise.course``: the course's networks, the data folder, pictures, ad clicks."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from layerwise import course
from layerwise.data import flatten_images
from layerwise.initializers import initialize_parameters


def write_cat_placeholders(folder: Path) -> Path:
    folder.mkdir(parents=True)
    for name in course.CAT_FILES:
        (folder / name).write_bytes(b"")
    return folder


# ----- cat_data_dir ------------------------------------------------------------------------------
def test_cat_data_dir_from_the_environment(tmp_path, monkeypatch):
    folder = write_cat_placeholders(tmp_path / "cats")
    monkeypatch.setenv(course.CAT_DATA_ENV, str(folder))
    assert course.cat_data_dir() == folder.resolve()


def test_cat_data_dir_environment_without_the_files(tmp_path, monkeypatch):
    monkeypatch.setenv(course.CAT_DATA_ENV, str(tmp_path))
    with pytest.raises(FileNotFoundError, match=r"LAYERWISE_CAT_DATA=.*does not hold"):
        course.cat_data_dir()


def test_cat_data_dir_found_from_the_repository_root_and_a_sub_folder(tmp_path, monkeypatch):
    monkeypatch.delenv(course.CAT_DATA_ENV, raising=False)
    folder = write_cat_placeholders(tmp_path / "shared" / "data" / "catvnoncat")
    repo = tmp_path / "repo"
    (repo / "notebooks").mkdir(parents=True)
    assert course.cat_data_dir(repo) == folder.resolve()
    assert course.cat_data_dir(repo / "notebooks") == folder.resolve()
    monkeypatch.chdir(repo / "notebooks")
    assert course.cat_data_dir() == folder.resolve()


def test_cat_data_dir_missing_says_how_to_set_it(tmp_path, monkeypatch):
    monkeypatch.delenv(course.CAT_DATA_ENV, raising=False)
    with pytest.raises(FileNotFoundError, match=r"no .*catvnoncat.*Hint: set LAYERWISE_CAT_DATA"):
        course.cat_data_dir(tmp_path)


# ----- the course's networks ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("build", "layer_dims", "init", "seed", "hidden"),
    [
        (lambda: course.two_layer_model((20, 7, 1)), [20, 7, 1], "small_random", 1, "relu"),
        (lambda: course.l_layer_model((20, 6, 5, 1)), [20, 6, 5, 1], "xavier", 1, "relu"),
        (lambda: course.planar_model(5), [2, 5, 1], "small_random", 2, "tanh"),
    ],
)
def test_course_networks_have_the_course_initial_weights(build, layer_dims, init, seed, hidden):
    net = build()
    assert net.layer_dims == layer_dims
    assert [a.name for a in net.activations] == [hidden] * (len(layer_dims) - 2) + ["sigmoid"]
    expected = initialize_parameters(layer_dims, init, seed, legacy=True)
    for key, value in net.parameters.items():
        np.testing.assert_array_equal(value, expected[key])


def test_two_layer_model_first_weights_are_the_course_draws():
    # np.random.seed(1); np.random.randn(7, 4) * 0.01 starts 1.62434536e-2, -6.11756414e-3
    W1 = course.two_layer_model((4, 7, 1)).parameters["W1"]
    np.testing.assert_allclose(W1[0, :2], [0.0162434536, -0.00611756414], rtol=1e-8)


def test_logistic_regression_starts_at_zero():
    net = course.logistic_regression(6)
    assert net.layer_dims == [6, 1]
    assert not net.theta.any()
    AL, caches = net.forward(np.ones((6, 3)))
    np.testing.assert_array_equal(AL, 0.5)  # σ(0)
    assert net.cost(AL, np.array([[1, 0, 1]]), caches) == pytest.approx(np.log(2))


# ----- pictures ----------------------------------------------------------------------------------
def test_images_from_columns_undoes_flatten_images(rng):
    images = rng.random((3, 4, 5, 3))
    np.testing.assert_array_equal(
        course.images_from_columns(flatten_images(images), (4, 5, 3)), images
    )


def test_images_from_columns_wrong_rows():
    with pytest.raises(ValueError, match=r"X must have shape \(12288, m\).*got \(100, 2\)"):
        course.images_from_columns(np.zeros((100, 2)))


def test_plot_images_draws_one_panel_per_image_with_titles(rng):
    pytest.importorskip("matplotlib")
    fig = course.plot_images(rng.random((7, 4, 4, 3)), [f"#{i}" for i in range(7)], ncols=4)
    axes = fig.get_axes()
    assert len(axes) == 8  # 2 rows of 4, the last panel empty
    assert [ax.get_title() for ax in axes[:7]] == [f"#{i}" for i in range(7)]
    assert len(axes[7].get_images()) == 0


def test_plot_images_needs_a_stack_of_images():
    pytest.importorskip("matplotlib")
    with pytest.raises(ValueError, match=r"images must have shape \(m, h, w, c\).*got \(4, 4\)"):
        course.plot_images(np.zeros((4, 4)))


# ----- ad clicks ---------------------------------------------------------------------------------
def test_make_ad_clicks_columns_and_reproducibility():
    pytest.importorskip("pandas")
    df = course.make_ad_clicks(500, seed=3)
    assert list(df.columns) == ["age", "minutes_on_site", "hour", "device", "ad_topic", "clicked"]
    assert len(df) == 500
    assert set(df["device"]) <= set(course.DEVICES)
    assert set(df["ad_topic"]) <= set(course.TOPICS)
    assert set(df["clicked"]) == {0, 1}
    assert df["age"].between(18, 70).all() and df["hour"].between(0, 23).all()
    assert df.equals(course.make_ad_clicks(500, seed=3))
    assert not df.equals(course.make_ad_clicks(500, seed=4))


def test_make_ad_clicks_depends_on_age_and_device_together():
    pd = pytest.importorskip("pandas")
    df = course.make_ad_clicks(20000, seed=0)
    young = df["age"] < 30
    rate = df.groupby([young, df["device"]])["clicked"].mean()
    assert isinstance(rate, pd.Series)
    # young users click more on mobile, older users more on desktop: an interaction
    assert rate[(True, "mobile")] > rate[(True, "desktop")]
    assert rate[(False, "desktop")] > rate[(False, "mobile")]


def test_make_ad_clicks_bad_size():
    pytest.importorskip("pandas")
    with pytest.raises(ValueError, match=r"m must be a positive integer.*got 0"):
        course.make_ad_clicks(0)
