"""The lean predict paths equal the reference paths exactly.

- ``SavedModel.predict`` / ``predict_proba`` / ``output`` on a DataFrame, a dict of columns or
  a list of rows: :mod:`layerwise.data.fast` against ``Preprocessor.transform`` of the same
  data as a DataFrame, then ``Network.predict_proba`` (every output kind, gaps, dates,
  categories, infrequent and unseen ones; 1 row and many; float32 and float64);
- the estimators: the one-pass check of plain rows and the cache-free logits against
  scikit-learn's ``validate_data`` and ``Network.forward``;
- :func:`layerwise.inference.logits` / ``output`` against ``Network.forward``.
"""

from __future__ import annotations

import numpy as np
import pytest

import layerwise as lw
from layerwise.data import Preprocessor, SavedModel, TableError, fast
from layerwise.inference import logits, output

pd = pytest.importorskip("pandas")

TASKS = {
    "binary": lambda rng, m: pd.DataFrame({"y": rng.choice(["no", "yes"], m)}),
    "multiclass": lambda rng, m: pd.DataFrame({"y": rng.choice(["a", "b", "c"], m)}),
    "multilabel": lambda rng, m: pd.DataFrame(
        {"p": rng.integers(0, 2, m), "q": rng.integers(0, 2, m)}
    ),
    "regression": lambda rng, m: pd.DataFrame({"y": rng.normal(5, 2, m), "z": rng.normal(0, 1, m)}),
}


def _features(rng, m: int, gaps: bool = True) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "x": rng.normal(3, 2, m),
            "n": rng.integers(0, 9, m),
            "id": np.arange(m),
            "color": rng.choice(["red", "green", "blue", "grey"], m, p=[0.5, 0.3, 0.15, 0.05]),
            "day": rng.choice(["2024-01-05", "2023-07-09", "2020-02-29T12:30"], m),
        }
    )
    if gaps and m > 4:
        frame.loc[1, "x"] = np.nan
        frame.loc[2, "color"] = None
        frame.loc[3, "day"] = None
    return frame


def _model(task: str, dtype, **options) -> SavedModel:
    rng = np.random.default_rng(0)
    pre = Preprocessor(dropped=["id"], min_frequency=40, **options)
    pre.fit(_features(rng, 300, gaps=options.get("missing") != "refuse"), TASKS[task](rng, 300))
    net = lw.Network([pre.n_x, 7, pre.n_y], output=pre.output, dtype=dtype, seed=1)
    net.theta[:] = np.random.default_rng(1).normal(size=net.theta.shape)  # biases too
    return SavedModel(net, pre)


def _reference(saved: SavedModel, frame) -> np.ndarray:
    return saved.network.predict_proba(saved.preprocessor.transform(frame, saved.network.dtype))


def _inputs(frame):
    """The same data three ways, each with the DataFrame the reference reads."""
    columns = {c: frame[c].tolist() for c in frame.columns}
    rows = frame.to_dict("records")
    return [(frame, frame), (columns, pd.DataFrame(columns)), (rows, pd.DataFrame(rows))]


