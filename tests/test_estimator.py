"""LayerwiseClassifier / LayerwiseRegressor: targets, weights, fitting modes, errors, saving."""

from __future__ import annotations

import copy
import json
import pickle
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone
from sklearn.datasets import make_classification, make_multilabel_classification
from sklearn.metrics import recall_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

import layerwise as lw
from layerwise.estimators import LayerwiseClassifier, LayerwiseRegressor, load_estimator
from layerwise.estimators import base as est_module
from layerwise.parameters import parameter_blocks
from layerwise.training import fit
from model_files import edit_header, members

FAST = dict(hidden_layer_sizes=(16,), learning_rate=0.01, max_epochs=40, random_state=0)


@pytest.fixture
def blob_rows():
    """Three separable classes, rows = examples: X (150, 4), y (150,) in {0, 1, 2}."""
    X, y = make_classification(
        150, 4, n_informative=3, n_redundant=0, n_classes=3, class_sep=2.0, random_state=0
    )
    return X, y


@pytest.fixture
def linear_data():
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 3))
    Y = X @ np.array([[1.0, -2.0], [0.5, 0.0], [0.0, 1.0]]) + 0.1  # (120, 2)
    return X, Y


# ----- exports ---------------------------------------------------------------------------------
def test_classes_are_exported_lazily_from_the_package():
    assert lw.LayerwiseClassifier is LayerwiseClassifier
    assert lw.LayerwiseRegressor is LayerwiseRegressor


