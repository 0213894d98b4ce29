"""Data: splits, bundled data sets, file readers, preprocessing (data, datasets, readers,
preprocessing modules)."""

from pathlib import Path

import numpy as np
import pytest

from layerwise.data import (
    DATASETS,
    Standardizer,
    load_catvnoncat,
    load_planar,
    load_xor,
    split_indices,
)

pd = pytest.importorskip("pandas")

from layerwise.data import (  # noqa: E402
    Preprocessor,
    class_labels,
    infer_task,
    read_data,
)

CAT_DIR = Path(__file__).resolve().parents[2] / "shared" / "data" / "catvnoncat"


# ----- splits ------------------------------------------------------------------------------------
def test_split_sizes_are_disjoint_and_cover_everything():
    keep, held = split_indices(100, 0.2, seed=0)
    assert len(held) == 20
    np.testing.assert_array_equal(np.sort(np.concatenate([keep, held])), np.arange(100))


def test_split_is_reproducible_and_seed_dependent():
    a = split_indices(50, 0.3, seed=1)[1]
    np.testing.assert_array_equal(a, split_indices(50, 0.3, seed=1)[1])
    assert not np.array_equal(a, split_indices(50, 0.3, seed=2)[1])


def test_stratified_split_keeps_small_classes_on_both_sides():
    labels = np.array(["a"] * 90 + ["b"] * 10, dtype=object)
    keep, held = split_indices(100, 0.2, seed=0, labels=labels)
    assert (labels[held] == "b").sum() == 2
    assert (labels[keep] == "b").sum() == 8


def test_split_fraction_zero_and_errors():
    keep, held = split_indices(5, 0.0)
    assert held.size == 0 and keep.size == 5
    with pytest.raises(ValueError, match=r"in \[0, 1\)"):
        split_indices(5, 1.0)
    with pytest.raises(ValueError, match="leaves none to train on"):
        split_indices(1, 0.5)


# ----- bundled data ------------------------------------------------------------------------------
@pytest.mark.parametrize("name", list(DATASETS))
def test_every_bundled_data_set_reads_as_described(name):
    info = DATASETS[name]
    data = read_data(name)
    assert data.features.shape == info.shape
    assert data.origin == "bundled"
    assert infer_task(data.target) == info.task
    if info.n_classes:
        assert data.target.iloc[:, 0].nunique() == info.n_classes


def test_planar_is_the_course_flower():
    X, Y = load_planar()
    assert X.shape == (2, 400) and Y.shape == (1, 400)
    assert Y.sum() == 200
    np.testing.assert_array_equal(X, load_planar()[0])  # generated, but always the same
    # the course's first point: np.random.seed(1); θ = 0 + 0.2 randn; r = 4 sin 4θ + 0.2 randn
    rng = np.random.RandomState(1)
    t0 = rng.randn(200)[0] * 0.2
    r0 = 4 * np.sin(4 * t0) + rng.randn(200)[0] * 0.2
    np.testing.assert_allclose(X[:, 0], [r0 * np.sin(t0), r0 * np.cos(t0)])


def test_planar_matches_the_shared_fixture(flower):
    X, Y = load_planar()
    np.testing.assert_array_equal(X, flower[0])
    np.testing.assert_array_equal(Y, flower[1])


def test_xor_labels_follow_the_signs():
    X, Y = load_xor(m=200, noise=0.05)
    np.testing.assert_array_equal(Y[0], (np.sign(X[0]) != np.sign(X[1])).astype(int))


# ----- files -------------------------------------------------------------------------------------
@pytest.fixture
def frame():
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "size": rng.normal(size=30),
            "color": rng.choice(["red", "blue"], 30),
            "label": rng.choice(["yes", "no"], 30),
        }
    )


@pytest.mark.parametrize("suffix", [".csv", ".tsv", ".parquet"])
def test_tables_read_with_the_last_column_as_target(tmp_path, frame, suffix):
    path = tmp_path / f"t{suffix}"
    if suffix == ".parquet":
        frame.to_parquet(path)
    else:
        frame.to_csv(path, sep="\t" if suffix == ".tsv" else ",", index=False)
    data = read_data(path)
    assert list(data.features.columns) == ["size", "color"]
    assert data.target_names == ["label"]
    np.testing.assert_allclose(data.features["size"], frame["size"])
    assert read_data(path, "color").target_names == ["color"]


