"""ONNX export (layerwise.export), every graph run by ONNX Runtime and compared with layerwise's
own predictions: networks of every activation and output/loss pair, trained model files with raw
numeric and text columns through the CLI, the estimators, skl2onnx pipelines, bad input."""

import io
import subprocess
import sys

import numpy as np
import pytest

import layerwise as lw
from layerwise.activations import ACTIVATIONS, HIDDEN_ACTIVATIONS, Activation
from layerwise.outputs import PAIRS as TABLE

onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")

from commands import run as run_cli  # noqa: E402
from layerwise.data import Preprocessor, SavedModel  # noqa: E402
from layerwise.export import DEFAULT_OPSET, MIN_OPSET, check_onnx, to_onnx  # noqa: E402
from layerwise.export.graph import ACTIVATION_NODES  # noqa: E402
from model_files import edit_header, members, rewrite  # noqa: E402

TOL = {np.float32: 1e-5, np.float64: 1e-10}  # the issue's: probabilities, ORT vs layerwise
N_Y = {"binary_crossentropy": 1, "multilabel_crossentropy": 3, "categorical_crossentropy": 3}
PAIRS = [(p.output, p.loss, N_Y.get(p.loss, 2)) for p in TABLE]  # every pair a Network takes


def session(model):
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def outputs(model, feeds) -> dict:
    sess = session(model)
    return dict(zip([o.name for o in sess.get_outputs()], sess.run(None, feeds), strict=True))


def clear_rows(net, X, loss: str):
    """The rows of ``X (m, n_x)`` whose labels no rounding can flip: probabilities at least
    10⁻⁴ from 0.5 (sigmoid), the two largest at least 10⁻⁴ apart (softmax). Float32 rounding
    moves them by ~10⁻⁷, so on other CPUs a row at the boundary could flip either way."""
    P = net.predict_proba(X.T)  # (n_y, m)
    if loss in ("binary_crossentropy", "multilabel_crossentropy"):
        keep = np.all(np.abs(P - 0.5) > 1e-4, axis=0)
    elif loss == "categorical_crossentropy":
        top = np.sort(P, axis=0)
        keep = top[-1] - top[-2] > 1e-4
    else:
        keep = np.ones(X.shape[0], dtype=bool)
    return X[keep]


# ----- the network, every activation and output/loss pair ----------------------------------------
def test_every_activation_has_an_onnx_operator():
    assert set(ACTIVATIONS) <= set(ACTIVATION_NODES)


def test_pairs_cover_every_output_activation():
    assert {output for output, _, _ in PAIRS} == {
        "sigmoid",
        "softmax",
        "linear",
        "tanh",
        "relu",
        "leaky_relu",
    }


@pytest.mark.slow
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
@pytest.mark.parametrize(("output", "loss", "n_y"), PAIRS, ids=[f"{o}-{l}" for o, l, _ in PAIRS])
@pytest.mark.parametrize("hidden", HIDDEN_ACTIVATIONS)
def test_onnx_runtime_matches_the_network(hidden, output, loss, n_y, dtype):
    net = lw.Network([4, 7, 5, n_y], hidden=hidden, output=output, loss=loss, dtype=dtype, seed=3)
    model = to_onnx(net)
    onnx.checker.check_model(model, full_check=True)
    rng = np.random.default_rng(1)
    for m in (1, 1000):
        X = clear_rows(net, (2 * rng.standard_normal((m + 100, 4))).astype(dtype), loss)[:m]
        assert X.shape == (m, 4)  # rows: the transpose of the course's (n_x, m)
        got = outputs(model, {"X": X})
        AL = net.predict_proba(X.T)  # (n_y, m)
        labels = net.predict(X.T)
        if loss == "binary_crossentropy":
            assert got["probabilities"].shape == (m, 2)
            np.testing.assert_allclose(got["probabilities"][:, 1], AL[0], rtol=0, atol=TOL[dtype])
            np.testing.assert_allclose(
                got["probabilities"][:, 0], 1 - AL[0], rtol=0, atol=TOL[dtype]
            )
            np.testing.assert_array_equal(got["label"], labels[0])
        elif loss == "multilabel_crossentropy":
            np.testing.assert_allclose(got["probabilities"], AL.T, rtol=0, atol=TOL[dtype])
            np.testing.assert_array_equal(got["label"], labels.T)
        elif loss == "categorical_crossentropy":
            np.testing.assert_allclose(got["probabilities"], AL.T, rtol=0, atol=TOL[dtype])
            np.testing.assert_array_equal(got["label"], labels[0])
        else:
            assert set(got) == {"variable"}
            np.testing.assert_allclose(got["variable"], AL.T, rtol=TOL[dtype], atol=TOL[dtype])
        assert all(v.dtype == dtype for k, v in got.items() if k != "label")