def test_import_layerwise_works_without_sklearn():
    code = (
        "import sys; sys.modules['sklearn'] = None\n"
        "import layerwise\n"
        "try:\n"
        "    layerwise.LayerwiseClassifier\n"
        "except ImportError as err:\n"
        "    print('ImportError:', err)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "pip install 'layerwise[sklearn]'" in out.stdout


# ----- targets ---------------------------------------------------------------------------------
def test_binary_string_labels_one_sigmoid_unit(blob_rows):
    X, y = blob_rows
    labels = np.where(y == 0, "cat", "dog")
    clf = LayerwiseClassifier(**FAST).fit(X, labels)
    assert clf.network_.layer_dims == [4, 16, 1] and clf.network_.output == "sigmoid"
    assert clf.classes_.tolist() == ["cat", "dog"]
    assert set(clf.predict(X)) <= {"cat", "dog"}
    P = clf.predict_proba(X)
    assert P.shape == (150, 2)
    np.testing.assert_allclose(P.sum(axis=1), 1)
    np.testing.assert_array_equal(clf.classes_[P.argmax(axis=1)], clf.predict(X))
    assert clf.score(X, labels) > 0.9


def test_multiclass_integer_labels_softmax(blob_rows):
    X, y = blob_rows
    labels = np.array([3, 7, 11])[y]
    clf = LayerwiseClassifier(**FAST).fit(X, labels)
    assert clf.network_.output == "softmax" and clf.network_.layer_dims[-1] == 3
    assert clf.classes_.tolist() == [3, 7, 11]
    assert clf.score(X, labels) > 0.9
    np.testing.assert_allclose(clf.predict_log_proba(X), np.log(clf.predict_proba(X)), atol=1e-12)


def test_log_proba_stays_finite_where_probabilities_underflow(blob_rows):
    X, y = blob_rows
    clf = LayerwiseClassifier(**FAST).fit(X, y == 0)
    assert np.isfinite(clf.predict_log_proba(X * 1e4)).all()


def test_multilabel_indicator_independent_sigmoids():
    X, Y = make_multilabel_classification(200, 6, n_classes=4, random_state=0)
    X = StandardScaler().fit_transform(X)
    clf = LayerwiseClassifier(**FAST).fit(X, Y)
    assert clf.network_.layer_dims[-1] == 4
    assert clf.network_.loss.name == "multilabel_crossentropy"
    assert clf.classes_.tolist() == [0, 1, 2, 3]
    pred = clf.predict(X)
    assert pred.shape == (200, 4) and set(np.unique(pred)) <= {0, 1}
    assert clf.predict_proba(X).shape == (200, 4)
    assert np.mean(pred == Y) > 0.75  # predicting each label's majority: 0.55


def test_multiclass_multioutput_is_refused(blob_rows):
    X, y = blob_rows
    with pytest.raises(ValueError, match="multiclass-multioutput"):
        LayerwiseClassifier(**FAST).fit(X, np.stack([y, y], axis=1))


def test_multi_output_regression(linear_data):
    X, Y = linear_data
    reg = LayerwiseRegressor((16,), "tanh", learning_rate=0.01, max_epochs=300, random_state=0)
    reg.fit(X, Y)
    assert reg.network_.layer_dims == [3, 16, 2] and reg.network_.loss.name == "squared_error"
    assert reg.predict(X).shape == (120, 2)
    assert reg.score(X, Y) > 0.95
    assert reg.fit(X, Y[:, 0]).predict(X).shape == (120,)


@pytest.mark.parametrize("cls", [LayerwiseClassifier, LayerwiseRegressor])
def test_float32_input_stays_float32(blob_rows, cls):
    X, y = blob_rows
    model = cls(**FAST).fit(X.astype(np.float32), y)
    assert model.network_.dtype == np.float32
    out = model.predict_proba(X) if cls is LayerwiseClassifier else model.predict(X)
    assert out.dtype == np.float32
    assert cls(**FAST).fit(X, y).network_.dtype == np.float64
    assert cls(**FAST, dtype="float64").fit(X.astype(np.float32), y).network_.dtype == np.float64
    assert cls(**FAST, dtype=np.float32).fit(X, y).network_.dtype == np.float32


# ----- fitted attributes and fitting modes -------------------------------------------------------
def test_fitted_attributes(blob_rows):
    pd = pytest.importorskip("pandas")
    X, y = blob_rows
    frame = pd.DataFrame(X, columns=["a", "b", "c", "d"])
    clf = LayerwiseClassifier(**FAST).fit(frame, y)
    assert isinstance(clf.network_, lw.Network)
    assert clf.n_features_in_ == 4 and clf.feature_names_in_.tolist() == ["a", "b", "c", "d"]
    assert clf.n_iter_ == 40 == len(clf.loss_curve_)
    assert clf.loss_curve_[-1] < clf.loss_curve_[0]
    assert clf.validation_loss_curve_ is None


def test_early_stopping_holds_out_rows_and_stops(blob_rows):
    X, y = blob_rows
    clf = LayerwiseClassifier((16,), learning_rate=0.05, max_epochs=500, early_stopping=True)
    clf.set_params(patience=3, random_state=0).fit(X, y)
    assert clf.n_iter_ < 500
    assert len(clf.validation_loss_curve_) == clf.n_iter_ == len(clf.loss_curve_)
    assert clf.score(X, y) > 0.9


def test_early_stopping_with_sample_weight(blob_rows):
    X, y = blob_rows
    clf = LayerwiseClassifier(**FAST, early_stopping=True, patience=3)
    clf.fit(X, y, sample_weight=np.where(y == 0, 2.0, 1.0))
    assert len(clf.validation_loss_curve_) == clf.n_iter_


def test_warm_start_continues_exactly(blob_rows):
    """5 + 5 epochs == 10 epochs: the optimizer's moments carry over (full batch: no shuffles)."""
    X, y = blob_rows
    once = LayerwiseClassifier(**{**FAST, "max_epochs": 10}, batch_size=None).fit(X, y)
    twice = LayerwiseClassifier(**{**FAST, "max_epochs": 5}, batch_size=None, warm_start=True)
    twice.fit(X, y).fit(X, y)
    assert twice.n_iter_ == 10 and len(twice.loss_curve_) == 10
    np.testing.assert_allclose(twice.network_.theta, once.network_.theta, rtol=1e-12)


def test_partial_fit_epochs_equal_fit_epochs(blob_rows):
    X, y = blob_rows
    full = LayerwiseClassifier(**{**FAST, "max_epochs": 4}, batch_size=None).fit(X, y)
    inc = LayerwiseClassifier(**FAST, batch_size=None)
    for _ in range(4):
        inc.partial_fit(X, y, classes=[0, 1, 2])
    assert inc.n_iter_ == 4
    np.testing.assert_allclose(inc.network_.theta, full.network_.theta, rtol=1e-12)


def test_partial_fit_needs_classes_first_and_knows_them_later(blob_rows):
    X, y = blob_rows
    clf = LayerwiseClassifier(**FAST)
    with pytest.raises(ValueError, match="classes must be passed on the first call"):
        clf.partial_fit(X, y)
    assert not hasattr(clf, "classes_")
    clf.partial_fit(X[y < 2], y[y < 2], classes=[0, 1, 2])  # a batch may lack a class
    assert clf.network_.output == "softmax"
    with pytest.raises(ValueError, match=r"labels \[5\] not in classes_"):
        clf.partial_fit(X[:3], [0, 1, 5])
    with pytest.raises(ValueError, match=r"differs from classes_ \[0, 1, 2\]"):
        clf.partial_fit(X, y, classes=[0, 1])


def test_partial_fit_multilabel_and_regressor(linear_data):
    X, Y = make_multilabel_classification(60, 5, n_classes=3, random_state=0)
    clf = LayerwiseClassifier(**FAST).partial_fit(X, Y)
    assert clf.classes_.tolist() == [0, 1, 2]
    X, Y = linear_data
    reg = LayerwiseRegressor(**FAST)
    for _ in range(3):
        reg.partial_fit(X, Y)
    assert reg.n_iter_ == 3 and reg.loss_curve_[2] < reg.loss_curve_[0]


def test_warm_start_refuses_a_different_architecture(blob_rows):
    X, y = blob_rows
    clf = LayerwiseClassifier(**FAST, warm_start=True).fit(X, y)
    with pytest.raises(ValueError, match="warm_start=False"):
        clf.set_params(hidden_layer_sizes=(8,)).fit(X, y)


def test_activation_per_layer_and_aliases(blob_rows):
    X, y = blob_rows
    clf = LayerwiseClassifier((8, 8), ["tanh", "leaky_relu"], max_epochs=2).fit(X, y)
    assert [a.name for a in clf.network_.activations] == ["tanh", "leaky_relu", "softmax"]
    clf = LayerwiseClassifier((8,), "logistic", max_epochs=2).fit(X, y)
    assert clf.network_.activations[0].name == "sigmoid"
    assert LayerwiseClassifier((), max_epochs=2).fit(X, y).network_.layer_dims == [4, 3]


def test_predict_in_chunks_matches(blob_rows, monkeypatch):
    X, y = blob_rows
    clf = LayerwiseClassifier(**FAST).fit(X, y)
    expected = clf.predict_proba(X)
    monkeypatch.setattr(est_module, "_PREDICT_CHUNK", 7)
    np.testing.assert_allclose(clf.predict_proba(X), expected, rtol=1e-12)  # BLAS may reorder


def test_verbose_prints_a_line_per_epoch(blob_rows, capsys):
    X, y = blob_rows
    LayerwiseClassifier(**{**FAST, "max_epochs": 3}, verbose=True).fit(X, y)
    assert capsys.readouterr().err.count("\n") >= 3


# ----- sample weights -----------------------------------------------------------------------------
@pytest.mark.parametrize("optimizer", ["gd", "adam"])
@pytest.mark.parametrize("cls", [LayerwiseClassifier, LayerwiseRegressor])
def test_weight_two_equals_duplicating_the_row(blob_rows, cls, optimizer):
    """Full batch, same seed: weight 2 on rows 0 and 5 == those rows twice (L2 term included)."""
    X, y = blob_rows
    y = y.astype(float) if cls is LayerwiseRegressor else y
    params = dict(FAST, batch_size=None, optimizer=optimizer, l2=0.1)
    w = np.ones(len(y))
    w[[0, 5]] = 2
    weighted = cls(**params).fit(X, y, sample_weight=w)
    rows = np.r_[np.arange(len(y)), 0, 5]
    duplicated = cls(**params).fit(X[rows], y[rows])
    np.testing.assert_allclose(weighted.network_.theta, duplicated.network_.theta, rtol=1e-9)
    np.testing.assert_allclose(weighted.loss_curve_, duplicated.loss_curve_, rtol=1e-9)


def test_unit_weights_are_the_unweighted_fit(blob_rows):
    X, y = blob_rows
    a = LayerwiseClassifier(**FAST, batch_size=32).fit(X, y, sample_weight=np.ones(len(y)))
    b = LayerwiseClassifier(**FAST, batch_size=32).fit(X, y)
    np.testing.assert_array_equal(a.network_.theta, b.network_.theta)


def test_one_number_weighs_every_row(blob_rows):
    """scikit-learn's convention: a scalar sample_weight is that weight on every row."""
    X, y = blob_rows
    a = LayerwiseRegressor(**FAST).fit(X, y, sample_weight=3.0)
    b = LayerwiseRegressor(**FAST).fit(X, y, sample_weight=np.full(len(y), 3.0))
    np.testing.assert_array_equal(a.network_.theta, b.network_.theta)


def _reference_weighted_fit(net, X, Y, w, *, epochs, batch_size, dev, optimizer, learning_rate):
    """Integer weights, no shuffle: each batch's columns repeated w_i times through
    ``Network.forward/backward``. That batch's mean gradient, times Σ_b w / (B mean(w)), is the
    weighted one (L2 term included); costs are rescaled the same way. Returns cost, dev_cost."""
    m, s = X.shape[1], w.mean()
    opt, grad = lw.get_optimizer(optimizer, learning_rate), np.zeros_like(net.theta)
    blocks = parameter_blocks(grad, net.layer_dims)  # [dW | db] views, like theta's
    cost, dev_cost = [], []
    for _ in range(epochs):
        cost.append(0.0)
        for i in range(0, m, batch_size or m):
            batch = np.arange(i, min(i + (batch_size or m), m))
            cols = np.repeat(batch, w[batch].astype(int))
            AL, caches = net.forward(X[:, cols])
            cost[-1] += net.cost(AL, Y[:, cols], caches) * len(cols) / (m * s)
            g, k = net.backward(AL, Y[:, cols], caches), len(cols) / (len(batch) * s)
            for l, Wb in enumerate(blocks, start=1):
                Wb[:, :-1], Wb[:, -1:] = k * g[f"dW{l}"], k * g[f"db{l}"]
            opt.step(net.theta, grad)
        cols = np.repeat(np.arange(dev[0].shape[1]), dev[2].astype(int))
        AL, caches = net.forward(dev[0][:, cols])
        dev_cost.append(net.cost(AL, dev[1][:, cols], caches))
    return cost, dev_cost


@pytest.mark.parametrize(("output", "n_y"), [("sigmoid", 1), ("softmax", 3), ("linear", 2)])
@pytest.mark.parametrize("batch_size", [None, 32])
def test_engine_weights_match_the_weighted_reference(output, n_y, batch_size):
    rng = np.random.default_rng(5)
    X = rng.standard_normal((4, 70))  # (n_x, m)
    if output == "softmax":
        Y = np.eye(3)[:, rng.integers(0, 3, 70)]
    elif output == "sigmoid":
        Y = (rng.random((1, 70)) > 0.5).astype(float)
    else:
        Y = rng.standard_normal((n_y, 70))
    w = rng.integers(0, 4, 70).astype(float)
    w[::7] = 1  # no batch without weight
    dev = (X[:, :20], Y[:, :20], w[:20] + 1)
    nets = [lw.Network([4, 6, n_y], output=output, seed=0, l2=0.2) for _ in "ab"]
    options = dict(epochs=3, batch_size=batch_size, dev=dev, optimizer="adam", learning_rate=0.01)
    cost, dev_cost = _reference_weighted_fit(nets[0], X, Y, w, **options)
    h = fit(nets[1], X, Y, sample_weight=w, shuffle=False, **options)
    np.testing.assert_allclose(nets[1].theta, nets[0].theta, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(h.cost, cost, rtol=1e-9)
    np.testing.assert_allclose(h.dev_cost, dev_cost, rtol=1e-9)


def test_engine_scaling_all_weights_is_scaling_the_data():
    """Weights k on every row == the data k times: the data term is unchanged, λ acts as λ/k."""
    rng = np.random.default_rng(2)
    X, Y = rng.standard_normal((3, 40)), rng.standard_normal((1, 40))
    a = lw.Network([3, 4, 1], output="linear", seed=0, l2=0.3)
    b = lw.Network([3, 4, 1], output="linear", seed=0, l2=0.1)
    fit(a, X, Y, sample_weight=np.full(40, 3.0), epochs=5, learning_rate=0.1)
    fit(b, X, Y, sample_weight=np.ones(40), epochs=5, learning_rate=0.1)
    np.testing.assert_allclose(a.theta, b.theta, rtol=1e-12)


def test_class_weight_balanced_raises_minority_recall():
    X, y = make_classification(
        600, 6, n_informative=3, weights=[0.93, 0.07], class_sep=0.6, flip_y=0, random_state=3
    )
    params = dict(hidden_layer_sizes=(16,), learning_rate=0.01, max_epochs=60, random_state=0)
    plain = LayerwiseClassifier(**params).fit(X, y)
    balanced = LayerwiseClassifier(**params, class_weight="balanced").fit(X, y)
    recall_plain = recall_score(y, plain.predict(X))
    recall_balanced = recall_score(y, balanced.predict(X))
    assert recall_balanced > recall_plain + 0.2, (recall_plain, recall_balanced)


def test_class_weight_dict_is_a_sample_weight(blob_rows):
    X, y = blob_rows
    params = dict(FAST, batch_size=None)
    a = LayerwiseClassifier(**params, class_weight={0: 3.0}).fit(X, y)
    b = LayerwiseClassifier(**params).fit(X, y, sample_weight=np.where(y == 0, 3.0, 1.0))
    np.testing.assert_allclose(a.network_.theta, b.network_.theta, rtol=1e-12)


@pytest.mark.parametrize(
    ("class_weight", "match"),
    [({9: 2.0}, r"labels \[9\] not in classes_"), ("heavy", "must be None, 'balanced' or a dict")],
)
def test_class_weight_errors(blob_rows, class_weight, match):
    X, y = blob_rows
    with pytest.raises(ValueError, match=match):
        LayerwiseClassifier(**FAST, class_weight=class_weight).fit(X, y)


def test_class_weight_balanced_is_refused_by_partial_fit(blob_rows):
    X, y = blob_rows
    with pytest.raises(ValueError, match="not supported by partial_fit"):
        LayerwiseClassifier(**FAST, class_weight="balanced").partial_fit(X, y, classes=[0, 1, 2])


def test_class_weight_is_refused_for_multilabel():
    X, Y = make_multilabel_classification(30, 4, n_classes=3, random_state=0)
    with pytest.raises(ValueError, match="multi-label"):
        LayerwiseClassifier(**FAST, class_weight="balanced").fit(X, Y)


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        (-np.ones(150), "must be >= 0"),
        (np.ones(3), r"shape \(150,\)"),
        (np.zeros(150), "at least one non-zero weight"),
        (np.full(150, np.nan), "NaN"),
    ],
)
def test_sample_weight_errors(blob_rows, weights, match):
    X, y = blob_rows
    with pytest.raises(ValueError, match=match):
        LayerwiseClassifier(**FAST).fit(X, y, sample_weight=weights)