def test_numbers_stored_as_text_are_read_as_numbers(tmp_path, frame):
    frame["size"] = frame["size"].astype(str)  # e.g. a parquet file written from strings
    frame.to_parquet(tmp_path / "t.parquet")
    data = read_data(tmp_path / "t.parquet")
    assert data.features["size"].dtype == np.float64
    assert Preprocessor().fit(data.features, data.target).numeric == ["size"]


def test_npy_npz_and_hdf5(tmp_path):
    rows = np.arange(12.0).reshape(4, 3)
    np.save(tmp_path / "a.npy", rows)
    data = read_data(tmp_path / "a.npy")
    assert list(data.features.columns) == ["x0", "x1"] and data.target_names == ["x2"]
    np.savez(tmp_path / "a.npz", X=rows, y=np.array([0, 1, 0, 1]))
    data = read_data(tmp_path / "a.npz")
    assert data.features.shape == (4, 3) and data.target_names == ["y"]
    h5py = pytest.importorskip("h5py")
    with h5py.File(tmp_path / "a.h5", "w") as f:
        f["X"], f["y"] = rows, np.array([[0, 1, 0, 1]])  # labels as the course's (1, m)
    assert read_data(tmp_path / "a.h5").target["y"].tolist() == [0, 1, 0, 1]


def test_course_style_hdf5_images_are_flattened_scaled_and_named(tmp_path):
    h5py = pytest.importorskip("h5py")
    images = np.random.default_rng(0).integers(0, 256, (6, 4, 4, 3), dtype=np.uint8)
    with h5py.File(tmp_path / "train.h5", "w") as f:
        f["train_set_x"], f["train_set_y"] = images, np.array([0, 1, 1, 0, 1, 0])
        f["list_classes"] = np.array([b"non-cat", b"cat"])
    data = read_data(tmp_path / "train.h5")
    assert data.scaling == "unit" and data.classes == ["non-cat", "cat"]
    pre = Preprocessor(scaling=data.scaling).fit(data.features, data.target, classes=data.classes)
    np.testing.assert_array_equal(pre.transform(data.features), images.reshape(6, -1).T / 255.0)
    np.testing.assert_array_equal(pre.transform_target(data.target), [[0, 1, 1, 0, 1, 0]])


@pytest.mark.skipif(not (CAT_DIR / "train_catvnoncat.h5").is_file(), reason="no cat files")
def test_the_cat_files_read_exactly_as_the_course_loader_reads_them():
    pytest.importorskip("h5py")
    course = load_catvnoncat(CAT_DIR)
    data = read_data(CAT_DIR / "train_catvnoncat.h5")
    pre = Preprocessor(scaling=data.scaling).fit(data.features, data.target, classes=data.classes)
    np.testing.assert_array_equal(pre.transform(data.features), course.X_train)
    np.testing.assert_array_equal(pre.transform_target(data.target), course.Y_train)


def test_image_folder(tmp_path):
    pil = pytest.importorskip("PIL.Image")
    for label, value in (("dark", 10), ("light", 240)):
        (tmp_path / "imgs" / label).mkdir(parents=True)
        for i, size in enumerate([(4, 3), (4, 3), (6, 5)]):
            pil.new("RGB", size, (value, value, value)).save(tmp_path / "imgs" / label / f"{i}.png")
    data = read_data(tmp_path / "imgs")
    assert data.image == {"size": [4, 3], "mode": "RGB"}  # the most common size
    assert data.features.shape == (6, 4 * 3 * 3)
    assert data.target["label"].tolist() == ["dark"] * 3 + ["light"] * 3
    assert data.files[0].endswith("0.png")
    pre = Preprocessor(scaling=data.scaling).fit(data.features, data.target)
    np.testing.assert_allclose(pre.transform(data.features)[:, 0], 10 / 255)
    grey = read_data(
        tmp_path / "imgs" / "dark", image={"size": [2, 2], "mode": "L"}, require_target=False
    )
    assert grey.features.shape == (3, 4) and grey.target is None


@pytest.mark.parametrize(
    ("make", "match", "error"),
    [
        (lambda p: p / "missing.csv", "not found", FileNotFoundError),
        (lambda p: _write(p / "a.xlsx", "x"), "unsupported file type", ValueError),
        (lambda p: _write(p / "a.csv", ""), "is empty", ValueError),
        (
            lambda p: _write(p / "a.csv", "a,b\n1,2\n3,\n"),  # a gap in the target
            "missing/NaN values .* row 2",
            ValueError,
        ),
        (lambda p: _write(p / "a.csv", "a,b\n1,2\ninf,3\n"), "infinite", ValueError),
        (
            lambda p: _write(p / "a.csv", "a,b\n1,2\n2,3\nx,4\n"),
            "numeric but data row 3",
            ValueError,
        ),
        (lambda p: _save(p / "a.npy", np.array([["a", "b"]])), "must hold numbers", TypeError),
        (lambda p: _save(p / "a.npy", np.zeros(3)), "2-D array", ValueError),
        (lambda p: _empty_dir(p / "d"), "no sub-folders", ValueError),
        (lambda p: _empty_dir(p / "d" / "cats").parent, "no images", ValueError),
    ],
)
def test_bad_files_raise_one_clear_error(tmp_path, make, match, error):
    with pytest.raises(error, match=match):
        read_data(make(tmp_path))


