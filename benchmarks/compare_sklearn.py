"""layerwise's estimators next to scikit-learn's MLP: same data, folds, architecture, preprocessing.

Both models: one hidden layer of 100 ReLU units, Adam with α = 0.001, batches of 200, L2 1e-4,
at most 200 epochs (MLP also stops when its training loss stalls for 10 epochs; layerwise runs
all 200), ``StandardScaler`` on X in a ``Pipeline`` and, for diabetes, on y too
(``TransformedTargetRegressor``). Scores are the mean over the same 5 (stratified) folds;
both run on one BLAS thread.

    python benchmarks/compare_sklearn.py            # random_state 0, as the tests
    python benchmarks/compare_sklearn.py --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from layerwise.estimators import LayerwiseClassifier, LayerwiseRegressor

TASKS = [
    # name, loader, metric, (layerwise, scikit-learn), tolerance
    ("digits", load_digits, "accuracy", (LayerwiseClassifier, MLPClassifier), 0.01),
    ("breast_cancer", load_breast_cancer, "accuracy", (LayerwiseClassifier, MLPClassifier), 0.01),
    ("diabetes", load_diabetes, "R²", (LayerwiseRegressor, MLPRegressor), 0.02),
]


def model(cls, seed: int, regression: bool):
    est = cls(hidden_layer_sizes=(100,), random_state=seed)
    if regression:
        est = TransformedTargetRegressor(regressor=est, transformer=StandardScaler())
    return make_pipeline(StandardScaler(), est)


def score(cls, X, y, seed: int, regression: bool) -> tuple[float, float]:
    cv = (KFold if regression else StratifiedKFold)(5, shuffle=True, random_state=0)
    start = time.perf_counter()
    with warnings.catch_warnings(), threadpool_limits(1):  # small GEMMs: one thread each
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_score(model(cls, seed, regression), X, y, cv=cv)
    return float(scores.mean()), time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    seeds = parser.parse_args().seeds
    print(f"5-fold CV, random_state {seeds}; time = all folds and seeds\n")
    print("| data set | metric | layerwise | scikit-learn MLP | Δ | within | time lw / MLP |")
    print("|---|---|---|---|---|---|---|")
    for name, loader, metric, (ours_cls, mlp_cls), tolerance in TASKS:
        X, y = loader(return_X_y=True)
        regression = metric == "R²"
        ours = [score(ours_cls, X, y, s, regression) for s in seeds]
        mlp = [score(mlp_cls, X, y, s, regression) for s in seeds]
        a, b = np.mean([s for s, _ in ours]), np.mean([s for s, _ in mlp])
        ok = "yes" if a >= b - tolerance else "NO"
        t_a, t_b = sum(t for _, t in ours), sum(t for _, t in mlp)
        print(
            f"| {name} | {metric} | {a:.4f} | {b:.4f} | {a - b:+.4f} | {ok} (±{tolerance}) "
            f"| {t_a:.1f}s / {t_b:.1f}s |"
        )


if __name__ == "__main__":
    main()