def test_weights_leaving_one_class_are_refused(blob_rows):
    X, y = blob_rows
    with pytest.raises(ValueError, match="only one class with positive weight"):
        LayerwiseClassifier(**FAST).fit(X, y, sample_weight=(y == 1).astype(float))


# ----- parameter errors (raised by fit, never by __init__) ------------------------------------
@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"hidden_layer_sizes": (0,)}, "hidden_layer_sizes must be positive integers"),
        ({"hidden_layer_sizes": (4, 4), "activation": ["relu"]}, "one per hidden layer"),
        ({"activation": "swish"}, "Unknown activation 'swish'. Valid names: leaky_relu"),
        ({"optimizer": "lbfgs"}, "Unknown optimizer 'lbfgs'"),
        ({"init": "glorot"}, "Unknown init 'glorot'"),
        ({"learning_rate": 0.0}, "learning_rate must be finite and > 0"),
        ({"batch_size": 0}, "batch_size must be >= 1"),
        ({"max_epochs": 0}, "max_epochs must be >= 1"),
        ({"early_stopping": True, "validation_fraction": 1.5}, r"validation_fraction .* \(0, 1\)"),
        ({"dtype": np.int32}, "dtype must be float32 or float64"),
        ({"random_state": "0"}, r"random_state must be None, an int >= 0, a numpy RandomState"),
        ({"random_state": -1}, r"random_state must be None, an int >= 0, .* got -1"),
    ],
)
def test_parameter_errors(blob_rows, params, match):
    X, y = blob_rows
    clf = LayerwiseClassifier(**params)  # stored, not checked
    with pytest.raises((ValueError, TypeError), match=match):
        clf.fit(X, y)