def test_a_dropout_trained_network_exports_its_whole_network():
    # dropout is a training device: the graph has no mask, its output is predict's
    rng = np.random.default_rng(2)
    X = rng.standard_normal((60, 4))
    Y = np.eye(3)[rng.integers(0, 3, 60)].T  # (3, 60)
    net = lw.Network([4, 8, 6, 3], output="softmax", keep_prob=[0.5, 0.8], seed=1)
    net.fit(X.T, Y, epochs=5, batch_size=16)
    assert "keep_prob" in net.config()
    model = to_onnx(net)
    assert not any(n.op_type in ("Dropout", "RandomUniformLike") for n in model.graph.node)
    got = outputs(model, {"X": X})
    np.testing.assert_allclose(got["probabilities"], net.predict_proba(X.T).T, rtol=0, atol=1e-10)


@pytest.mark.parametrize("slope", [0.01, 0.3, 0.25])
@pytest.mark.parametrize("dtype", [np.float32, np.float64], ids=["float32", "float64"])
def test_leaky_relu_keeps_its_slope(slope, dtype):
    hidden = lw.get_activation("leaky_relu", slope=slope)
    net = lw.Network([3, 6, 1], hidden=hidden, output="linear", dtype=dtype, seed=0)
    model = to_onnx(net)
    X = np.random.default_rng(0).standard_normal((500, 3)).astype(dtype)
    np.testing.assert_allclose(
        outputs(model, {"X": X})["variable"], net.predict_proba(X.T).T, rtol=0, atol=TOL[dtype]
    )
    ops = [n.op_type for n in model.graph.node]
    if dtype == np.float32 or slope == 0.25:  # float32 holds the slope exactly: one operator
        (node,) = [n for n in model.graph.node if n.op_type == "LeakyRelu"]
        assert onnx.helper.get_attribute_value(node.attribute[0]) == pytest.approx(slope)
    else:  # a float64 slope: spelt Where(Z > 0, Z, slope Z)
        assert "LeakyRelu" not in ops and "Where" in ops


def test_float64_network_exported_as_float32():
    net = lw.Network([5, 8, 3], hidden="tanh", output="softmax", seed=2)
    model = to_onnx(net, dtype="float32")
    X = np.random.default_rng(0).standard_normal((300, 5))
    got = outputs(model, {"X": X.astype(np.float32)})
    assert got["probabilities"].dtype == np.float32
    np.testing.assert_allclose(got["probabilities"], net.predict_proba(X.T).T, atol=1e-5)


@pytest.mark.parametrize("opset", [MIN_OPSET, DEFAULT_OPSET, 21])
def test_opsets_run(opset):
    net = lw.Network([2, 3, 3], hidden="relu", output="softmax", seed=0)
    model = to_onnx(net, opset=opset)
    assert model.opset_import[0].version == opset
    X = np.random.default_rng(0).standard_normal((10, 2))
    np.testing.assert_allclose(outputs(model, {"X": X})["probabilities"], net.predict_proba(X.T).T)


def test_metadata_names_version_layers_and_classes():
    net = lw.Network([2, 4, 3], hidden=["tanh"], output="softmax", seed=0)
    model = to_onnx(net)
    props = {p.key: p.value for p in model.metadata_props}
    assert props["layerwise_version"] == lw.__version__
    assert props["layer_dims"] == "[2, 4, 3]"
    assert props["classes"] == "[0, 1, 2]"
    assert props["task"] == "multiclass"
    assert model.producer_name == "layerwise"


