"""Metrics against scikit-learn's, on random and edge-case labels."""

import numpy as np
import pytest

from layerwise import metrics

sk = pytest.importorskip("sklearn.metrics")


@pytest.fixture(params=range(5))
def labels(request):
    rng = np.random.default_rng(request.param)
    k = 2 + request.param % 3
    y_true = rng.integers(0, k, 50)
    y_pred = np.where(rng.random(50) < 0.7, y_true, rng.integers(0, k, 50))
    return y_true, y_pred, k


def test_accuracy_matches_sklearn(labels):
    y_true, y_pred, _ = labels
    assert metrics.accuracy(y_true, y_pred) == pytest.approx(sk.accuracy_score(y_true, y_pred))


def test_accuracy_accepts_the_course_row_vector():
    assert metrics.accuracy(np.array([[0, 1, 1, 0]]), np.array([0, 1, 0, 0])) == 0.75


def test_confusion_matrix_matches_sklearn(labels):
    y_true, y_pred, k = labels
    np.testing.assert_array_equal(
        metrics.confusion_matrix(y_true, y_pred, labels=range(k)),
        sk.confusion_matrix(y_true, y_pred, labels=list(range(k))),
    )


def test_confusion_matrix_with_string_labels_and_a_subset():
    y_true = np.array(["cat", "dog", "cat", "bird"], dtype=object)
    y_pred = np.array(["cat", "cat", "dog", "bird"], dtype=object)
    for labels in (None, ["dog", "cat"]):
        np.testing.assert_array_equal(
            metrics.confusion_matrix(y_true, y_pred, labels),
            sk.confusion_matrix(y_true, y_pred, labels=labels),
        )


def test_precision_recall_f1_match_sklearn(labels):
    y_true, y_pred, k = labels
    got = metrics.precision_recall_f1(y_true, y_pred, labels=range(k))
    p, r, f, s = sk.precision_recall_fscore_support(
        y_true, y_pred, labels=list(range(k)), zero_division=0
    )
    np.testing.assert_allclose(got["precision"], p)
    np.testing.assert_allclose(got["recall"], r)
    np.testing.assert_allclose(got["f1"], f)
    np.testing.assert_array_equal(got["support"], s)


def test_precision_of_a_never_predicted_class_is_zero():
    got = metrics.precision_recall_f1([0, 1, 2], [0, 0, 0], labels=[0, 1, 2])
    np.testing.assert_allclose(got["precision"], [1 / 3, 0, 0])
    np.testing.assert_allclose(got["recall"], [1, 0, 0])


@pytest.mark.parametrize("seed", range(3))
def test_regression_metrics_match_sklearn(seed):
    rng = np.random.default_rng(seed)
    y, y_hat = rng.standard_normal(40), rng.standard_normal(40)
    assert metrics.mean_squared_error(y, y_hat) == pytest.approx(sk.mean_squared_error(y, y_hat))
    assert metrics.mean_absolute_error(y, y_hat) == pytest.approx(sk.mean_absolute_error(y, y_hat))
    assert metrics.r2_score(y, y_hat) == pytest.approx(sk.r2_score(y, y_hat))


@pytest.mark.parametrize("y_hat", [[3.0, 3.0], [3.0, 4.0]])
def test_r2_of_a_constant_target_follows_sklearn(y_hat):
    assert metrics.r2_score([3.0, 3.0], y_hat) == sk.r2_score([3.0, 3.0], y_hat)


def test_classification_report_names_classes():
    report = metrics.classification_report([0, 1, 1], [0, 1, 0], labels=[0, 1], names=["a", "b"])
    assert report["labels"] == ["a", "b"]
    assert report["per_class"]["b"]["recall"] == 0.5
    assert report["confusion_matrix"] == [[1, 0], [1, 1]]
    assert report["accuracy"] == pytest.approx(2 / 3)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: metrics.accuracy([0, 1], [0]), "same number of examples"),
        (lambda: metrics.r2_score([], []), "at least one example"),
        (lambda: metrics.classification_report([0], [0], [0], names=["a", "b"]), "names must"),
    ],
)
def test_errors_name_the_rule(call, match):
    with pytest.raises(ValueError, match=match):
        call()


# ----- macro F1: scikit-learn's convention, the labels present in either vector ------------------
@pytest.mark.slow
def test_macro_f1_counts_only_present_classes_like_scikit_learn() -> None:
    from sklearn.metrics import f1_score

    rng = np.random.default_rng(0)
    for _ in range(200):
        k, m = int(rng.integers(2, 7)), int(rng.integers(1, 30))
        present = rng.choice(k, size=int(rng.integers(1, k + 1)), replace=False)
        y_true, y_pred = rng.choice(present, m), rng.choice(present, m)
        if rng.random() < 0.3:
            y_pred = y_true.copy()  # perfect predictions, absent classes and all
        expected = f1_score(y_true, y_pred, average="macro", zero_division=0)
        report = metrics.classification_report(y_true, y_pred, labels=np.arange(k))
        assert report["macro_f1"] == pytest.approx(expected, abs=1e-12)
        assert metrics.macro_f1(y_true, y_pred) == pytest.approx(expected, abs=1e-12)
        assert len(report["per_class"]) == k  # the table still lists every class


def test_a_perfect_dev_set_with_an_absent_class_scores_one() -> None:
    report = metrics.classification_report([0, 1, 0], [0, 1, 0], labels=[0, 1, 2])
    assert report["accuracy"] == 1.0 and report["macro_f1"] == 1.0
