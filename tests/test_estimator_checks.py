"""scikit-learn's own estimator checks, and the side-by-side with its MLP on the same data.

The comparisons use the same 5 folds, the same architecture (one hidden layer of 100 ReLU units,
Adam, α = 0.001, batches of 200, L2 1e-4, 200 epochs at most) and the same preprocessing
(``StandardScaler`` in a ``Pipeline``; for diabetes the target is standardized too, with
``TransformedTargetRegressor``). benchmarks/compare_sklearn.py prints the same table.
"""

from __future__ import annotations

import pytest

pytest.importorskip("sklearn")

from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks
from threadpoolctl import threadpool_limits

from layerwise.estimators import LayerwiseClassifier, LayerwiseRegressor

pytestmark = pytest.mark.slow  # scikit-learn's checks and 5-fold comparisons: a minute

# Small and quick, but trained enough for the checks' accuracy thresholds (blobs: > 0.83,
# regression: R² > 0.5, class_weight: > 0.87 of the favoured class). The checks' data sets are
# at most 200 rows, so batches of 200 make them full-batch: the sample-weight equivalence check
# (weight k == k copies of the row) then holds to rounding, shuffles and all.
CHECKED = [
    LayerwiseClassifier((16,), learning_rate=0.03, max_epochs=100, random_state=0),
    LayerwiseRegressor((16,), learning_rate=0.03, max_epochs=100, random_state=0),
]


@parametrize_with_checks(CHECKED)
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)


def _cv_scores(estimator, X, y, cv) -> float:
    """Mean score over the folds, with ``StandardScaler`` in front of the estimator.

    One BLAS thread: these matrices are small, and threads fighting over busy cores made the
    digits comparison ten times slower."""
    with threadpool_limits(1):
        scores = cross_val_score(make_pipeline(StandardScaler(), estimator), X, y, cv=cv)
    return float(scores.mean())


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "loader", [load_digits, load_breast_cancer], ids=["digits", "breast_cancer"]
)
def test_accuracy_within_one_point_of_mlp(loader):
    X, y = loader(return_X_y=True)
    cv = StratifiedKFold(5, shuffle=True, random_state=0)
    ours = _cv_scores(LayerwiseClassifier(random_state=0), X, y, cv)
    mlp = _cv_scores(MLPClassifier(random_state=0), X, y, cv)
    assert ours >= mlp - 0.01, f"layerwise {ours:.4f} vs MLPClassifier {mlp:.4f}"


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_r2_on_diabetes_within_002_of_mlp():
    X, y = load_diabetes(return_X_y=True)
    cv = KFold(5, shuffle=True, random_state=0)

    def scaled_target(est):
        return TransformedTargetRegressor(regressor=est, transformer=StandardScaler())

    ours = _cv_scores(scaled_target(LayerwiseRegressor(random_state=0)), X, y, cv)
    mlp = _cv_scores(scaled_target(MLPRegressor(random_state=0)), X, y, cv)
    assert ours >= mlp - 0.02, f"layerwise R² {ours:.4f} vs MLPRegressor {mlp:.4f}"