def test_need_two_classes(blob_rows):
    X, _ = blob_rows
    with pytest.raises(ValueError, match="at least 2 classes"):
        LayerwiseClassifier(**FAST).fit(X, np.zeros(150))


# ----- the ecosystem ------------------------------------------------------------------------------
def test_pipeline_grid_search_and_cross_val_score(blob_rows):
    X, y = blob_rows
    pipe = Pipeline([("scale", StandardScaler()), ("net", LayerwiseClassifier(**FAST))])
    grid = GridSearchCV(pipe, {"net__hidden_layer_sizes": [(4,), (16,)]}, cv=3).fit(X, y)
    assert grid.best_params_["net__hidden_layer_sizes"] in [(4,), (16,)]
    assert grid.score(X, y) > 0.9
    scores = cross_val_score(pipe, X, y, cv=3)
    assert scores.shape == (3,) and scores.min() > 0.8


def test_clone_keeps_parameters_and_drops_the_fit(blob_rows):
    X, y = blob_rows
    clf = LayerwiseClassifier(**FAST, class_weight={0: 2.0}).fit(X, y)
    twin = clone(clf)
    assert twin.get_params() == clf.get_params()
    assert not hasattr(twin, "network_")


@pytest.mark.parametrize("duplicate", [pickle.loads, copy.deepcopy], ids=["pickle", "deepcopy"])
def test_pickled_copy_predicts_the_same_and_its_network_stays_one_vector(blob_rows, duplicate):
    X, y = blob_rows
    clf = LayerwiseClassifier(**FAST, warm_start=True).fit(X, y)
    twin = duplicate(pickle.dumps(clf)) if duplicate is pickle.loads else duplicate(clf)
    np.testing.assert_array_equal(twin.predict_proba(X), clf.predict_proba(X))
    # W[l] must still be views of theta, or training would not change predictions
    twin.network_.theta[...] = 0
    np.testing.assert_allclose(twin.predict_proba(X), 1 / 3)
    twin.fit(X, y)  # warm start after a round trip trains the network it predicts with
    assert twin.score(X, y) > 0.9


