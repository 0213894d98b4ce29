"""Loading a deep model: seconds for ``layerwise.data.load_model`` on a network of N one-unit
layers (the model format allows 10,000), to show loading is linear in the file.

Run: ``python benchmarks/bench_load.py [N ...]`` (default 1000 4000; median of 3 loads each).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

import layerwise as lw
from layerwise.data import load_model


def seconds_to_load(depth: int, repeats: int = 3) -> float:
    """Median wall time of ``load_model`` on a saved network of ``depth`` one-unit layers."""
    with tempfile.TemporaryDirectory() as folder:
        path = lw.Network([1] * (depth + 1), seed=0).save(Path(folder) / "deep.npz")
        times = []
        for _ in range(repeats):
            start = time.perf_counter()
            load_model(path)
            times.append(time.perf_counter() - start)
    return statistics.median(times)


if __name__ == "__main__":
    for depth in [int(a) for a in sys.argv[1:]] or [1000, 4000]:
        print(f"N = {depth:>6,} layers: load_model {seconds_to_load(depth):.2f} s", flush=True)
