"""ONNX Runtime against layerwise's own prediction paths, for 1 row and 100,000 rows.

Usage:  python benchmarks/bench_onnx.py [--reps N] [--quick]
        (needs ``pip install -e ".[bench]"``: onnx, onnxruntime, pandas, scikit-learn)

Each model is exported with ``layerwise.to_onnx`` and checked once for agreement:

- ``tabular``: what ``layerwise predict`` does for a model trained on a CSV (8 numeric and 2 text
  columns, float64, [n_x, 64, 32, 3] softmax), ``SavedModel.output`` (the NumPy preprocessing
  of :mod:`layerwise.data.fast`, then the cache-free forward pass) + ``decode`` and
  ``probabilities``, against ONNX Runtime on the raw columns (standardizing and one-hot
  encoding in the graph; building the feeds from the DataFrame is timed too);
- ``tabular, reference``: the same through ``Preprocessor.transform`` (pandas), the path the
  NumPy one is checked against (what ``tabular`` measured before);
- ``estimator``: ``LayerwiseClassifier.predict_proba`` on 30 numeric columns ([30, 64, 32, 1],
  float64; scikit-learn's input checks or their one-pass equivalent included) against ONNX
  Runtime on the same rows;
- ``network``: a bare ``Network`` [784, 256, 128, 10] float32 softmax, ``predict_proba`` +
  argmax on ``X (784, m)`` against ONNX Runtime on the rows ``X (m, 784)``.

Calls alternate (layerwise, ONNX Runtime, layerwise, ...) after one warm-up each; the median and
the range (min-max) of the per-call times are printed as a Markdown table, under the CPU model,
the BLAS NumPy uses and the thread counts. ONNX Runtime runs with its default thread pool, NumPy
with its BLAS's default threads.
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
from layerwise.estimators import LayerwiseClassifier


def tabular(m: int, rng: np.random.Generator, reference: bool = False):
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
        # (3, m): the NumPy preprocessing and the cache-free forward pass, or the reference
        # (the pandas transform, then Network.forward keeping its caches)
        AL = net.forward(pre.transform(rows, net.dtype))[0] if reference else saved.output(rows)
        return pre.decode(AL), pre.probabilities(AL)

    def onnx_predict():
        feeds = {c: rows[c].to_numpy(np.float64).reshape(-1, 1) for c in numeric}  # (m, 1)
        feeds |= {c: rows[c].to_numpy(object).reshape(-1, 1) for c in text}
        return sess.run(None, feeds)

    labels, proba = layerwise_predict()
    got_labels, got_proba = onnx_predict()
    assert (got_labels == labels).all() and np.abs(got_proba - proba).max() < 1e-10
    return layerwise_predict, onnx_predict


def tabular_reference(m: int, rng: np.random.Generator):
    return tabular(m, rng, reference=True)


def estimator(m: int, rng: np.random.Generator):
    """A LayerwiseClassifier on 30 numeric columns, ``predict_proba`` against ONNX Runtime."""
    X_train = rng.normal(size=(2000, 30))
    y = (X_train[:, 0] + X_train[:, 1] * X_train[:, 2] > 0).astype(np.int64)
    clf = LayerwiseClassifier((64, 32), max_epochs=2, random_state=0).fit(X_train, y)
    X = rng.normal(size=(m, 30))
    sess = _session(lw.to_onnx(clf))

    def layerwise_predict():
        return clf.predict_proba(X)

    def onnx_predict():
        return sess.run(None, {"X": X})

    _, got_proba = onnx_predict()
    assert np.abs(got_proba - layerwise_predict()).max() < 1e-10
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


def _cpu_model() -> str:
    """The CPU's model name (Linux: /proc/cpuinfo), else what platform knows."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _blas() -> str:
    """NumPy's BLAS and its threads, as threadpoolctl sees them (when installed)."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        return "BLAS threads unknown"
    pools = [f"{p['internal_api']} {p['num_threads']} threads" for p in threadpool_info()]
    return ", ".join(pools) or "no BLAS pool found"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=0, help="timed calls (default 301 / 9)")
    parser.add_argument("--quick", action="store_true", help="fewer calls: a smoke run")
    args = parser.parse_args()
    print(
        f"{_cpu_model()}, {os.cpu_count()} cores, numpy {np.__version__} ({_blas()}), "
        f"onnxruntime {ort.__version__}, layerwise {lw.__version__}\n"
    )
    print(
        "| workload | rows | layerwise: median (range) | ONNX Runtime: median (range) "
        "| layerwise ÷ ONNX Runtime |"
    )
    print("|---|---|---|---|---|")
    workloads = (
        ("tabular", tabular),
        ("tabular, reference", tabular_reference),
        ("estimator", estimator),
        ("network", network),
    )
    for name, make in workloads:
        for m in (1, 100_000):
            reps = args.reps or (301 if m == 1 else 9)
            if args.quick:
                reps = min(reps, 21 if m == 1 else 3)
            ours, theirs = measure(make(m, np.random.default_rng(0)), reps)
            ratio = statistics.median(ours) / statistics.median(theirs)
            print(f"| {name} | {m:,} | {fmt(ours)} | {fmt(theirs)} | {ratio:.1f}× |")


if __name__ == "__main__":
    main()