def test_unknown_column(tmp_path):
    path = _write(tmp_path / "a.csv", "a,b\n1,2\n")
    with pytest.raises(ValueError, match="target column 'c' is not in"):
        read_data(path, "c")
    with pytest.raises(ValueError, match="column 'z' is not in"):
        read_data(path, drop=["z"])
    assert read_data(path, "c", require_target=False).target is None


def _write(path, text):
    path.write_text(text)
    return path


def _save(path, array):
    np.save(path, array)
    return path


def _empty_dir(path):
    path.mkdir(parents=True)
    return path


# ----- preprocessing -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("values", "task"),
    [
        (["a", "b", "a"], "binary"),
        ([True, False, True], "binary"),
        ([0, 1, 1], "binary"),
        (["a", "b", "c"], "multiclass"),
        ([1, 2, 3, 1], "multiclass"),
        ([0.5, 1.5, 2.25], "regression"),
        (list(range(30)), "regression"),
    ],
)
def test_infer_task(values, task):
    assert infer_task(pd.DataFrame({"y": values})) == task


def test_infer_task_multilabel_and_errors():
    assert infer_task(pd.DataFrame({"a": [0, 1], "b": [1, 1]})) == "multilabel"
    with pytest.raises(ValueError, match="only one class"):
        infer_task(pd.DataFrame({"y": ["a", "a"]}))
    with pytest.raises(ValueError, match="exactly 2 classes"):
        infer_task(pd.DataFrame({"y": [1, 2, 3]}), "binary")
    with pytest.raises(ValueError, match="numeric target"):
        infer_task(pd.DataFrame({"y": ["a", "b"]}), "regression")
    with pytest.raises(ValueError, match="Unknown task"):
        infer_task(pd.DataFrame({"y": [1, 2]}), "clustering")


def test_preprocessor_standardizes_and_one_hot_encodes(frame):
    pre = Preprocessor().fit(frame[["size", "color"]], frame[["label"]])
    X = pre.transform(frame[["size", "color"]])  # (3, m): size, blue, red
    assert X.shape == (3, 30) and pre.n_x == 3
    np.testing.assert_allclose(X[0].mean(), 0, atol=1e-12)
    np.testing.assert_allclose(X[0].std(), 1)
    np.testing.assert_array_equal(X[1], frame["color"] == "blue")
    np.testing.assert_array_equal(X[1] + X[2], 1)
    assert X.T.flags.c_contiguous  # a transposed view of rows: fit batches are contiguous
    assert pre.classes == ["no", "yes"] and pre.output == "sigmoid"
    np.testing.assert_array_equal(
        pre.transform_target(frame[["label"]])[0], frame["label"] == "yes"
    )


def test_preprocessor_orders_categories_sorted_not_as_seen_or_as_counted():
    # the one-hot inputs follow this order, and a saved model depends on it: first seen
    # (m, z, a), most frequent (z, a, m) and sorted (a, m, z) all differ here
    values = ["m"] + ["z"] * 3 + ["a"] * 2
    pre = Preprocessor().fit(pd.DataFrame({"c": values}), pd.DataFrame({"y": [0, 1] * 3}))
    assert pre.categorical == {"c": ["a", "m", "z"]}
    assert Preprocessor.from_header(pre.to_header(), {}).categorical == pre.categorical
    X = pre.transform(pd.DataFrame({"c": ["z", "a", "m"]}))  # (3, 3): a, m, z
    np.testing.assert_array_equal(X, [[0, 1, 0], [0, 0, 1], [1, 0, 0]])


def test_preprocessor_unseen_category_encodes_as_zeros(frame):
    pre = Preprocessor().fit(frame[["size", "color"]], frame[["label"]])
    X = pre.transform(pd.DataFrame({"size": [0.0], "color": ["green"]}))
    np.testing.assert_array_equal(X[1:, 0], [0, 0])