# ----- layerwise's own format ---------------------------------------------------------------------
def test_save_and_load_a_classifier(tmp_path, blob_rows):
    pd = pytest.importorskip("pandas")
    X, y = blob_rows
    frame = pd.DataFrame(X, columns=list("wxyz"))
    labels = np.array(["a", "b", "c"])[y]
    clf = LayerwiseClassifier(**FAST, class_weight={"a": 2.0}).fit(frame, labels)
    clf.save(tmp_path / "clf.npz")
    assert all(not n.endswith(".pkl") for n in members(tmp_path / "clf.npz"))
    back = LayerwiseClassifier.load(tmp_path / "clf.npz")
    assert back.get_params() == clf.get_params()
    assert back.classes_.tolist() == ["a", "b", "c"] and back.n_iter_ == clf.n_iter_
    assert back.feature_names_in_.tolist() == list("wxyz")
    np.testing.assert_array_equal(back.predict_proba(frame), clf.predict_proba(frame))
    np.testing.assert_array_equal(back.predict(frame), clf.predict(frame))


def test_save_and_load_a_regressor(tmp_path, linear_data):
    X, Y = linear_data
    reg = LayerwiseRegressor(**FAST, dtype="float32").fit(X, Y)
    path = reg.save(tmp_path / "reg.npz")
    back = load_estimator(path)
    assert isinstance(back, LayerwiseRegressor) and back.network_.dtype == np.float32
    np.testing.assert_array_equal(back.predict(X), reg.predict(X))
    with pytest.raises(ValueError, match="holds a LayerwiseRegressor, not a LayerwiseClassifier"):
        LayerwiseClassifier.load(path)


