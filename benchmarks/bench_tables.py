"""Accuracy on churn-like tables: ``layerwise train`` against scikit-learn's pipeline, same splits.

    python benchmarks/bench_tables.py                 # the full table: gaps, a date, rare/unseen
    python benchmarks/bench_tables.py --plain         # no gaps, no date column
    python benchmarks/bench_tables.py --seeds 0 1 2 3 4 --rows 3000

For each seed, ``tables.churn_table(seed)`` (its recipe: ``benchmarks/tables.py``) writes
``train.csv`` and ``test.csv`` (the last 20 % of the rows); both systems train on the first and
are scored on the second, so the splits are the same.

- **layerwise**: the command a user runs, in a subprocess with its defaults::

      layerwise train train.csv --target churned --drop customer_id --test test.csv --seed S

  ([64, 32] ReLU, Adam α = 0.003, batches of 32, at most 100 epochs, 20 % of the training rows
  held out as the dev set for early stopping with patience 10, best epoch kept). Whatever it does
  with gaps and the date is its own preprocessing; when it refuses the table, the row says why.
  Its times are the fit alone (``seconds`` in the model file) and the whole command (Python's
  start-up and imports, reading, preprocessing, fit, metrics, writing the model and plots).
- **scikit-learn**: ``make_pipeline(ColumnTransformer(...), MLPClassifier(...))`` with
  numeric columns → ``SimpleImputer(strategy="median", add_indicator=True)`` +
  ``StandardScaler()``; text columns → ``SimpleImputer(strategy="most_frequent")`` +
  ``OneHotEncoder(handle_unknown="ignore")``; ``customer_id`` dropped; the date
  (``--sklearn-date``): ``parts`` (default) turns each ISO date into the three numbers layerwise
  makes of a date (days since 1970-01-01, month 1-12, weekday 0-6; a gap stays a gap), then the
  numeric steps; ``drop`` leaves it out. The MLP mirrors
  layerwise's defaults: ``hidden_layer_sizes=(64, 32)``, ReLU, Adam with
  ``learning_rate_init=0.003``, ``batch_size=32``, ``max_iter=100``, ``alpha=0`` (no L2, as
  layerwise's default), ``early_stopping=True`` with ``validation_fraction=0.2`` and
  ``n_iter_no_change=10`` (scikit-learn monitors dev accuracy, layerwise dev cost), seeded with
  ``random_state=S``. Its times are ``pipeline.fit`` (preprocessing included) and reading,
  fitting and predicting, in this process.

Both use the machine's default BLAS threads. Prints a Markdown table: test accuracy, mean and
range over the seeds, the best possible accuracy (``yes`` where the recipe's true probability is
above 0.5), and the times.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer, OneHotEncoder, StandardScaler

from layerwise.data import load_model
from tables import churn_table

TARGET, ID, DATE = "churned", "customer_id", "signup_date"


def run_layerwise(paths: dict[str, Path], seed: int, out: Path) -> dict:
    """``layerwise train`` on the files: test accuracy and times, or why it refused."""
    command = [
        sys.executable, "-m", "layerwise", "train", str(paths["train"]), "--target", TARGET,
        "--drop", ID, "--test", str(paths["test"]), "--seed", str(seed), "--out", str(out),
        "--quiet",
    ]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        lines = (done.stderr or done.stdout).strip().splitlines() or ["(no message)"]
        return {"error": lines[-1]}
    metrics = json.loads((out / "metrics.json").read_text())
    training = load_model(out / "model.npz").header.get("training", {})
    return {
        "accuracy": metrics["test"]["accuracy"],
        "fit": training.get("seconds", float("nan")),
        "wall": wall,
        "epochs": training.get("epochs_run"),
    }


def date_parts(frame: pd.DataFrame) -> np.ndarray:
    """One ISO date column (m, 1) -> (m, 3) float: days since 1970-01-01, month 1-12, weekday
    0-6 (Monday 0), the date features layerwise documents; a gap stays NaN in all three."""
    dates = pd.to_datetime(frame.iloc[:, 0], format="%Y-%m-%d")
    days = (dates - pd.Timestamp("1970-01-01")) / pd.Timedelta(days=1)
    return np.column_stack([days, dates.dt.month, dates.dt.day_of_week]).astype(float)


def sklearn_pipeline(train: pd.DataFrame, seed: int, date: str):
    """The scikit-learn pipeline of the module's docstring for the columns of ``train``."""
    features = train.drop(columns=[TARGET, ID, DATE], errors="ignore")
    numeric = [c for c in features if pd.api.types.is_numeric_dtype(features[c])]
    text = [c for c in features if c not in numeric]

    def numbers() -> list:  # fresh steps for each branch
        return [SimpleImputer(strategy="median", add_indicator=True), StandardScaler()]

    steps = [
        ("numeric", make_pipeline(*numbers()), numeric),
        ("text", make_pipeline(
            SimpleImputer(strategy="most_frequent"), OneHotEncoder(handle_unknown="ignore")
        ), text),
    ]  # fmt: skip
    if DATE in train and date == "parts":
        dated = make_pipeline(FunctionTransformer(date_parts), *numbers())
        steps.append(("date", dated, [DATE]))
    mlp = MLPClassifier(
        hidden_layer_sizes=(64, 32),
        learning_rate_init=0.003,
        batch_size=32,
        max_iter=100,
        alpha=0.0,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=10,
        random_state=seed,
    )
    return make_pipeline(ColumnTransformer(steps, remainder="drop"), mlp)