# ----- the estimators ---------------------------------------------------------------------------
@pytest.mark.parametrize("kind", ["binary-text", "binary-bool", "multiclass", "multilabel"])
def test_classifier_export_matches_predict(kind, tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3))
    if kind == "binary-text":
        y = np.where(X[:, 0] + X[:, 1] > 0, "yes", "no")
    elif kind == "binary-bool":
        y = X[:, 0] + X[:, 1] > 0
    elif kind == "multiclass":
        y = np.digitize(X[:, 0], [-0.5, 0.5]) * 10
    else:
        y = np.c_[X[:, 0] > 0, X[:, 1] > 0, X[:, 2] > 0].astype(int)
    clf = lw.LayerwiseClassifier((6,), max_epochs=5, random_state=0).fit(X, y)
    for source in (clf, clf.save(tmp_path / "clf.npz")):
        got = outputs(lw.to_onnx(source), {"X": X})
        np.testing.assert_array_equal(got["label"], clf.predict(X))
        np.testing.assert_allclose(got["probabilities"], clf.predict_proba(X), rtol=0, atol=1e-10)


def test_regressor_export_matches_predict_and_reads_its_target_scaling(monkeypatch):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((200, 3)).astype(np.float32)
    reg = lw.LayerwiseRegressor((6,), max_epochs=5, random_state=0).fit(X, X[:, 0] ** 2)
    got = outputs(to_onnx(reg), {"X": X})["variable"]
    assert got.shape == (200, 1) and got.dtype == np.float32
    np.testing.assert_allclose(got[:, 0], reg.predict(X), rtol=1e-5, atol=1e-5)
    raw = reg._logits(X).T  # (m, 1): what the network computes, before the target's units
    monkeypatch.setattr(reg, "target_mean_", np.array([5.0]), raising=False)
    monkeypatch.setattr(reg, "target_scale_", np.array([2.0]), raising=False)
    scaled = outputs(to_onnx(reg), {"X": X})["variable"]
    np.testing.assert_allclose(scaled, raw * 2 + 5, rtol=1e-6)


def test_cli_exports_and_checks_an_estimator_file(tmp_path, capsys):
    X = np.random.default_rng(0).standard_normal((100, 3))
    reg = lw.LayerwiseRegressor((5,), max_epochs=3, random_state=0).fit(X, X[:, :2] * 4)
    code, out, err = run_cli(capsys, "export", reg.save(tmp_path / "reg.npz"), "--check")
    assert code == 0 and out.startswith("passed") and "regression [3, 5, 2]" in err
    got = outputs(onnx.load(tmp_path / "reg.onnx"), {"X": X})["variable"]
    np.testing.assert_allclose(got, reg.predict(X), rtol=1e-10, atol=1e-10)


def test_skl2onnx_pipeline_with_a_scaler():
    skl2onnx = pytest.importorskip("skl2onnx")
    from sklearn.datasets import load_iris
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from layerwise.export import register_skl2onnx

    register_skl2onnx()
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    clf = lw.LayerwiseClassifier((8,), max_epochs=20, random_state=0)
    pipe = make_pipeline(StandardScaler(), clf).fit(X, names)
    model = skl2onnx.to_onnx(pipe, X[:1].astype(np.float32))  # zipmap: a list of dicts
    label, proba = session(model).run(None, {"X": X.astype(np.float32)})
    np.testing.assert_array_equal(label, pipe.predict(X))
    expected = pipe.predict_proba(X)
    assert (
        max(
            abs(row[c] - p)
            for row, ps in zip(proba, expected, strict=True)
            for c, p in zip(clf.classes_, ps, strict=True)
        )
        < 1e-5
    )
    plain = skl2onnx.to_onnx(pipe, X[:1], options={lw.LayerwiseClassifier: {"zipmap": False}})
    label, proba = session(plain).run(None, {"X": X})  # float64 all through
    np.testing.assert_array_equal(label, pipe.predict(X))
    np.testing.assert_allclose(proba, expected, rtol=0, atol=1e-10)
    indicators = np.c_[y == 0, y == 2].astype(int)  # multi-label: a ZipMap of per-label p
    multi = make_pipeline(StandardScaler(), lw.LayerwiseClassifier((8,), max_epochs=5)).fit(
        X, indicators
    )
    X32 = X.astype(np.float32)  # ZipMap takes float32 only (float64: zipmap False, as above)
    label, proba = session(skl2onnx.to_onnx(multi, X32[:1])).run(None, {"X": X32})
    np.testing.assert_array_equal(label, multi.predict(X))
    np.testing.assert_allclose([[p[0], p[1]] for p in proba], multi.predict_proba(X), atol=1e-5)
    reg = make_pipeline(StandardScaler(), lw.LayerwiseRegressor((8,), max_epochs=5, random_state=0))
    reg.fit(X, X[:, 0] * 3)
    (values,) = session(skl2onnx.to_onnx(reg, X[:1])).run(None, {"X": X})
    np.testing.assert_allclose(values[:, 0], reg.predict(X), rtol=1e-10)