def test_load_refuses_a_bare_network_and_a_header_that_does_not_fit(tmp_path, blob_rows):
    X, y = blob_rows
    lw.Network([4, 3, 1], seed=0).save(tmp_path / "net.npz")
    with pytest.raises(ValueError, match="bare Network"):
        load_estimator(tmp_path / "net.npz")
    clf = LayerwiseClassifier(**FAST).fit(X, y)
    meta = clf._metadata() | {"classes": [0, 1]}  # 2 classes for a 3-unit softmax
    clf.network_.save(tmp_path / "bad.npz", sections={"estimator": meta})
    with pytest.raises(ValueError, match="2 classes do not fit a 3-unit softmax"):
        load_estimator(tmp_path / "bad.npz")
    header = json.loads(members(tmp_path / "bad.npz")["header.json"])
    assert header["estimator"]["class"] == "LayerwiseClassifier"


# ----- randomness ---------------------------------------------------------------------------------
def test_random_state_none_never_touches_numpys_global_rng(blob_rows):
    X, y = blob_rows
    before = np.random.get_state()  # noqa: NPY002 - the global RNG is what is checked
    params = FAST | {"random_state": None, "max_epochs": 2, "early_stopping": True}
    first = LayerwiseClassifier(**params).fit(X, y)
    second = LayerwiseClassifier(**params).fit(X, y)
    after = np.random.get_state()  # noqa: NPY002
    assert before[0] == after[0] and before[2:] == after[2:]
    np.testing.assert_array_equal(before[1], after[1])
    assert not np.array_equal(first.network_.theta, second.network_.theta)  # fresh entropy


