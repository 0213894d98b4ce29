"""Speed benchmark: layerwise vs scikit-learn, PyTorch, JAX and the GEMM floors, in one process.

Usage:  python benchmarks/bench_speed.py [--quick] [--workloads W1,W2,W3] [--cat-dir DIR]
        (``make bench`` installs the ``bench`` extra and runs it; about 6 minutes)

Each workload's systems run interleaved (floors, layerwise, sklearn, torch, jax, floors, ...); JAX
is optional (skipped, with a note, when it is not installed). The first
repetition of each is a warm-up (its peak RSS increase is the memory column) and the medians of
the others are reported. Then: W1's memory budget, linear scaling in m, "vectorized vs loop"
for logistic regression on the cat data, and training from a 4 GB memory-mapped .npy file.
Prints Markdown tables (benchmarks/README.md keeps a copy) and exits 1 if a target is missed.
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import math
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import numpy as np

import layerwise as lw
from _systems import (
    Floor,
    Jax,
    Layerwise,
    MemorySampler,
    MklFloor,
    Sklearn,
    Teacher,
    Torch,
    TorchFloor,
    Workload,
    import_jax,
    layerwise_paths,
    make_w1,
    make_w2,
    make_w3,
    max_relative_difference,
    proc_status_kb,
)
from layerwise.data import CatData, load_catvnoncat, one_hot

MB = 2**20
UNITS = {"W1": "s/epoch", "W2": "s/epoch", "W3": "s/100 it"}
# workload: (max layerwise/floor, min sklearn/layerwise, min torch/layerwise)
TARGETS = {"W1": (1.15, 2.5, 2.5), "W2": (1.5, 6.0, 6.0), "W3": (1.05, 1.2, 1.5)}
JAX_GOALS = {"W2": 1.3, "W3": 2.0}  # JAX ÷ layerwise at least this (issue 16)
REPS = {"W1": 5, "W2": 31, "W3": 9}  # timed repetitions (after one warm-up); W2 units are
# a few milliseconds, so it takes more of them for a stable median on a shared machine
verdicts: list[tuple[str, bool]] = []
floor_note: list[str] = []  # the floor's GEMM rate per workload
jax_check: list[str] = []  # JAX's weights against layerwise's after one epoch, per workload
JAX = import_jax()  # None: not installed, JAX is skipped


def check(label: str, ok: bool) -> str:
    verdicts.append((label, ok))
    return "met" if ok else "MISSED"


def print_environment() -> None:
    import sklearn
    import threadpoolctl
    import torch

    print("## Environment\n")
    try:
        rev = subprocess.run(
            ["git", "describe", "--always", "--dirty"], capture_output=True, text=True, timeout=10
        ).stdout.strip()
    except OSError:
        rev = ""
    print(f"- {time.strftime('%Y-%m-%d %H:%M')}, layerwise at git {rev or '?'}")
    print(
        f"- Python {platform.python_version()}, NumPy {np.__version__}, "
        f"scikit-learn {sklearn.__version__}, PyTorch {torch.__version__}, layerwise "
        f"{lw.__version__}"
    )
    cpus = len(os.sched_getaffinity(0))
    print(
        f"- CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs "
        f"({cpus} usable); torch threads {torch.get_num_threads()}"
    )
    from layerwise.engine import mkl, paths

    chosen = paths.describe()
    print(
        f"- layerwise's engine chooses: kernels {chosen['kernels']}, BLAS {chosen['blas']}; "
        f"MKL: {mkl.code_path() or 'not installed'}; small networks' steps compiled whole: "
        + ("yes" if paths.epoch_kernel(10**9, 0) else "no (opt-in: LAYERWISE_EPOCH=compiled)")
    )
    if JAX is None:
        print("- JAX: not installed, skipped (`pip install -e '.[bench]'` brings it)")
    else:
        print(
            f"- JAX {JAX.__version__} (jaxlib {JAX.lib.__version__}), backend "
            f"{JAX.default_backend()}, devices {JAX.devices()}, x64 enabled"
        )
    for pool in threadpoolctl.threadpool_info():
        owner = next(
            (
                p
                for p in ("numpy", "scipy", "torch", "sklearn", "scikit_learn")
                if f"/{p}" in pool["filepath"]
            ),
            "?",
        )
        detail = ", ".join(
            f"{k} {pool[k]}" for k in ("architecture", "threading_layer") if pool.get(k)
        )
        print(
            f"- {owner}: {pool['internal_api']} {pool.get('version') or ''} "
            f"({detail or pool['user_api']}): {pool['num_threads']} threads"
        )
    print()


# ----- the main table ------------------------------------------------------------------------
def bench_workload(wl: Workload, reps: int) -> dict[str, dict]:
    """Interleaved timing of every system on ``wl``: median seconds per unit, loss, memory."""
    ours = layerwise_paths(wl)  # what the engine chooses, then each other installed path
    params = {k: v.copy() for k, v in ours[0].net.parameters.items()}  # every system starts here
    systems = [Floor(wl), Floor(wl, rows=True), TorchFloor(wl)]
    systems += [MklFloor(wl)] if MklFloor.available() else []
    systems += [*ours, Sklearn(wl, params), Torch(wl, params)]
    systems += [Jax(wl, params)] if JAX is not None else []
    times: dict[str, list[float]] = {s.name: [] for s in systems}
    memory: dict[str, int] = {}
    for rep in range(reps + 1):
        for system in systems:
            if rep == 0:  # warm-up: measure its peak RSS increase instead of its time
                with MemorySampler("VmRSS") as mem:
                    system.run(wl.per_rep)
                memory[system.name] = mem.increase
                continue
            start = time.perf_counter()
            system.run(wl.per_rep)
            times[system.name].append((time.perf_counter() - start) * wl.per_unit / wl.per_rep)
            time.sleep(getattr(system, "settle", 0.0))  # MKL's spinning threads: not the next's
    result = {
        s.name: {
            "median": statistics.median(times[s.name]),
            "all": times[s.name],
            "loss": s.loss,
            "memory": memory[s.name],
        }
        for s in systems
    }
    flop = systems[0].flop_per_epoch * wl.per_unit / 1e9
    mkl_rate = (
        f", MKL's: {flop / result['mkl-floor']['median']:.0f}" if "mkl-floor" in result else ""
    )
    floor_note.append(
        f"{wl.name}: {flop / floor_time(result):.0f} GFLOP/s (PyTorch's: "
        f"{flop / result['torch-floor']['median']:.0f}{mkl_rate})"
    )
    if JAX is not None:
        jax_check.append(f"{wl.name} {jax_weight_check(wl)}")
    return result


def jax_weight_check(wl: Workload) -> str:
    """JAX's and layerwise's weights after one epoch (iteration) each from the same initial
    weights in the same order: their max relative difference in float64 and, for a float32
    workload, in float32 beside layerwise's own float32-vs-float64 difference (SGD on W1 grows
    float32 rounding over an epoch, so only float64 can show that the two compute the same)."""
    wide = dataclasses.replace(wl, X_rows=wl.X_rows.astype(np.float64), dtype=np.float64)
    trained = {}
    for w in (wl, wide) if wl.dtype != np.float64 else (wide,):
        ref = Layerwise(w)
        peer = Jax(w, {k: v.copy() for k, v in ref.net.parameters.items()})
        ref.run(1)
        peer.run(1)
        trained[np.dtype(w.dtype).name] = (dict(ref.net.parameters), peer.parameters())
    ours64, jax64 = trained.pop("float64")
    text = f"float64 {max_relative_difference(jax64, ours64):.1e}"
    if trained:
        ours32, jax32 = trained["float32"]
        text += (
            f", float32 {max_relative_difference(jax32, ours32):.1e} (layerwise's own float32 "
            f"vs float64: {max_relative_difference(ours32, ours64):.1e})"
        )
    return text


def floor_time(res: dict[str, dict]) -> float:
    """The floor of one workload's results: the faster of its two layouts (median s/unit)."""
    return min(res["floor"]["median"], res["floor-rows"]["median"])


