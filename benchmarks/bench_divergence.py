"""What the divergence guard costs: W1 and W2 epochs with the guard and with it replaced by a no-op.

Usage:  python benchmarks/bench_divergence.py [--reps N] [--m M]

The guard (``layerwise.divergence.Guard``) copies θ and the optimizer's state when an epoch
begins and checks θ once when it ends. The two variants run interleaved (guard, no-op, guard,
...) on the same network and data after one warm-up each; the script prints the median and the
range of the seconds per epoch of each, and their ratio. On a shared machine read the ranges:
a difference inside them is noise.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))

import layerwise as lw
from _systems import make_w1, make_w2
from layerwise import divergence
from layerwise.runtime import run


class NoGuard:
    """The guard's interface, doing nothing: fit without the divergence check's extra work."""

    def __init__(self, net, optimizer, engine) -> None:
        self.net = net

    def begin_epoch(self) -> None: ...

    def theta_finite(self) -> bool:
        return True

    def rewind(self, step_cost):  # never reached: theta_finite is always True
        return None


def _epoch_seconds(workload, guard: type, net: lw.Network, X, Y, epochs: int) -> float:
    run.Guard = guard
    try:
        start = time.perf_counter()
        net.fit(X, Y, epochs=epochs, learning_rate=workload.lr, batch_size=workload.batch)
        return (time.perf_counter() - start) / epochs
    finally:
        run.Guard = divergence.Guard


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=7, help="timed repetitions of each variant")
    parser.add_argument("--m", type=int, default=60_000, help="W1 examples (default 60,000)")
    args = parser.parse_args(argv)
    print("| workload | with the guard (s/epoch) | no-op guard (s/epoch) | ratio of medians |")
    print("|---|---|---|---|")
    for workload, epochs in ((make_w1(args.m, 1), 1), (make_w2(), 20)):
        X = workload.X_rows.T  # (n_x, m), read in place
        n_y = workload.dims[-1]
        if workload.output == "softmax":
            Y = np.zeros((n_y, X.shape[1]), workload.dtype)
            Y[workload.labels, np.arange(X.shape[1])] = 1
        else:
            Y = workload.labels[None, :].astype(workload.dtype)
        times: dict[str, list[float]] = {"guard": [], "none": []}
        for rep in range(args.reps + 1):  # the first of each is a warm-up
            for name, guard in (("guard", divergence.Guard), ("none", NoGuard)):
                net = lw.Network(
                    workload.dims, hidden="relu", output=workload.output, dtype=workload.dtype,
                    **workload.net_kwargs,
                )  # fmt: skip
                seconds = _epoch_seconds(workload, guard, net, X, Y, epochs)
                if rep:
                    times[name].append(seconds)
        cells = [
            f"{statistics.median(t):.4f} ({min(t):.4f}–{max(t):.4f})"
            for t in (times["guard"], times["none"])
        ]
        ratio = statistics.median(times["guard"]) / statistics.median(times["none"])
        print(f"| {workload.name} | {cells[0]} | {cells[1]} | {ratio:.3f} |")
    # the guard's own work, alone: what it adds to every epoch, however noisy the machine
    net = lw.Network([784, 256, 128, 10], hidden="relu", output="softmax", dtype=np.float32)
    opt = lw.Adam()
    opt.state = {"theta": {"v": np.zeros_like(net.theta), "s": np.zeros_like(net.theta)}}
    guard = divergence.Guard(net, opt, engine=None)
    per_epoch = []
    for _ in range(201):
        start = time.perf_counter()
        guard.begin_epoch()
        guard.theta_finite()
        per_epoch.append(time.perf_counter() - start)
    print(
        f"\nThe guard's own work per epoch (W1's θ, {net.theta.size:,} parameters, Adam's two "
        f"moments): median {1e6 * statistics.median(per_epoch[1:]):.0f} µs "
        f"({1e6 * min(per_epoch[1:]):.0f}–{1e6 * max(per_epoch[1:]):.0f})."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
