"""Reproduce the course's published cat/non-cat results with layerwise.

Usage:  python benchmarks/reproduce_course.py ../shared/data/catvnoncat

Full-batch gradient descent, the cost recorded before each update, the course's initial weights
(``np.random.RandomState(1)``, W1, W2, ... drawn in order). Exits 1 if any number misses.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass

import numpy as np

import layerwise as lw
from layerwise.data import load_catvnoncat
from layerwise.metrics import accuracy


@dataclass
class Expected:
    title: str
    network: dict
    learning_rate: float
    iterations: int
    first_cost: float | None
    train_accuracy: float
    test_accuracy: float


RUNS = [
    Expected(
        "2-layer [12288, 7, 1], relu + sigmoid, ×0.01 init",
        dict(layer_dims=[12288, 7, 1], hidden="relu", init="small_random"),
        0.0075,
        2500,
        0.693049735659989,
        1.0,
        0.72,
    ),
    Expected(
        "L-layer [12288, 20, 7, 5, 1], relu + sigmoid, 1/√n[l-1] init",
        dict(layer_dims=[12288, 20, 7, 5, 1], hidden="relu", init="xavier"),
        0.0075,
        2500,
        0.7717493284237686,
        206 / 209,
        0.80,
    ),
    Expected(
        "logistic regression [12288, 1], zero init",
        dict(layer_dims=[12288, 1], init="zeros"),
        0.005,
        2000,
        None,
        0.9904306220095693,
        0.70,
    ),
]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data_dir", help="folder with train_catvnoncat.h5 and test_catvnoncat.h5")
    args = parser.parse_args(argv)
    data = load_catvnoncat(args.data_dir)
    print(f"train X {data.X_train.shape}, test X {data.X_test.shape}")
    print(f"first column ×255: {np.round(data.X_train[:5, 0] * 255).astype(int).tolist()}")
    failures = []
    for run in RUNS:
        print(f"\n== {run.title}: learning rate {run.learning_rate}, {run.iterations} iterations")
        net = lw.Network(**run.network, output="sigmoid", seed=1, legacy_rng=True)
        start = time.perf_counter()
        history = net.fit(
            data.X_train,
            data.Y_train,
            epochs=run.iterations,
            learning_rate=run.learning_rate,
            callbacks=[lw.PrintCost(every=100)],
        )
        seconds = time.perf_counter() - start
        train, test = (
            accuracy(data.Y_train, net.predict(data.X_train)),  # Y (1, m), predictions (1, m)
            accuracy(data.Y_test, net.predict(data.X_test)),
        )
        print(f"train accuracy {train:.4f}, test accuracy {test:.2f} ({seconds:.1f} s)")
        checks = [
            ("train accuracy", train, run.train_accuracy),
            ("test accuracy", test, run.test_accuracy),
        ]
        if run.first_cost is not None:
            checks.append(("cost at iteration 0", history.cost[0], run.first_cost))
        for name, got, want in checks:
            ok = abs(got - want) < 1e-9
            print(f"  {'ok  ' if ok else 'MISS'} {name}: {got!r} (course: {want!r})")
            if not ok:
                failures.append(f"{run.title}: {name} {got!r} != {want!r}")
    if failures:
        print("\nMISSED:\n  " + "\n  ".join(failures))
        return 1
    print("\nAll course numbers reproduced.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