@pytest.mark.parametrize(
    "make", [np.random.default_rng, np.random.RandomState], ids=["Generator", "RandomState"]
)
def test_random_state_generator_or_randomstate_is_reproducible(blob_rows, make):
    X, y = blob_rows
    fits = [LayerwiseClassifier(**FAST | {"random_state": make(7)}).fit(X, y) for _ in range(2)]
    np.testing.assert_array_equal(fits[0].network_.theta, fits[1].network_.theta)


# ----- untrusted estimator files ------------------------------------------------------------------
def _meta(header):
    return header["estimator"]


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda h: h.update(training="x"), "valid layerwise model: training must be an object"),
        (lambda h: _meta(h).update(classes_dtype="nonsense"), "cannot be restored"),
        (lambda h: _meta(h).update(classes_dtype="<M8[ns]"), "cannot be restored"),
        (lambda h: _meta(h).update(classes=[[0], [1], [2]]), "cannot be restored"),
        (lambda h: _meta(h).update(loss_curve=5), "loss_curve must be a list of numbers"),
        (lambda h: _meta(h).update(loss_curve=["a"]), "loss_curve must be a list of numbers"),
        (
            lambda h: _meta(h).update(validation_loss_curve={"a": 1}),
            "validation_loss_curve must be a list",
        ),
        (lambda h: _meta(h).update(n_iter="7"), "n_iter must be an integer >= 0"),
        (lambda h: _meta(h)["params"].update(optimizer="x"), "parameters are invalid"),
        (lambda h: _meta(h)["params"].update(random_state=-1), "random_state must be None"),
    ],
)
def test_an_ill_typed_estimator_header_is_refused(tmp_path, blob_rows, edit, match):
    X, y = blob_rows
    path = LayerwiseClassifier(**FAST | {"max_epochs": 2}).fit(X, y).save(tmp_path / "clf.npz")
    edit_header(path, edit)
    with pytest.raises(ValueError, match=match) as caught:
        load_estimator(path)
    assert str(caught.value).startswith(f"{path} is not a valid layerwise")