def run_sklearn(paths: dict[str, Path], seed: int, date: str) -> dict:
    """The pipeline fitted on the train file: test accuracy, fit time, and the time of reading,
    fitting and predicting (in this process: no interpreter start-up)."""
    start = time.perf_counter()
    train, test = pd.read_csv(paths["train"]), pd.read_csv(paths["test"])  # gaps: NaN
    model = sklearn_pipeline(train, seed, date)
    X, y = train.drop(columns=TARGET), train[TARGET]
    fit_start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    fit = time.perf_counter() - fit_start
    accuracy = float(np.mean(model.predict(test.drop(columns=TARGET)) == test[TARGET]))
    wall = time.perf_counter() - start
    return {"accuracy": accuracy, "fit": fit, "wall": wall, "epochs": model[-1].n_iter_}


def summary(results: list[dict]) -> str:
    """``mean (min–max)`` of the accuracies, or the first refusal."""
    errors = [r["error"] for r in results if "error" in r]
    if errors:
        return f"refused: {errors[0]}"
    acc = [r["accuracy"] for r in results]
    return f"{np.mean(acc):.4f} ({min(acc):.4f}–{max(acc):.4f})"


def seconds(results: list[dict], key: str) -> str:
    values = [r[key] for r in results if key in r]
    return f"{np.median(values):.2f}" if values else "–"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--rows", type=int, default=3000)
    parser.add_argument("--plain", action="store_true", help="no gaps, no date column")
    parser.add_argument("--sklearn-date", choices=("parts", "drop"), default="parts")
    args = parser.parse_args()
    ours, theirs, oracle = [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for seed in args.seeds:
            table = churn_table(
                seed, args.rows, gaps=0.0 if args.plain else 0.05, dates=not args.plain
            )
            paths = table.write(Path(tmp) / f"seed{seed}")
            oracle.append(table.oracle_accuracy())
            ours.append(run_layerwise(paths, seed, Path(tmp) / f"run{seed}"))
            theirs.append(run_sklearn(paths, seed, args.sklearn_date))
    print(report(args, ours, theirs, oracle))


def report(args, ours: list[dict], theirs: list[dict], oracle: list[float]) -> str:
    """The Markdown table and what each system did with the date column."""
    variant = "plain (no gaps, no date)" if args.plain else "full (5 % gaps, a date column)"
    date = {
        "parts": "days since 1970-01-01, month, weekday; imputed and standardized",
        "drop": "dropped",
    }[args.sklearn_date]
    lines = [
        f"churn table, {variant}: {args.rows} rows ({round(args.rows * 0.2)} test), "
        f"seeds {args.seeds}",
        f"{platform.machine()}, {os.cpu_count()} logical CPUs, Python {platform.python_version()}",
        "",
        "| system | test accuracy: mean (range) | fit s (median) | run s (median) "
        "| epochs (median) |",
        "|---|---|---|---|---|",
    ]
    for name, results in (("layerwise train", ours), ("scikit-learn pipeline", theirs)):
        epochs = [r["epochs"] for r in results if r.get("epochs") is not None]
        lines.append(
            f"| {name} | {summary(results)} | {seconds(results, 'fit')} "
            f"| {seconds(results, 'wall')} | {f'{np.median(epochs):g}' if epochs else '–'} |"
        )
    lines.append(
        f"| best possible (the recipe's p > 0.5) | {np.mean(oracle):.4f} "
        f"({min(oracle):.4f}–{max(oracle):.4f}) | | | |"
    )
    lines += [
        "",
        "fit s: layerwise's Network.fit (the model file's seconds), scikit-learn's pipeline.fit; "
        "run s: the whole `layerwise train` command (a new process), scikit-learn's read + fit "
        "+ predict (in this process).",
    ]
    if not args.plain:
        lines.append(f"The date column: scikit-learn: {date}; layerwise: its own preprocessing.")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