def fastest_floor(res: dict[str, dict]) -> tuple[str, float]:
    """The fastest GEMM floor on the machine: NumPy's (either layout), PyTorch's or MKL's."""
    names = [n for n in ("floor", "floor-rows", "torch-floor", "mkl-floor") if n in res]
    best = min(names, key=lambda n: res[n]["median"])
    return best, res[best]["median"]


def print_table(results: dict[str, dict[str, dict]], notes: list[str]) -> None:
    print("## Median time per unit (interleaved runs, warm-up excluded)\n")
    print(
        "| workload | system | median | × floor | × fastest floor | sklearn ÷ this | torch ÷ this "
        "| jax ÷ this | final loss | peak RSS +MB | range (min–max) | spread |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, res in results.items():
        floor, t_floor = floor_time(res), fastest_floor(res)[1]
        skl, tor = res["sklearn"]["median"], res["torch"]["median"]
        jax = res["jax"]["median"] if "jax" in res else math.nan
        for system, r in res.items():
            t = r["median"]
            spread = (max(r["all"]) - min(r["all"])) / t
            loss = "—" if math.isnan(r["loss"]) else f"{r['loss']:.4f}"
            vs_jax = "—" if math.isnan(jax) else f"{jax / t:.2f}"
            print(
                f"| {name} | {system} | {t:.4f} {UNITS[name]} | {t / floor:.3f} | "
                f"{t / t_floor:.3f} | {skl / t:.2f} | {tor / t:.2f} | {vs_jax} | {loss} | "
                f"{r['memory'] / MB:.1f} | {min(r['all']):.4f}–{max(r['all']):.4f} | "
                f"{spread:.0%} |"
            )
    print(
        "\n*× floor*: relative to the faster floor: `floor` has the input batch in course layout "
        "(A0 (n_x, B) C-ordered), `floor-rows` as rows (A0 = X_bᵀ, X_b (B, n_x)), as layerwise "
        f"reads `X = data.T`. Its GEMM rate: {', '.join(floor_note)}. *× fastest floor*: relative "
        "to the fastest of `floor`, `floor-rows`, `torch-floor` (the same products through "
        "PyTorch's `torch.mm`, its own BLAS) and `mkl-floor` (through MKL's `cblas_?gemm`, as "
        "layerwise's engine calls it). `layerwise` is what the engine chooses by itself; "
        "`layerwise-numpy` forces the NumPy tape on NumPy's BLAS (the reference path), "
        "`layerwise-mkl` the products through MKL, `layerwise-tape` the recorded tape where "
        "`layerwise` runs a small network's steps compiled whole (`engine.whole`, W2), "
        "`layerwise-compiled` those compiled steps forced elsewhere. `jax`: the epoch as "
        "one `jax.jit`-compiled `lax.scan` over the mini-batches (its first call, which "
        "compiles, is the warm-up). *range*, *spread*: the fastest and slowest repetitions and "
        "(max − min) / median. *peak RSS +MB*: during the warm-up unit.\n"
    )
    if JAX is None:
        print("JAX is not installed: skipped (`pip install -e '.[bench]'` brings it).\n")
    else:
        print(
            "JAX's weights after one epoch (W3: iteration) from layerwise's initial weights, in "
            "layerwise's shuffle order, against layerwise's (max over arrays of max |Δ| / "
            f"max |W|): {'; '.join(jax_check)}.\n"
        )
    print("".join(f"- {note}\n" for note in notes))
    print("## Targets\n")
    for name, res in results.items():
        max_floor, min_skl, min_torch = TARGETS[name]
        t = res["layerwise"]["median"]
        ratios = (
            t / floor_time(res),
            res["sklearn"]["median"] / t,
            res["torch"]["median"] / t,
        )
        print(
            f"- {name}: layerwise/floor {ratios[0]:.3f} (≤ {max_floor}: "
            f"{check(f'{name} floor', ratios[0] <= max_floor)}), "
            f"{ratios[1]:.2f}× faster than sklearn (≥ {min_skl}: "
            f"{check(f'{name} sklearn', ratios[1] >= min_skl)}), "
            f"{ratios[2]:.2f}× faster than PyTorch (≥ {min_torch}: "
            f"{check(f'{name} torch', ratios[2] >= min_torch)})"
        )
    print("\n## Peers (goals, not counted in the exit status: peers' times vary widely)\n")
    for name, res in results.items():
        t = res["layerwise"]["median"]
        best, t_best = fastest_floor(res)
        goal = JAX_GOALS.get(name)
        if "jax" not in res:
            vs_jax = "JAX skipped (not installed)"
        else:
            ratio = res["jax"]["median"] / t
            verdict = "" if goal is None else f" (≥ {goal}: {'met' if ratio >= goal else 'MISSED'})"
            vs_jax = f"JAX ÷ layerwise {ratio:.2f}{verdict}"
        others = ", ".join(
            f"{other} / NumPy's {res[other]['median'] / floor_time(res):.3f}"
            for other in ("torch-floor", "mkl-floor")
            if other in res
        )
        print(
            f"- {name}: {vs_jax}; layerwise / NumPy GEMM floor {t / floor_time(res):.3f}, / "
            f"fastest floor ({best}) {t / t_best:.3f} (≤ 1.3 where a faster BLAS is installed); "
            f"GEMM floors: {others}"
        )
    print()


# ----- memory, scaling -----------------------------------------------------------------------
def w1_memory(wl: Workload) -> None:
    """Peak extra memory of one layerwise W1 epoch: tracemalloc (NumPy reports to it) and RSS."""
    net, X, Y = wl.network(), wl.X_rows.T, wl.Y
    data = X.nbytes + Y.nbytes
    tracemalloc.start()
    with MemorySampler("VmRSS") as rss:
        net.fit(X, Y, epochs=1, learning_rate=wl.lr, batch_size=wl.batch)
    traced = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    budget = X.nbytes + 50 * MB  # one shuffled copy of the data + 50 MB
    ok = max(traced, rss.increase) <= budget
    print(
        f"## Memory (W1, m = {wl.m:,}, one layerwise epoch)\n\n- data X + Y: {data / MB:.0f} "
        f"MB; peak allocated during fit: {traced / MB:.1f} MB (tracemalloc), peak RSS increase "
        f"{rss.increase / MB:.1f} MB\n- budget: data + one shuffled copy "
        f"({X.nbytes / MB:.0f} MB) + 50 MB, i.e. at most {budget / MB:.0f} MB beyond the data: "
        f"{check('W1 memory', ok)}\n"
    )


def scaling(wl: Workload, reps: int, sizes=(15_000, 30_000, 60_000)) -> None:
    """Layerwise W1 epochs at several m, interleaved: time per example should be flat."""
    sizes = [m for m in sizes if m <= wl.m]
    subs = {
        m: Layerwise(dataclasses.replace(wl, X_rows=wl.X_rows[:m], labels=wl.labels[:m]))
        for m in sizes
    }
    times: dict[int, list[float]] = {m: [] for m in sizes}
    for rep in range(reps + 1):
        for m, system in subs.items():
            start = time.perf_counter()
            system.run(1)
            if rep:
                times[m].append(time.perf_counter() - start)
    print("## Linear scaling in m (W1, layerwise)\n")
    print("| m | median s/epoch | µs/example | relative to largest m |\n|---:|---:|---:|---:|")
    per_example = {m: statistics.median(t) / m for m, t in times.items()}
    for m in sizes:
        print(
            f"| {m:,} | {per_example[m] * m:.4f} | {per_example[m] * 1e6:.2f} | "
            f"{per_example[m] / per_example[sizes[-1]]:.3f} |"
        )
    print()


# ----- vectorized vs loop --------------------------------------------------------------------
def logreg_two_loops(X_list, y, w, b, lr):
    """The notes' non-vectorized logistic regression: loops over examples i and features j.
    ``X_list``: m lists of n floats, ``y``: m labels, ``w``: n floats."""
    m, n = len(X_list), len(w)
    dw, db, J = [0.0] * n, 0.0, 0.0
    for i in range(m):
        x = X_list[i]
        z = b
        for j in range(n):
            z += w[j] * x[j]
        a = 1 / (1 + math.exp(-z))
        J -= y[i] * math.log(a) + (1 - y[i]) * math.log(1 - a)
        dz = a - y[i]
        for j in range(n):
            dw[j] += x[j] * dz
        db += dz
    return [w[j] - lr * dw[j] / m for j in range(n)], b - lr * db / m, J / m


def logreg_example_loop(X_rows, y, w, b, lr):
    """One loop over examples, each a NumPy dot product: dw += x⁽ⁱ⁾ dz⁽ⁱ⁾; X_rows (m, n),
    y: m labels, w (n,)."""
    m = X_rows.shape[0]
    dw, db, J = np.zeros_like(w), 0.0, 0.0
    for i in range(m):
        a = 1 / (1 + math.exp(-(float(X_rows[i] @ w) + b)))
        J -= y[i] * math.log(a) + (1 - y[i]) * math.log(1 - a)
        dw += X_rows[i] * (a - y[i])
        db += a - y[i]
    return w - lr * dw / m, b - lr * db / m, J / m


def vectorized_vs_loop(cat: CatData, iterations: int) -> None:
    X, Y, lr = cat.X_train, cat.Y_train, 0.005
    X_rows, y = np.ascontiguousarray(X.T), Y.ravel().tolist()
    rows = []
    X_list = X_rows.tolist()
    start = time.perf_counter()
    w2, _, cost2 = logreg_two_loops(X_list, y, [0.0] * X.shape[0], 0.0, lr)
    rows.append(("two Python loops (examples × features)", time.perf_counter() - start, cost2))
    start = time.perf_counter()
    w1, _, cost1 = logreg_example_loop(X_rows, y, np.zeros(X.shape[0]), 0.0, lr)
    rows.append(("loop over examples, NumPy dot each", time.perf_counter() - start, cost1))
    net = lw.Network([X.shape[0], 1], output="sigmoid", init="zeros")
    first = net.fit(X, Y, epochs=1, learning_rate=lr)  # also checks the three agree
    same = np.allclose(net.parameters["W1"].ravel(), w1) and np.allclose(w1, w2)
    net = lw.Network([X.shape[0], 1], output="sigmoid", init="zeros")
    start = time.perf_counter()
    net.fit(X, Y, epochs=iterations, learning_rate=lr)
    rows.append(
        ("layerwise (vectorized)", (time.perf_counter() - start) / iterations, first.cost[0])
    )
    print("## Vectorized vs loop: logistic regression on the cat data (209 × 12288, float64)\n")
    print("| implementation | s/iteration | layerwise is × faster | first cost |")
    print("|---|---:|---:|---:|")
    for label, t, J in rows:
        print(f"| {label} | {t:.5f} | {t / rows[-1][1]:,.0f} | {J:.6f} |")
    print(f"\nSame weights after one iteration in all three: {'yes' if same else 'NO'}\n")


# ----- larger than memory --------------------------------------------------------------------
def memmap_demo(tmp_root: str, size_gb: float = 4.0) -> None:
    """Train one epoch from a memory-mapped .npy of ``size_gb`` GB; RssAnon must stay < 1 GB."""
    n_x, chunk = 784, 50_000
    m = int(size_gb * 1e9 / (4 * n_x))
    print(f"## Training from a {size_gb:g} GB memory-mapped .npy\n")
    free = shutil.disk_usage(tmp_root).free
    if free < 6e9:
        print(f"Skipped: {tmp_root} has {free / 1e9:.1f} GB free, the demo needs 6 GB.\n")
        return
    folder = tempfile.mkdtemp(prefix="layerwise-bench-", dir=tmp_root)
    try:
        path = Path(folder) / "X.npy"
        start = time.perf_counter()
        X_file = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(m, n_x))
        labels, teacher = np.empty(m, np.int64), Teacher()
        for i in range(0, m, chunk):  # written in chunks: never 4 GB in memory
            X_file[i : i + chunk], labels[i : i + chunk] = teacher.sample(
                min(chunk, m - i), np.random.default_rng(i)
            )
        X_file.flush()
        del X_file
        Y = one_hot(labels, 10).astype(np.float32)  # (10, m) in memory
        made = time.perf_counter() - start
        X = np.load(path, mmap_mode="r").T  # (n_x, m), nothing read yet
        net = lw.Network([n_x, 64, 10], output="softmax", dtype=np.float32)
        gc.collect()
        with MemorySampler("RssAnon", interval=0.01) as anon:
            start = time.perf_counter()
            h = net.fit(X, Y, epochs=1, batch_size=1024, learning_rate=0.1)
            seconds = time.perf_counter() - start
        ok = anon.peak < 2**30
        print(
            f"- file: {path.stat().st_size / 1e9:.2f} GB, X ({n_x}, {m:,}) float32 "
            f"(written in {made:.0f} s); Y one-hot in memory ({Y.nbytes / MB:.0f} MB)\n"
            f"- `net.fit(np.load(path, mmap_mode='r').T, Y, epochs=1, batch_size=1024)`, "
            f"784 → 64 → 10: {seconds:.1f} s, cost {h.cost[-1]:.4f}, accuracy "
            f"{h.metrics['accuracy'][-1]:.3f}\n"
            f"- RssAnon: {anon.start / MB:.0f} MB before, peak {anon.peak / MB:.0f} MB "
            f"during fit (< 1024 MB: {check('memmap RssAnon < 1 GB', ok)}); RssFile at the "
            f"end {proc_status_kb('RssFile') / 1024:.0f} MB (page cache, reclaimable)\n"
        )
        del X
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        print(f"- deleted {folder}\n")


