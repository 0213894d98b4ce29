"""ONNX agrees with predict on real tables: gaps, unseen and rare categories, refused rows."""

import numpy as np
import pytest

import layerwise as lw

pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")
pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from layerwise.data import Preprocessor, SavedModel  # noqa: E402
from layerwise.export import to_onnx  # noqa: E402


def feeds(frame) -> dict:
    """One (N, 1) input per column: numbers as float64 (a gap NaN), text as strings (a gap
    the empty string, as the graph expects it)."""
    out = {}
    for c in frame.columns:
        if frame[c].dtype.kind in "fiub":
            out[c] = frame[[c]].to_numpy(np.float64)
        else:
            out[c] = frame[[c]].fillna("").astype(str).to_numpy(object)
    return out


def outputs(model, data) -> dict:
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return dict(zip([o.name for o in sess.get_outputs()], sess.run(None, data), strict=True))


SHARES = [0.4, 0.3, 0.2, 0.05, 0.05]  # teal and pink: rare


def table(rng, m: int, gaps: float):
    frame = pd.DataFrame(
        {
            "a": rng.normal(0, 1, m),
            "b": rng.normal(5, 2, m),
            "color": rng.choice(["red", "green", "blue", "teal", "pink"], m, p=SHARES),
            "size": rng.choice(["S", "M", "L"], m),
        }
    )
    for column in frame.columns:
        hole = rng.random(m) < gaps
        frame[column] = frame[column].astype(object if column in ("color", "size") else float)
        frame.loc[hole, column] = np.nan if column in ("a", "b") else None
    target = pd.DataFrame({"y": rng.choice(["no", "yes", "maybe"], m)})
    return frame, target


def agree(pre, net, frame) -> None:
    """predict (Preprocessor + Network) and ONNX Runtime: the same labels, probabilities
    within 1e-6."""
    AL = net.predict_proba(pre.transform(frame))
    got = outputs(to_onnx(SavedModel(net, pre)), feeds(frame))
    np.testing.assert_allclose(got["probabilities"], pre.probabilities(AL), rtol=0, atol=1e-6)
    assert got["label"].tolist() == pre.decode(AL).tolist()


@pytest.mark.slow
@settings(max_examples=15, deadline=None)
@given(
    seed=st.integers(0, 10_000),
    gaps=st.sampled_from([0.0, 0.1, 0.3]),
    min_frequency=st.sampled_from([None, 2, 8]),
    layers=st.sampled_from([[], [4]]),
)
def test_predict_estimator_and_onnx_runtime_agree_on_random_tables(
    seed, gaps, min_frequency, layers
):
    from layerwise.estimators import LayerwiseClassifier
    from layerwise.export.graph import build_model
    from layerwise.export.source import export_spec

    rng = np.random.default_rng(seed)
    frame, target = table(rng, 40, gaps)
    pre = Preprocessor(min_frequency=min_frequency).fit(frame, target)
    net = lw.Network([pre.n_x, *layers, pre.n_y], output=pre.output, seed=seed)
    new, _ = table(np.random.default_rng(seed + 1), 25, 0.2)  # gaps where training had none
    new.loc[0, "color"], new.loc[1, "size"] = "arctic", "XXL"  # never seen
    agree(pre, net, new)
    assert pre.report["unseen"].get("color", 0) >= 1
    # the estimator, on the numbers with gaps, and its graph
    X = frame[["a", "b"]].to_numpy(np.float64)
    est = LayerwiseClassifier(tuple(layers), max_epochs=2, random_state=seed)
    est.fit(X, target["y"].to_numpy())
    X_new = new[["a", "b"]].to_numpy(np.float64)
    got = outputs(build_model(export_spec(est)), {"X": X_new})
    np.testing.assert_allclose(got["probabilities"], est.predict_proba(X_new), atol=1e-6)
    assert got["label"].tolist() == est.predict(X_new).tolist()
    # the same network behind predict's preprocessing: the same imputation, the same rows
    numbers = Preprocessor(scaling="none").fit(frame[["a", "b"]], target)
    assert numbers.indicators == [c for c in ("a", "b") if frame[c].isna().any()]
    AL = est.network_.predict_proba(numbers.transform(new[["a", "b"]]))
    np.testing.assert_allclose(numbers.probabilities(AL), est.predict_proba(X_new), atol=1e-6)