# ----- trained model files: raw columns in the graph --------------------------------------------
@pytest.fixture(scope="module")
def orchard(tmp_path_factory):
    """A CSV with two numeric and two text columns and three targets (binary, multi-class,
    numeric); and new rows without them, one holding a category training never saw."""
    folder = tmp_path_factory.mktemp("orchard")
    rng = np.random.default_rng(0)
    m = 200
    frame = pd.DataFrame(
        {
            "size": rng.normal(10, 3, m),
            "weight": rng.normal(150, 40, m),
            "color": rng.choice(["red", "green", "blue"], m),
            "farm": rng.choice(["north", "south"], m),
        }
    )
    score = frame["size"] + 3 * (frame["color"] == "red") - 2 * (frame["farm"] == "south")
    frame["quality"] = np.where(score > 10, "good", "bad")
    frame["grade"] = np.digitize(score, [8, 11]).astype(str)
    frame["price"] = 2 * score + frame["weight"] / 50
    new = frame.drop(columns=["quality", "grade", "price"]).iloc[:40].copy()
    new.loc[new.index[0], "color"] = "purple"  # unseen: all zeros, as in layerwise predict
    frame.to_csv(folder / "orchard.csv", index=False)
    new.to_csv(folder / "new.csv", index=False)
    return folder


def raw_feeds(frame) -> dict:
    """One (N, 1) input per column: numbers as float64, text as strings."""
    return {
        c: frame[[c]].to_numpy(np.float64 if frame[c].dtype.kind in "fiub" else object)
        for c in frame.columns
    }


@pytest.mark.slow
@pytest.mark.parametrize(
    ("target", "dtype"),
    [("quality", "float64"), ("grade", "float32"), ("price", "float64"), ("price", "float32")],
)
def test_cli_train_export_runtime_equals_predict(orchard, tmp_path, capsys, target, dtype):
    data, run = orchard / "orchard.csv", tmp_path / "run"
    drop = ",".join(c for c in ("quality", "grade", "price") if c != target)
    code, _, _ = run_cli(
        capsys,
        "train",
        data,
        "--target",
        target,
        "--drop",
        drop,
        "--epochs",
        5,
        "--out",
        run,
        "--quiet",
        "--dtype",
        dtype,
    )
    assert code == 0
    code, _, err = run_cli(capsys, "export", run / "model.npz", "-o", tmp_path / "m.onnx")
    assert code == 0 and "wrote" in err
    model = onnx.load(tmp_path / "m.onnx")
    onnx.checker.check_model(model, full_check=True)
    assert [i.name for i in model.graph.input] == ["size", "weight", "color", "farm"]
    new = pd.read_csv(orchard / "new.csv")
    got = outputs(model, raw_feeds(new))
    code, out, _ = run_cli(capsys, "predict", run / "model.npz", orchard / "new.csv")
    assert code == 0
    predicted = pd.read_csv(io.StringIO(out))
    tol = TOL[np.dtype(dtype).type]
    if target == "price":
        np.testing.assert_allclose(got["variable"][:, 0], predicted["price"], rtol=tol, atol=tol)
        return
    assert got["label"].astype(str).tolist() == predicted["prediction"].astype(str).tolist()
    code, out, _ = run_cli(capsys, "predict", run / "model.npz", orchard / "new.csv", "--proba")
    assert code == 0
    written = pd.read_csv(io.StringIO(out))  # prediction, proba_<class>...
    assert written.columns[0] == "prediction" and all(written.columns[1:].str.startswith("proba_"))
    assert got["label"].astype(str).tolist() == written["prediction"].astype(str).tolist()
    proba = written.drop(columns="prediction").to_numpy()
    np.testing.assert_allclose(got["probabilities"], proba, rtol=0, atol=tol)