def test_preprocessor_column_errors(frame):
    pre = Preprocessor().fit(frame[["size", "color"]], frame[["label"]])
    with pytest.raises(ValueError, match="'color' is missing"):
        pre.transform(frame[["size"]])
    with pytest.raises(ValueError, match="'label' was not seen"):
        pre.transform(frame)
    with pytest.raises(ValueError, match="label 'maybe'"):
        pre.transform_target(pd.DataFrame({"label": ["yes", "maybe"]}))
    ids = pd.DataFrame({"id": [f"user{i}" for i in range(30)]})
    with pytest.raises(ValueError, match="identifier or free text"):
        Preprocessor().fit(ids)


def test_preprocessor_text_columns_of_numbers():
    # a typo among numbers is an error; numbers that are all text are categories, as any text
    with pytest.raises(ValueError, match=r"column 'a' mixes numbers and text \(row 3: 'x'\)"):
        Preprocessor().fit(pd.DataFrame({"a": ["1", "2", "x", "4"]}))
    pre = Preprocessor().fit(pd.DataFrame({"a": ["1", "2", "1", "2"], "b": [1.0, 2, 3, 4]}))
    assert pre.categorical == {"a": ["1", "2"]} and pre.numeric == ["b"]


def test_preprocessor_multiclass_regression_and_multilabel_decode():
    rows = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    pre = Preprocessor().fit(
        rows, pd.DataFrame({"y": ["b", "a", "c", "a"]}), classes=["c", "b", "a"]
    )
    assert pre.n_y == 3 and pre.output == "softmax"
    np.testing.assert_array_equal(pre.codes(pd.DataFrame({"y": ["a", "c"]})), [2, 0])
    assert pre.decode(np.eye(3)).tolist() == ["c", "b", "a"]
    reg = Preprocessor().fit(rows, pd.DataFrame({"y": [1.5, 2.5, 3.5, 4.5]}))
    Y = reg.transform_target(pd.DataFrame({"y": [1.5, 2.5, 3.5, 4.5]}))
    np.testing.assert_allclose(Y.mean(), 0, atol=1e-12)
    np.testing.assert_allclose(reg.decode(Y)[:, 0], [1.5, 2.5, 3.5, 4.5])
    multi = Preprocessor().fit(rows, pd.DataFrame({"p": [0, 1, 1, 0], "q": [1, 1, 0, 0]}))
    assert multi.task == "multilabel" and multi.n_y == 2
    assert multi.decode(np.array([[0.9, 0.1], [0.2, 0.7]])).tolist() == [[1, 0], [0, 1]]


def test_preprocessor_header_round_trip_is_json(frame):
    import json

    pre = Preprocessor().fit(frame[["size", "color"]], frame[["label"]])
    header = json.loads(json.dumps(pre.to_header()))
    back = Preprocessor.from_header(header, pre.arrays())
    np.testing.assert_array_equal(
        back.transform(frame[["size", "color"]]), pre.transform(frame[["size", "color"]])
    )
    header["task"] = "clustering"
    with pytest.raises(ValueError, match=r"preprocessing\.task"):
        Preprocessor.from_header(header, pre.arrays())


def test_class_labels_are_sorted_python_values():
    assert class_labels(pd.DataFrame({"y": [2.0, 1.0, 2.0]})) == [1, 2]
    assert class_labels(pd.DataFrame({"y": ["b", "a", "b"], "z": [0, 1, 2]})) == ["a", "b"]
    assert class_labels(pd.DataFrame({"y": pd.Series([1, "a", 1], dtype=object)})) == [1, "a"]
    pre = Preprocessor().fit(pd.DataFrame({"x": [0.0, 1, 2]}), pd.DataFrame({"y": [3, 1, 3]}))
    assert pre.classes == [1, 3]


def test_preprocessor_standardizes_with_the_data_standardizer(frame):
    features = frame[["size", "color"]]
    pre = Preprocessor().fit(features, frame[["label"]])
    assert isinstance(pre.scaler, Standardizer)
    size = features[["size"]].to_numpy().T  # (1, m)
    np.testing.assert_array_equal(pre.transform(features)[:1], Standardizer().fit_transform(size))
    arrays = pre.arrays()  # the saved format: 1-D arrays under the same names
    assert set(arrays) == {"feature_mean", "feature_scale"} and arrays["feature_mean"].shape == (1,)
    assert Preprocessor(scaling="none").fit(features).scaler is None