# ----- main ----------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--quick", action="store_true", help="smoke run: small W1, 2 repetitions, no scaling/memmap"
    )
    parser.add_argument("--workloads", default="W1,W2,W3", help="comma-separated subset")
    parser.add_argument("--cat-dir", default="../shared/data/catvnoncat")
    parser.add_argument("--reps", type=int, help="timed repetitions for every workload")
    parser.add_argument("--memmap", action="store_true", help="run the memmap demo (also quick)")
    parser.add_argument("--no-memmap", action="store_true", help="skip the 4 GB memmap demo")
    parser.add_argument("--tmp-dir", default=tempfile.gettempdir(), help="for the memmap file")
    args = parser.parse_args(argv)
    workloads = [w.strip().upper() for w in args.workloads.split(",") if w.strip()]
    if unknown := set(workloads) - set(UNITS):
        parser.error(f"unknown workloads {sorted(unknown)}; choose from W1, W2, W3")

    import torch

    torch.set_num_threads(2)
    begin = time.perf_counter()
    print(f"# layerwise speed benchmark{' (--quick)' if args.quick else ''}\n")
    print_environment()
    # the cat files, read once for W3 and the vectorized-vs-loop table
    cat = load_catvnoncat(args.cat_dir) if "W3" in workloads or not args.quick else None
    makers = {
        "W1": lambda: make_w1(*((10_000, 1) if args.quick else (60_000, 3))),
        "W2": make_w2,
        "W3": lambda: make_w3(cat, per_rep=20 if args.quick else 100),
    }
    results, w1, wl, run_notes = {}, None, None, []
    for name in workloads:
        wl = makers[name]()
        reps = args.reps or (2 if args.quick else REPS[name])
        t0, load_before = time.perf_counter(), os.getloadavg()[0]
        results[name] = bench_workload(wl, reps)
        load = f"{load_before:.1f} → {os.getloadavg()[0]:.1f}"
        run_notes.append(
            f"{name}: m = {wl.m:,}, {reps} timed repetitions after a warm-up, "
            f"{time.perf_counter() - t0:.0f} s, 1-min load average {load}"
        )
        w1 = wl if name == "W1" else w1
    print_table(results, run_notes)
    if w1 is not None:
        w1_memory(w1)
        if not args.quick:
            scaling(w1, args.reps or 3)
    if not args.quick:
        vectorized_vs_loop(cat, iterations=100)
    del w1, wl, results  # free the data sets before the memory-mapped run measures RssAnon
    cat = None
    gc.collect()
    if (args.memmap or not args.quick) and not args.no_memmap:
        memmap_demo(args.tmp_dir)
    missed = [label for label, ok in verdicts if not ok]
    print(
        f"Total time {time.perf_counter() - begin:.0f} s. "
        f"Targets missed: {', '.join(missed) if missed else 'none'}."
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