def test_cli_check_runs_onnx_runtime(orchard, tmp_path, capsys):
    run = tmp_path / "run"
    run_cli(
        capsys,
        "train",
        orchard / "orchard.csv",
        "--target",
        "grade",
        "--drop",
        "quality,price",
        "--epochs",
        3,
        "--out",
        run,
        "--quiet",
    )
    for dtype in ("float64", "float32"):
        code, out, _ = run_cli(capsys, "export", run / "model.npz", "--dtype", dtype, "--check")
        assert code == 0, out
        assert out.startswith("passed: ONNX Runtime vs layerwise on 256 generated rows")
    assert (run / "model.onnx").is_file()  # the default: MODEL with .onnx


def test_check_fails_when_the_graph_is_not_the_model(saved_net, monkeypatch, capsys):
    from layerwise.export import graph
    from layerwise.export.source import export_spec

    net = lw.load(saved_net)
    other = lw.Network(net.layer_dims, seed=1)  # same shapes, other weights
    result = check_onnx(net, to_onnx(other))
    assert not result.ok and result.max_difference > 1e-3
    assert str(result).startswith("FAILED: ONNX Runtime vs layerwise on 256 generated rows")
    real = graph.build_model
    monkeypatch.setattr(graph, "build_model", lambda spec, **kw: real(export_spec(other)))
    code, out, err = run_cli(capsys, "export", saved_net, "--check")
    assert code == 1 and out.startswith("FAILED")
    default = saved_net.with_suffix(".onnx")
    assert not default.exists() and f"not written: {default}" in err  # no failed output
    default.write_bytes(b"an earlier export")
    code, _, _ = run_cli(capsys, "export", saved_net, "--check", "-o", default)
    assert code == 1 and default.read_bytes() == b"an earlier export"  # left as it was
    assert sorted(p.name for p in saved_net.parent.iterdir()) == ["net.npz", "net.onnx"]


def test_a_model_with_a_repeated_category_is_refused_before_anything_is_written(tmp_path, capsys):
    from layerwise.data import Preprocessor

    rows = pd.DataFrame({"a": [1.0, 2.0, 4.0, 3.0], "c": ["x", "y", "x", "z"]})
    pre = Preprocessor().fit(rows, pd.DataFrame({"t": ["no", "yes", "no", "yes"]}))
    pre.categorical["c"] = ["x", "y", "z", "y"]  # "y" twice: two inputs for one value
    path = lw.save(lw.Network([pre.n_x, 2, pre.n_y], seed=0), tmp_path / "m.npz", preprocessor=pre)
    code, out, err = run_cli(capsys, "export", path, "--check")
    assert code == 2 and out == ""
    assert "not a valid layerwise model: categories of 'c' must hold distinct values" in err
    assert not (tmp_path / "m.onnx").exists()


def test_labels_at_the_decision_boundary_are_not_held_against_the_export():
    from layerwise.export.check import _near_boundary

    P = np.array([[0.5 - 1e-6, 0.5 + 1e-6], [0.9, 0.1]])  # (m, 2)
    assert _near_boundary("binary", P, 1e-5).tolist() == [True, False]
    P = np.array([[0.4, 0.4 + 1e-7, 0.2], [0.7, 0.2, 0.1]])  # (m, 3)
    assert _near_boundary("multiclass", P, 1e-5).tolist() == [True, False]
    assert _near_boundary("multilabel", P, 0.11).tolist() == [
        [True, True, False],
        [False, False, False],
    ]


def test_image_model_takes_pixels_and_scales_them_in_the_graph():
    rng = np.random.default_rng(0)
    pixels = pd.DataFrame(rng.integers(0, 256, (30, 4)).astype(float), columns=list("abcd"))
    pre = Preprocessor(scaling="unit").fit(
        pixels,
        pd.DataFrame({"y": rng.choice(["cat", "dog"], 30)}),
        image={"size": [2, 2], "mode": "L"},
    )
    net = lw.Network([4, 3, 1], seed=0)
    model = to_onnx(SavedModel(net, pre))
    assert [i.name for i in model.graph.input] == ["X"]
    result = check_onnx(SavedModel(net, pre), model)
    assert result.ok and result.max_difference < 1e-10, str(result)


