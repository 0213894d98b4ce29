"""ONNX Runtime against layerwise's own prediction path, for 1 row and 100,000 rows.

Usage:  python benchmarks/bench_onnx.py [--reps N] [--quick]
        (needs ``pip install -e ".[test]"`` or the ``onnx`` extra, and pandas)

Two workloads, each model exported with ``layerwise.to_onnx`` and checked once for agreement:

- ``tabular``: what ``layerwise predict`` does for a model trained on a CSV (8 numeric and 2 text
  columns, float64, [n_x, 64, 32, 3] softmax): ``Preprocessor.transform`` + ``predict_proba`` +
  ``decode``/``probabilities``, against ONNX Runtime on the raw columns (standardizing and one-hot
  encoding in the graph; building the feeds from the DataFrame is timed too);
- ``network``: a bare ``Network`` [784, 256, 128, 10] float32 softmax, ``predict_proba`` +
  ``predict`` on ``X (784, m)`` against ONNX Runtime on the rows ``X (m, 784)``.

Calls alternate (layerwise, ONNX Runtime, layerwise, ...) after one warm-up each; the median and
the range (min-max) of the per-call times are printed as a Markdown table. ONNX Runtime runs
with its default thread pool, NumPy with its BLAS's default threads.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np
import onnxruntime as ort
import pandas as pd

import layerwise as lw
from layerwise.data import Preprocessor, SavedModel


def tabular(m: int, rng: np.random.Generator):
    """A fitted model on raw rows, and two callables predicting ``m`` rows each way."""

    def frame_of(k: int) -> pd.DataFrame:
        cols = {f"x{j}": rng.normal(j, 1 + j, k) for j in range(8)}
        cols["color"] = rng.choice(["red", "green", "blue", "black"], k)
        cols["size"] = rng.choice(["S", "M", "L"], k)
        return pd.DataFrame(cols)

    train = frame_of(1000)
    pre = Preprocessor().fit(train, pd.DataFrame({"y": rng.choice(["a", "b", "c"], 1000)}))
    net = lw.Network([pre.n_x, 64, 32, 3], output="softmax", seed=0)
    saved = SavedModel(net, pre)
    rows = frame_of(m)
    sess = _session(lw.to_onnx(saved))
    numeric, text = pre.numeric, list(pre.categorical)

    def layerwise_predict():
        AL = saved.output(rows)  # (3, m): preprocessing (NumPy path) and the forward pass
        return pre.decode(AL), pre.probabilities(AL)

    def onnx_predict():
        feeds = {c: rows[c].to_numpy(np.float64).reshape(-1, 1) for c in numeric}  # (m, 1)
        feeds |= {c: rows[c].to_numpy(object).reshape(-1, 1) for c in text}
        return sess.run(None, feeds)

    labels, proba = layerwise_predict()
    got_labels, got_proba = onnx_predict()
    assert (got_labels == labels).all() and np.abs(got_proba - proba).max() < 1e-10
    return layerwise_predict, onnx_predict


def network(m: int, rng: np.random.Generator):
    net = lw.Network([784, 256, 128, 10], output="softmax", dtype=np.float32, seed=0)
    X = rng.standard_normal((m, 784)).astype(np.float32)  # rows; X.T is the course's (784, m)
    sess = _session(lw.to_onnx(net))

    def layerwise_predict():
        AL = net.predict_proba(X.T)
        return AL.argmax(axis=0), AL

    def onnx_predict():
        return sess.run(None, {"X": X})

    labels, proba = layerwise_predict()
    got_labels, got_proba = onnx_predict()
    assert (got_labels == labels).all() and np.abs(got_proba - proba.T).max() < 1e-5
    return layerwise_predict, onnx_predict


def _session(model) -> ort.InferenceSession:
    return ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])


def measure(fns, reps: int) -> list[list[float]]:
    """Per-call seconds of each function, calls interleaved, after one warm-up each."""
    for fn in fns:
        fn()
    times: list[list[float]] = [[] for _ in fns]
    for _ in range(reps):
        for fn, out in zip(fns, times, strict=True):
            t0 = time.perf_counter()
            fn()
            out.append(time.perf_counter() - t0)
    return times


def fmt(seconds: list[float]) -> str:
    def unit(s: float) -> str:
        return f"{s * 1e3:.2f} ms" if s < 1 else f"{s:.2f} s"

    return f"{unit(statistics.median(seconds))} ({unit(min(seconds))}–{unit(max(seconds))})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=0, help="timed calls (default 301 / 9)")
    parser.add_argument("--quick", action="store_true", help="fewer calls: a smoke run")
    args = parser.parse_args()
    print(
        f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
        f"numpy {np.__version__}, onnxruntime {ort.__version__}, layerwise {lw.__version__}\n"
    )
    print(
        "| workload | rows | layerwise: median (range) | ONNX Runtime: median (range) "
        "| layerwise ÷ ONNX Runtime |"
    )
    print("|---|---|---|---|---|")
    for name, make in (("tabular", tabular), ("network", network)):
        for m in (1, 100_000):
            reps = args.reps or (301 if m == 1 else 9)
            if args.quick:
                reps = min(reps, 21 if m == 1 else 3)
            ours, theirs = measure(make(m, np.random.default_rng(0)), reps)
            ratio = statistics.median(ours) / statistics.median(theirs)
            print(f"| {name} | {m:,} | {fmt(ours)} | {fmt(theirs)} | {ratio:.1f}× |")


if __name__ == "__main__":
    main()