@pytest.mark.parametrize("task", list(TASKS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("m", [1, 9, 200])
def test_saved_model_predicts_what_the_reference_path_does(task, dtype, m) -> None:
    saved = _model(task, dtype)
    frame = _features(np.random.default_rng(m), m)
    frame.loc[0, "color"] = "purple"  # never seen: all zeros, counted
    for data, reference_frame in _inputs(frame):
        AL = _reference(saved, reference_frame)
        report = saved.preprocessor.report
        got = saved.output(data)
        assert got.dtype == AL.dtype and np.array_equal(got, AL)
        assert saved.preprocessor.report == report
        assert report["unseen"] == {"color": 1}
        np.testing.assert_array_equal(saved.predict(data), saved.preprocessor.decode(AL))
        if task != "regression":
            proba = saved.preprocessor.probabilities(AL)
            np.testing.assert_array_equal(saved.predict_proba(data), proba)


@pytest.mark.parametrize("m", [1, 100])
def test_the_numpy_transform_equals_the_reference_transform_bit_for_bit(m) -> None:
    saved = _model("binary", np.float64, scaling="unit")
    frame = _features(np.random.default_rng(7), m)[["day", "color", "x", "n"]]  # another order
    ref = saved.preprocessor.transform(frame)
    got = fast.transform(saved.preprocessor, frame)
    assert got.shape == ref.shape and got.strides == ref.strides
    assert np.array_equal(got, ref)


def test_one_row_as_a_mapping_of_values_is_a_list_of_one_row() -> None:
    saved = _model("multiclass", np.float64)
    row = _features(np.random.default_rng(6), 1, gaps=False).to_dict("records")[0]
    assert np.array_equal(saved.output(row), _reference(saved, pd.DataFrame([row])))
    np.testing.assert_array_equal(saved.predict(row), saved.predict([row]))


def test_columns_the_numpy_path_cannot_read_take_the_reference_path() -> None:
    saved = _model("multiclass", np.float64)
    frame = _features(np.random.default_rng(3), 20)
    frame["n"] = frame["n"].astype("Int64")  # nullable integers: pandas' own conversion
    assert fast.columns_of(saved.preprocessor, frame) is None
    np.testing.assert_array_equal(saved.output(frame), _reference(saved, frame))
    columns = {c: frame[c].tolist() for c in frame.columns}
    columns["x"][4] = None  # numbers with a None: objects, read by pandas
    assert fast.columns_of(saved.preprocessor, columns) is None
    np.testing.assert_array_equal(saved.output(columns), _reference(saved, pd.DataFrame(columns)))


def test_the_numpy_path_refuses_what_the_reference_refuses() -> None:
    saved = _model("binary", np.float64, unseen="error")
    frame = _features(np.random.default_rng(4), 3, gaps=False)
    frame.loc[0, "color"] = "purple"
    with pytest.raises(TableError, match=r"color.*never seen in training \(e.g. 'purple'\)"):
        saved.predict(frame)
    frame = _features(np.random.default_rng(4), 3, gaps=False)
    frame.loc[1, "x"] = np.inf
    with pytest.raises(ValueError, match=r"column 'x' has 1 infinite values \(first at row 2\)"):
        saved.predict(frame.to_dict("records"))
    with pytest.raises(ValueError, match="column 'size' was not seen"):
        saved.predict(frame.assign(size=1.0))
    with pytest.raises(ValueError, match="column 'color' is missing"):
        saved.predict({"x": [1.0], "n": [2], "day": ["2024-01-01"]})
    refuse = _model("binary", np.float64, missing="refuse")
    rows = _features(np.random.default_rng(5), 2, gaps=False).to_dict("records")
    rows[1]["x"] = None
    with pytest.raises(TableError, match="x"):
        refuse.predict(rows)


def test_a_saved_model_without_preprocessing_says_what_to_call() -> None:
    saved = SavedModel(lw.Network([2, 3, 1], seed=0))
    with pytest.raises(ValueError, match=r"needs a model with preprocessing.*network\.predict"):
        saved.predict({"a": [1.0], "b": [2.0]})


# ----- the network's forward pass without caches -------------------------------------------
@pytest.mark.parametrize("output_kind", ["sigmoid", "softmax", "linear"])
@pytest.mark.parametrize("hidden", ["relu", "tanh", "leaky_relu", "sigmoid"])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("m", [1, 300])
def test_inference_equals_the_forward_pass_bit_for_bit(output_kind, hidden, dtype, m) -> None:
    net = lw.Network([6, 9, 5, 3], hidden=hidden, output=output_kind, dtype=dtype, seed=2)
    net.theta[:] = np.random.default_rng(2).normal(size=net.theta.shape)  # biases too
    X = np.random.default_rng(m).standard_normal((m, 6)).astype(dtype).T  # (6, m), a view
    AL, caches = net.forward(X)
    assert np.array_equal(logits(net.layers, X), caches[-1].Z)
    got = output(net.layers, X)
    assert got.dtype == AL.dtype and np.array_equal(got, AL)


# ----- the estimators ----------------------------------------------------------------------
def _classifier(y, **options):
    from layerwise.estimators import LayerwiseClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    return LayerwiseClassifier((8,), max_epochs=3, random_state=0, **options).fit(X, y(X)), X


TARGETS = {
    "binary": lambda X: (X[:, 0] > 0).astype(int),
    "multiclass": lambda X: np.digitize(X[:, 0], [-0.5, 0.5]),
    "multilabel": lambda X: np.stack([X[:, 0] > 0, X[:, 1] > 0], axis=1).astype(int),
}


def _reference_logits(est, X):
    from sklearn.utils.validation import validate_data

    from layerwise.estimators.missing import imputed_inputs

    X = validate_data(
        est, X, reset=False, dtype=est.network_.dtype, order="C", ensure_all_finite="allow-nan"
    )
    return est.network_.forward(imputed_inputs(est, X).T)[1][-1].Z


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("m", [1, 50])
def test_estimator_predictions_equal_the_reference_path(target, dtype, m) -> None:
    from layerwise.activations import sigmoid, softmax

    est, X = _classifier(TARGETS[target], dtype=dtype)
    rows = X[:m].astype(np.float64)  # converted to the network's dtype as validate_data does
    Z = _reference_logits(est, rows)
    assert np.array_equal(est._logits(rows), Z)
    if target == "binary":
        expected = np.stack([sigmoid(-Z[0]), sigmoid(Z[0])], axis=1)
    else:
        expected = sigmoid(Z).T if target == "multilabel" else softmax(Z).T
    got = est.predict_proba(rows)
    assert got.dtype == expected.dtype and np.array_equal(got, expected)


def test_estimator_rows_the_quick_check_does_not_take_go_through_scikit_learn() -> None:
    est, X = _classifier(TARGETS["binary"], missing="refuse")
    assert est._plain_rows(X[:3]) is not None
    gap = X[:3].copy()
    gap[1, 2] = np.nan
    assert est._plain_rows(gap) is None
    with pytest.raises(ValueError, match="Input X contains NaN"):
        est.predict(gap)
    infinite = X[:3].copy()
    infinite[0, 0] = np.inf
    with pytest.raises(ValueError, match="Input X contains infinity"):
        est.predict_proba(infinite)
    with pytest.raises(
        ValueError, match="X has 4 features, but LayerwiseClassifier is expecting 5"
    ):
        est.predict(X[:3, :4])
    assert est._plain_rows(X[:3].astype(np.int64)) is None  # integers: scikit-learn converts
    np.testing.assert_array_equal(est.predict(X[:3].astype(np.float32)), est.predict(X[:3]))


class _Doubled(lw.Network):
    """A subclass whose forward pass is its own: predict_proba must run it."""

    def forward(self, X, dropout=None):
        AL, caches = super().forward(X, dropout)
        return 2 * AL, caches


def test_predict_proba_takes_the_lean_path_only_for_the_library_forward() -> None:
    X = np.random.default_rng(0).standard_normal((2, 4))
    plain, doubled = lw.Network([2, 3, 1], seed=0), _Doubled([2, 3, 1], seed=0)
    assert np.array_equal(plain.predict_proba(X), plain.forward(X)[0])
    assert np.array_equal(doubled.predict_proba(X), 2 * plain.predict_proba(X))
    with pytest.raises(ValueError, match="X must have 2 rows"):
        plain.predict_proba(X.T)


def test_predict_proba_runs_a_subclass_private_forward_and_a_layer_subclass() -> None:
    class Halved(lw.Network):
        def _forward(self, A, dropout=None):
            AL, caches = super()._forward(A, dropout)
            return AL / 2, caches

    class Shifted(lw.Dense):
        def forward(self, A_prev):
            A, cache = super().forward(A_prev)
            return A + 1, cache

    X = np.random.default_rng(0).standard_normal((2, 4))
    plain, halved = lw.Network([2, 3, 1], seed=0), Halved([2, 3, 1], seed=0)
    assert np.array_equal(halved.predict_proba(X), plain.predict_proba(X) / 2)
    shifted = lw.Network([2, 3, 1], seed=0)
    shifted.layers[0] = Shifted(
        shifted.layers[0].W, shifted.layers[0].b, shifted.layers[0].activation
    )
    assert np.array_equal(shifted.predict_proba(X), shifted.forward(X)[0])
    assert not np.array_equal(shifted.predict_proba(X), plain.predict_proba(X))


def test_a_wide_table_takes_the_reference_path() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(5, 300)), columns=[f"p{j}" for j in range(300)])
    pre = Preprocessor().fit(frame, pd.DataFrame({"y": [0, 1, 0, 1, 1]}))
    assert fast.columns_of(pre, frame) is None
    np.testing.assert_array_equal(fast.transform(pre, frame), pre.transform(frame))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_regressor_predictions_with_gaps_equal_the_reference_path(dtype) -> None:
    from layerwise.estimators import LayerwiseRegressor

    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 4))
    X[3, 1] = np.nan  # imputed: a column with an indicator
    y = rng.normal(size=(80, 2))
    est = LayerwiseRegressor((6,), max_epochs=2, random_state=0, dtype=dtype).fit(X, y)
    for rows in (X[:1], X[:10], X[2:5]):  # plain rows, and rows with a gap
        Z = _reference_logits(est, rows).T
        scale, mean = est.target_scale_.astype(Z.dtype), est.target_mean_.astype(Z.dtype)
        np.testing.assert_array_equal(est.predict(rows), Z * scale + mean)