def test_a_refusing_model_gives_a_gap_nan_and_a_marked_label_not_a_confident_one():
    rng = np.random.default_rng(0)
    frame, target = table(rng, 40, 0.0)
    pre = Preprocessor(missing="refuse", unseen="error").fit(frame, target)
    net = lw.Network([pre.n_x, 3], output="softmax", seed=0)
    new = frame.head(5).copy()
    new.loc[1, "a"], new.loc[2, "color"], new.loc[3, "size"] = np.nan, None, "XXL"
    got = outputs(to_onnx(SavedModel(net, pre)), feeds(new))
    assert np.isnan(got["probabilities"][1:4]).all()
    assert got["label"].tolist()[1:4] == ["", "", ""]
    AL = net.predict_proba(pre.transform(new.iloc[[0, 4]]))
    np.testing.assert_allclose(got["probabilities"][[0, 4]], pre.probabilities(AL), atol=1e-10)
    # an estimator that refuses NaN: integer classes, the label -1
    est = lw.LayerwiseClassifier((), max_epochs=1, random_state=0, missing="refuse")
    est.fit(rng.normal(size=(30, 2)), rng.integers(0, 2, 30))
    X = np.array([[0.0, np.nan], [1.0, 1.0]])
    got = outputs(to_onnx(est), {"X": X})
    assert got["label"].tolist() == [-1, est.predict(X[1:])[0]]
    assert np.isnan(got["probabilities"][0]).all()


def test_a_model_with_dates_is_refused_by_name():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "signup": ["2024-01-0" + d for d in "1234"]})
    pre = Preprocessor().fit(frame, pd.DataFrame({"y": [0, 1, 0, 1]}))
    net = lw.Network([pre.n_x, 1], seed=0)
    with pytest.raises(ValueError, match=r"this model has date columns \(signup\): .* Hint"):
        to_onnx(SavedModel(net, pre))


def test_a_numeric_model_imputes_in_its_matrix_input_and_refuses_where_predict_does():
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"a": rng.normal(0, 1, 30), "b": rng.normal(3, 2, 30)})
    frame.loc[[2, 7], "b"] = np.nan
    target = pd.DataFrame({"y": rng.choice([2.5, 7.5], 30)})
    pre = Preprocessor(task="binary").fit(frame, target)
    net = lw.Network([pre.n_x, 3, 1], seed=1)
    model = to_onnx(SavedModel(net, pre))
    assert [i.name for i in model.graph.input] == ["X"] and pre.indicators == ["b"]
    new = frame.head(6).copy()
    new.loc[0, "a"] = np.nan  # no gap there in training: imputed, no indicator
    got = outputs(model, {"X": new.to_numpy(np.float64)})
    AL = net.predict_proba(pre.transform(new))
    np.testing.assert_allclose(got["probabilities"], pre.probabilities(AL), rtol=0, atol=1e-10)
    assert got["label"].tolist() == pre.decode(AL).tolist()
    strict = Preprocessor(task="binary", missing="refuse").fit(
        frame.dropna(), target[frame.b.notna()]
    )
    net = lw.Network([strict.n_x, 1], seed=1)
    got = outputs(to_onnx(SavedModel(net, strict)), {"X": new.to_numpy(np.float64)})
    assert np.isnan(got["label"][[0, 2]]).all() and not np.isnan(got["label"][[1, 3]]).any()
    assert np.isnan(got["probabilities"][0]).all()


def test_an_infinite_number_is_refused_in_the_graph_as_predict_refuses_it():
    rng = np.random.default_rng(2)
    frame, target = table(rng, 40, 0.1)  # imputing: a gap is filled, ±inf is not
    pre = Preprocessor().fit(frame, target)
    net = lw.Network([pre.n_x, 3], output="softmax", seed=0)
    new = frame.head(4).copy()
    new.loc[1, "a"], new.loc[2, "b"] = np.inf, -np.inf
    with pytest.raises(ValueError, match="infinite"):
        pre.transform(new)
    got = outputs(to_onnx(SavedModel(net, pre)), feeds(new))
    assert np.isnan(got["probabilities"][1:3]).all() and got["label"].tolist()[1:3] == ["", ""]
    assert not np.isnan(got["probabilities"][[0, 3]]).any()
    est = lw.LayerwiseClassifier((), max_epochs=1, random_state=0)  # imputing estimator
    est.fit(rng.normal(size=(30, 2)), rng.integers(0, 2, 30))
    X = np.array([[0.0, np.inf], [np.nan, 1.0]])
    got = outputs(to_onnx(est), {"X": X})
    assert got["label"].tolist() == [-1, est.predict(X[1:])[0]]
    assert np.isnan(got["probabilities"][0]).all() and not np.isnan(got["probabilities"][1]).any()