@pytest.mark.parametrize("task", ["multilabel", "regression"])
def test_multilabel_and_multi_target_files_agree_with_layerwise(task):
    rng = np.random.default_rng(0)
    features = pd.DataFrame({"a": rng.normal(3, 2, 50), "b": rng.choice(["x", "y", "z"], 50)})
    target = pd.DataFrame({"p": rng.integers(0, 2, 50), "q": rng.integers(0, 2, 50)})
    if task == "regression":
        target = target * 10.0 + rng.normal(0, 1, (50, 2))
    pre = Preprocessor(task=task).fit(features, target)
    output = "sigmoid" if task == "multilabel" else "linear"
    net = lw.Network([pre.n_x, 5, 2], hidden="tanh", output=output, seed=0)
    saved = SavedModel(net, pre)
    model = to_onnx(saved)
    assert [o.name for o in model.graph.output] == (
        ["label", "probabilities"] if task == "multilabel" else ["variable"]
    )
    result = check_onnx(saved, model)
    assert result.ok and result.rows == 256, str(result)
    got = outputs(model, raw_feeds(features))
    decoded = pre.decode(net.predict_proba(pre.transform(features)))  # (m, 2)
    if task == "multilabel":
        np.testing.assert_array_equal(got["label"], decoded)
    else:
        np.testing.assert_allclose(got["variable"], decoded, rtol=1e-10, atol=1e-10)


def test_numeric_only_models_take_one_matrix_or_columns_on_request():
    rng = np.random.default_rng(0)
    features = pd.DataFrame({"b": rng.normal(5, 2, 60), "a": rng.normal(-1, 3, 60)})
    pre = Preprocessor().fit(features, pd.DataFrame({"y": rng.choice(["u", "v", "w"], 60)}))
    saved = SavedModel(lw.Network([2, 4, 3], output="softmax", seed=0), pre)
    matrix, columns = to_onnx(saved), to_onnx(saved, inputs="columns")
    assert [i.name for i in matrix.graph.input] == ["X"]
    assert [i.name for i in columns.graph.input] == ["b", "a"]
    props = {p.key: p.value for p in matrix.metadata_props}
    assert props["columns"] == '["b", "a"]' and props["input_layout"] == "matrix"
    by_matrix = outputs(matrix, {"X": features.to_numpy()})
    by_columns = outputs(columns, raw_feeds(features))
    AL = saved.network.predict_proba(pre.transform(features))  # (3, m)
    for got in (by_matrix, by_columns):
        np.testing.assert_allclose(got["probabilities"], AL.T, rtol=0, atol=1e-10)
        assert got["label"].tolist() == pre.decode(AL).tolist()
    assert check_onnx(saved, matrix).ok and check_onnx(saved, columns).ok


def test_matrix_inputs_need_numeric_columns(orchard, tmp_path, capsys):
    run = tmp_path / "run"
    run_cli(
        capsys,
        "train",
        orchard / "orchard.csv",
        "--target",
        "quality",
        "--drop",
        "grade,price",
        "--epochs",
        1,
        "--out",
        run,
        "--quiet",
    )
    code, _, err = run_cli(capsys, "export", run / "model.npz", "--inputs", "matrix")
    assert code == 2 and err.count("\n") == 1
    assert err.startswith("error: inputs='matrix' needs numeric columns only; this model also")
    with pytest.raises(ValueError, match=r"inputs must be one of .*got 'rows'"):
        to_onnx(run / "model.npz", inputs="rows")


def test_any_column_name_and_category_text_works():
    rng = np.random.default_rng(0)
    features = pd.DataFrame(
        {
            "size (cm)": rng.normal(0, 1, 20),
            "fruit color": rng.choice(["red", "dark green", "ß€"], 20),
            "X": rng.normal(0, 1, 20),  # the name a bare network's input has
        }
    )
    pre = Preprocessor().fit(features, pd.DataFrame({"y": rng.choice([3, 7], 20)}))
    saved = SavedModel(lw.Network([pre.n_x, 3, 1], seed=0), pre)
    model = to_onnx(saved)
    assert [i.name for i in model.graph.input] == ["size (cm)", "X", "fruit color"]
    got = outputs(model, raw_feeds(features))
    AL = saved.network.predict_proba(pre.transform(features))
    assert got["label"].tolist() == pre.decode(AL).tolist()
    np.testing.assert_allclose(got["probabilities"], pre.probabilities(AL), rtol=0, atol=1e-10)