def test_regression_target_scaling_round_trips_through_the_header():
    import json

    rows = pd.DataFrame({"x": [0.0, 1.0, 2.0, 3.0]})
    target = pd.DataFrame({"y": [1.5, 2.5, 3.5, 5.5], "z": [1.0, 1.0, 1.0, 1.0]})
    pre = Preprocessor().fit(rows, target)
    assert pre.task == "regression" and isinstance(pre.target_scaler, Standardizer)
    header = json.loads(json.dumps(pre.to_header()))
    assert header["target"]["mean"] == [3.25, 1.0] and header["target"]["scale"][1] == 1.0
    back = Preprocessor.from_header(header, pre.arrays())
    Y = back.transform_target(target)  # (2, m)
    np.testing.assert_array_equal(Y, pre.transform_target(target))
    np.testing.assert_allclose(back.decode(Y), target.to_numpy())
    header["target"]["scale"] = [1.0, 0.0]
    with pytest.raises(ValueError, match=r"preprocessing\.target\.scale must be 2 finite numbers"):
        Preprocessor.from_header(header, pre.arrays())


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda h: h.update(numeric=5), r"preprocessing\.numeric must be a list of strings, got 5"),
        (lambda h: h.update(categorical="x"), "preprocessing.categorical must be a list, got 'x'"),
        (lambda h: h.update(task="clustering"), "preprocessing.task must be one of"),
    ],
)
def test_preprocessor_header_errors_name_the_field_and_what_it_holds(frame, edit, match):
    pre = Preprocessor().fit(frame[["size", "color"]], frame[["label"]])
    header = pre.to_header()
    edit(header)
    with pytest.raises(ValueError, match=match):  # the two calls load_model makes, in order
        Preprocessor.array_shapes(header)
        Preprocessor.from_header(header, pre.arrays())


# ----- what a user means: tasks that fit, dropped columns, target and drop ----------------------
def test_infer_task_refuses_a_task_that_does_not_fit_the_target():
    two = pd.DataFrame({"a": [0, 1, 1], "b": [1, 0, 1]})
    for task in ("binary", "multiclass"):
        with pytest.raises(ValueError, match=rf"task='{task}' needs one target column; got 2"):
            infer_task(two, task)
    prices = pd.DataFrame({"y": np.linspace(1.5, 90.25, 300)})
    with pytest.raises(ValueError, match=r"300 classes .*not whole.*Hint: use task='regression'"):
        infer_task(prices, "multiclass")
    ids = pd.DataFrame({"y": np.arange(30)})
    with pytest.raises(ValueError, match=r"30 classes .*mostly distinct values in 30 rows"):
        infer_task(ids, "multiclass")
    assert infer_task(pd.DataFrame({"y": np.arange(60) % 25}), "multiclass") == "multiclass"
    # two numbers that are not whole are a measurement, not two labels
    assert infer_task(pd.DataFrame({"y": [0.37, 1.91]})) == "regression"
    assert infer_task(pd.DataFrame({"y": [0.0, 1.0]})) == "binary"


def test_target_and_drop_must_differ_and_ignore_leaves_out_what_is_there(tmp_path):
    path = _write(tmp_path / "a.csv", "id,x,y\na,1,0\nb,2,1\n")
    with pytest.raises(ValueError, match=r"'y' is both the target and dropped.*drop=.*target="):
        read_data(path, "y", drop=["y"])
    assert read_data(path, "y", drop=["y"], require_target=False).target is None
    data = read_data(path, "y", ignore=["id", "absent"])
    assert list(data.features.columns) == ["x"]


def test_preprocessor_saves_dropped_columns_and_transform_ignores_them(frame):
    import json

    pre = Preprocessor(dropped=["id"]).fit(frame[["size", "color"]], frame[["label"]])
    header = json.loads(json.dumps(pre.to_header()))
    assert header["dropped"] == ["id"]
    back = Preprocessor.from_header(header, pre.arrays())
    with_id = frame[["size", "color"]].assign(id=np.nan)  # a dropped column may hold anything
    np.testing.assert_array_equal(back.transform(with_id), pre.transform(frame[["size", "color"]]))
    del header["dropped"]  # a file written before dropped columns were saved
    assert Preprocessor.from_header(header, pre.arrays()).dropped == []
    refit = Preprocessor(dropped=["color"]).fit(frame[["size", "color"]], frame[["label"]])
    assert refit.numeric == ["size"] and refit.categorical == {}  # fit leaves them out too
    with pytest.raises(ValueError, match="'label' is both the target and dropped"):
        Preprocessor(dropped=["label"]).fit(frame[["size"]], frame[["label"]])
    header["dropped"] = ["size"]
    with pytest.raises(ValueError, match=r"preprocessing\.dropped must be columns the model does"):
        Preprocessor.from_header(header, pre.arrays())