@pytest.mark.parametrize("m", [6, 21])
def test_values_equal_in_python_but_not_as_text_keep_their_own_category(m) -> None:
    # pandas' hashing takes True, 1 and 1.0 for one value; the reference compares str(value)
    rng = np.random.default_rng(4)
    features = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(["1", "True", "a"], 300)})
    pre = Preprocessor(unseen="ignore").fit(
        features, pd.DataFrame({"y": rng.choice(["n", "y"], 300)})
    )
    net = lw.Network([pre.n_x, 4, pre.n_y], output=pre.output, seed=1)
    net.theta[:] = np.random.default_rng(1).normal(size=net.theta.shape)
    saved = SavedModel(net, pre)
    values = [True, 1, "a", 1.0, "1", "True"] * (m // 6) + ["a"] * (m % 6)
    frame = pd.DataFrame({"x": np.linspace(-1, 1, m), "c": pd.Series(values, dtype=object)})
    np.testing.assert_array_equal(saved.output(frame), _reference(saved, frame))


def test_a_mapping_of_series_with_other_indexes_lines_up_as_pandas_does() -> None:
    saved = _model("binary", np.float64)
    frame = _features(np.random.default_rng(8), 30, gaps=False)
    columns = {c: frame[c] for c in frame.columns}
    columns["n"] = frame["n"][::-1]  # the same values, another index order
    assert fast.columns_of(saved.preprocessor, columns) is None
    np.testing.assert_array_equal(saved.output(columns), _reference(saved, pd.DataFrame(columns)))
    same = {c: frame[c] for c in frame.columns}
    assert fast.columns_of(saved.preprocessor, same) is not None