# ----- regression targets on their own scale ------------------------------------------------------
@pytest.mark.slow
def test_regressor_defaults_work_on_raw_targets():
    """Diabetes progression is in the hundreds: the default regressor standardizes it."""
    from sklearn.datasets import load_diabetes

    X, y = load_diabetes(return_X_y=True)
    scores = {}
    for standardize in (True, False):
        model = make_pipeline(
            StandardScaler(), LayerwiseRegressor(standardize_target=standardize, random_state=0)
        )
        scores[standardize] = cross_val_score(model, X, y, cv=5).mean()
    assert scores[True] >= 0.40
    assert scores[False] < scores[True] - 0.3  # what the default fixes


def test_regressor_target_scaling_is_undone_and_saved(tmp_path):
    rng = np.random.default_rng(0)
    X = rng.standard_normal((120, 3))
    y = np.column_stack([1000 + 300 * X[:, 0], -5 + 0.01 * X[:, 1]])  # (m, 2), far apart
    reg = LayerwiseRegressor((16,), learning_rate=0.01, max_epochs=150, random_state=0).fit(X, y)
    np.testing.assert_allclose(reg.target_mean_, y.mean(axis=0))
    np.testing.assert_allclose(reg.target_scale_, y.std(axis=0))
    assert reg.score(X, y) > 0.9
    loaded = LayerwiseRegressor.load(reg.save(tmp_path / "reg.npz"))
    np.testing.assert_array_equal(loaded.predict(X), reg.predict(X))
    raw = LayerwiseRegressor((16,), standardize_target=False, max_epochs=1, random_state=0)
    raw.fit(X, y)
    assert raw.target_mean_.tolist() == [0.0, 0.0] and raw.target_scale_.tolist() == [1.0, 1.0]


def test_dropout_is_a_rate_and_reaches_the_network(blob_rows, tmp_path):
    X, y = blob_rows
    clf = LayerwiseClassifier(**(FAST | dict(hidden_layer_sizes=(8, 6), dropout=(0.2, 0.5))))
    clf.fit(X, y)
    assert clf.network_.keep_prob == (0.8, 0.5)  # keep_prob = 1 - rate
    assert np.array_equal(clf.predict_proba(X), clf.predict_proba(X))  # off at predict
    plain = LayerwiseClassifier(**(FAST | dict(hidden_layer_sizes=(8, 6)))).fit(X, y)
    assert plain.network_.keep_prob == (1.0, 1.0) and "keep_prob" not in plain.network_.config()
    assert not np.array_equal(clf.network_.theta, plain.network_.theta)
    for bad in (1.0, -0.1, (0.2,), "0.2", True):
        with pytest.raises(ValueError, match=r"dropout must be a rate with 0 <= dropout < 1, or 2"):
            LayerwiseClassifier(**(FAST | dict(hidden_layer_sizes=(8, 6), dropout=bad))).fit(X, y)
    reg = LayerwiseRegressor(**(FAST | dict(dropout=0.3))).fit(X, X[:, 0])
    assert reg.network_.keep_prob == (0.7,)
    with pytest.raises(ValueError, match=r"dropout applies to hidden layers, .*=\(\) has none"):
        LayerwiseClassifier(**(FAST | dict(hidden_layer_sizes=(), dropout=0.5))).fit(X, y)
    # A file without dropout holds the parameters it held before dropout existed.
    plain.save(tmp_path / "plain.npz")
    with_drop = clf.save(tmp_path / "drop.npz")
    assert "dropout" not in plain._metadata()["params"]
    assert clf._metadata()["params"]["dropout"] == [0.2, 0.5]
    assert load_estimator(with_drop).network_.keep_prob == (0.8, 0.5)
    assert load_estimator(tmp_path / "plain.npz").dropout == 0.0