# ----- bad input --------------------------------------------------------------------------------
@pytest.fixture
def saved_net(tmp_path):
    return lw.Network([3, 4, 1], seed=0).save(tmp_path / "net.npz")


def test_tampered_model_file_is_one_line_error(saved_net, tmp_path, capsys):
    edit_header(saved_net, lambda h: h["network"]["activations"].__setitem__(0, {"name": "swish"}))
    code, out, err = run_cli(capsys, "export", saved_net, "-o", tmp_path / "x.onnx")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and "unknown activation" in err and err.count("\n") == 1
    files = members(saved_net)
    files["W1.npy"] = files["W1.npy"][:-8]
    rewrite(saved_net, files)
    with pytest.raises(ValueError, match="not a valid layerwise model"):
        to_onnx(saved_net)


def test_unsupported_activation_is_refused():
    net = lw.Network([3, 4, 1], seed=0)
    net.layers[0].activation = Activation("swish", lambda Z: Z, None)
    with pytest.raises(ValueError, match="activation 'swish' of layer 1 has no ONNX operator"):
        to_onnx(net)


def test_unsupported_opset_and_dtype_are_refused(saved_net, capsys):
    net = lw.Network([3, 4, 1], seed=0)
    with pytest.raises(ValueError, match=r"opset must be from 13 to \d+ .* got 9"):
        to_onnx(net, opset=9)
    with pytest.raises(TypeError, match="opset must be an integer, got '17'"):
        to_onnx(net, opset="17")
    with pytest.raises(ValueError, match="dtype must be float32 or float64, got 'float16'"):
        to_onnx(net, dtype="float16")
    code, _, err = run_cli(capsys, "export", saved_net, "--opset", 99)
    assert code == 2 and err.startswith("error: opset must be from 13") and err.count("\n") == 1


def test_what_cannot_be_exported():
    with pytest.raises(TypeError, match=r"model must be a layerwise Network.*got dict"):
        to_onnx({})
    with pytest.raises(ValueError, match="this LayerwiseClassifier is not fitted"):
        to_onnx(lw.LayerwiseClassifier())
    with pytest.raises(FileNotFoundError, match="not found"):
        to_onnx("no/such/model.npz")


def test_a_column_named_like_an_output_is_refused():
    frame = pd.DataFrame({"label": [1.0, 2.0, 3.0, 4.0]})
    pre = Preprocessor().fit(frame, pd.DataFrame({"y": ["a", "b", "a", "b"]}))
    with pytest.raises(ValueError, match="column 'label' cannot name an ONNX input"):
        to_onnx(SavedModel(lw.Network([1, 1], seed=0), pre), inputs="columns")


def test_output_may_not_overwrite_the_model(saved_net, capsys):
    code, _, err = run_cli(capsys, "export", saved_net, "-o", saved_net)
    assert code == 2 and "would overwrite MODEL" in err


def test_without_onnx_the_cli_says_what_to_install(saved_net, monkeypatch, capsys):
    for name in [m for m in sys.modules if m.startswith(("layerwise.export.", "onnx"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "onnx", None)  # import onnx raises ImportError
    code, _, err = run_cli(capsys, "export", saved_net)
    assert code == 2
    assert (
        err
        == "error: exporting to ONNX needs the onnx package. Hint: pip install 'layerwise[onnx]'.\n"
    )


def test_without_onnxruntime_only_the_check_is_refused(saved_net, tmp_path, monkeypatch, capsys):
    for name in [m for m in sys.modules if m.startswith(("layerwise.export.", "onnxruntime"))]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    code, _, _ = run_cli(capsys, "export", saved_net, "-o", tmp_path / "net.onnx")
    assert code == 0 and onnx.load(tmp_path / "net.onnx").graph.input[0].name == "X"
    code, _, err = run_cli(capsys, "export", saved_net, "-o", tmp_path / "checked.onnx", "--check")
    assert code == 2 and not (tmp_path / "checked.onnx").exists()
    assert (
        err == "error: checking an ONNX export needs onnxruntime. Hint: pip install onnxruntime.\n"
    )


def test_import_layerwise_does_not_import_onnx():
    code = (
        "import sys, layerwise, layerwise.cli, layerwise.export; "
        "assert not {'onnx', 'onnxruntime', 'skl2onnx'} & set(sys.modules), sorted(sys.modules)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
