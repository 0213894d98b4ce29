"""GPU benchmark: W1 epochs through layerwise on a GPU, against layerwise on the CPU, PyTorch
eager on the same GPU and JAX on the GPU.

Usage:  python benchmarks/bench_gpu.py [--device torch:cuda|cupy] [--reps N]
        python benchmarks/bench_gpu.py --device torch:cpu --quick   # smoke run on the CPU
        (``make bench`` runs it after bench_speed.py)

W1 is bench_speed.py's workload (60,000 × 784 synthetic rows, 784 → 256 → 128 → 10, relu,
softmax + cross-entropy, SGD lr 0.1, mini-batch 128, float32). Every system starts from
layerwise's initial weights; layerwise's data are moved to the device once, before timing.
Systems run interleaved, one epoch a repetition; the first repetition is a warm-up. layerwise
(on the device and on the CPU alike) is timed by its fit's own clock (``History.epoch_seconds``:
the epoch's steps and its cost, read on the host): each repetition is one ``fit`` call, whose
once-a-call checks of the data (an isfinite over X, Y's copy to the host for the target checks)
a fit of many epochs pays once, so they are left out of the epoch's time. Printed:
the GPU's name, median and range of seconds per epoch, the last epoch's loss, and the ratios
against the goals of issue 25 (an epoch >= 10x faster than layerwise on this machine's CPU,
within 1.5x of PyTorch eager on the same GPU). Without a GPU (no CUDA PyTorch, no CuPy) it
prints that it was skipped and why, and exits 0.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time

import numpy as np

from _systems import Jax, Layerwise, Torch, Workload, import_jax, make_w1
from layerwise.backend import gpu_synchronizer, library_of, resolve_device, to_device

GOAL_CPU, GOAL_TORCH = 10.0, 1.5  # issue 25: >= 10x the CPU, within 1.5x of PyTorch eager


class LayerwiseOn:
    """``Network(..., device=...).fit`` with the data on the device (moved once)."""

    def __init__(self, wl: Workload, device: str) -> None:
        self.wl, self.device, self.name = wl, device, f"layerwise {device}"
        self.net = wl.network().to(device)
        xp, where = resolve_device(device)
        self.X = to_device(wl.X_rows.T, xp, where)  # (n_x, m) on the device
        self.Y = to_device(wl.Y, xp, where)  # (n_y, m)
        self.sync, self.calls, self.loss = _synchronizer(device), 0, math.nan

    def run(self, n: int) -> None:
        h = self.net.fit(
            self.X, self.Y, epochs=n, learning_rate=self.wl.lr, batch_size=self.wl.batch,
            seed=self.calls,
        )  # fmt: skip
        self.sync()
        self.calls += 1
        self.loss = h.cost[-1]
        self.history = h  # its epoch_seconds: the epochs alone, fit's checks of the data left out


class TorchOn(Torch):
    """bench_speed.py's PyTorch eager (``nn.Sequential``, ``torch.optim.SGD``, batches
    gathered with a seeded ``randperm``) on ``device``; the epoch's loss summed on the
    device and read once, so no step waits for the host."""

    def __init__(self, wl: Workload, params: dict, device: str) -> None:
        super().__init__(wl, params)
        torch = self.torch
        self.where = torch.device(device)
        self.name = f"torch eager {self.where}"
        self.model.to(self.where)
        self.opt = torch.optim.SGD(self.model.parameters(), lr=wl.lr, momentum=0.0)
        self.X, self.y = self.X.to(self.where), self.y.to(self.where)
        self.gen = torch.Generator(device=self.where).manual_seed(0)

    def run(self, n: int) -> None:
        m, B, torch = self.wl.m, self.wl.batch, self.torch
        for _ in range(n):
            perm = torch.randperm(m, generator=self.gen, device=self.where)
            total = torch.zeros((), device=self.where)
            for i in range(0, m, B):
                idx = perm[i : i + B]
                loss = self.loss_fn(self.model(self.X[idx]), self.y[idx])
                self.opt.zero_grad(set_to_none=True)
                loss.backward()
                self.opt.step()
                total += loss.detach() * len(idx)
            self.loss = float(total) / m  # (waits for the device)


def on_gpu(device: str) -> bool:
    """Whether the device spec names a GPU (CuPy, or a CUDA torch device)."""
    return gpu_synchronizer(device) is not None


def _synchronizer(device: str):
    """A function that waits for the device's queued work (a no-op on a CPU)."""
    return gpu_synchronizer(device) or (lambda: None)


def _torch_cuda() -> bool:
    try:
        import torch
    except ImportError:
        return False
    return torch.cuda.is_available()


def find_device(asked: str | None) -> tuple[str | None, str]:
    """``(device, why)``: the device to bench (None: skip, ``why`` says why)."""
    if asked is not None:
        try:
            resolve_device(asked)
        except (ImportError, TypeError, ValueError) as err:
            return None, f"--device {asked}: {err}"
        return asked, ""
    if _torch_cuda():
        return "torch:cuda", ""
    try:
        import cupy

        if cupy.cuda.runtime.getDeviceCount() > 0:
            return "cupy", ""
    except Exception as err:  # not installed, or no driver: both mean no GPU here
        return None, f"no CUDA GPU: PyTorch has no CUDA device, and CuPy: {err}"
    return None, "no CUDA GPU: PyTorch has no CUDA device and CuPy finds none"


def gpu_name(device: str) -> str:
    """The device's name as its driver says it."""
    if library_of(resolve_device(device)[1]) == "cupy":
        import cupy

        return cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)["name"].decode()
    if on_gpu(device):
        import torch

        return torch.cuda.get_device_name()
    return f"none ({device} runs on the CPU)"


def systems_for(wl: Workload, device: str, jax_ok: bool) -> tuple[list, list[str]]:
    """layerwise on the device and on the CPU, PyTorch eager on the device's GPU, JAX on the
    GPU where it has one; notes say what was left out."""
    ours = LayerwiseOn(wl, device)
    params = {k: np.array(v) for k, v in Layerwise(wl).net.parameters.items()}
    systems, notes = [ours, Layerwise(wl)], []
    cpu = not on_gpu(device)
    where = resolve_device(device)[1]
    torch_device = "cuda" if library_of(where) == "cupy" else str(where)
    if torch_device == "cpu" or _torch_cuda():
        systems.append(TorchOn(wl, params, torch_device))
    else:
        notes.append("PyTorch eager skipped: PyTorch has no CUDA device here")
    jax = import_jax() if jax_ok else None
    if jax is None:
        notes.append("JAX skipped: not installed (or --no-jax)")
    elif jax.devices()[0].platform != "gpu" and not cpu:
        notes.append(f"JAX skipped: its default device is {jax.devices()[0].platform}, no GPU")
    else:
        jx = Jax(wl, params)
        jx.name = f"jax {jax.devices()[0].platform}"
        systems.append(jx)
    return systems, notes


def bench(systems: list, reps: int) -> dict[str, list[float]]:
    """Seconds per epoch of each system, interleaved; the first repetition a warm-up."""
    times: dict[str, list[float]] = {s.name: [] for s in systems}
    for rep in range(reps + 1):
        for system in systems:
            start = time.perf_counter()
            system.run(1)
            seconds = time.perf_counter() - start
            if rep:  # layerwise's own clock, on the device and the CPU (the module's notes)
                history = getattr(system, "history", None)
                times[system.name].append(seconds if history is None else history.epoch_seconds[0])
    return times


def report(systems: list, times: dict[str, list[float]], device: str, smoke: bool) -> str:
    """The Markdown table and the goals' lines."""
    median = {name: statistics.median(t) for name, t in times.items()}
    ours = median[systems[0].name]
    lines = [
        "| system | s / epoch (median) | range | last loss | × layerwise on the device |",
        "|---|---|---|---|---|",
    ]
    for s in systems:
        t = times[s.name]
        lines.append(
            f"| {s.name} | {median[s.name]:.4f} | {min(t):.4f}–{max(t):.4f} | {s.loss:.4f} | "
            f"{median[s.name] / ours:.2f} |"
        )
    cpu = median[systems[1].name] / ours
    lines.append("")
    judged = "" if smoke else (": met" if cpu >= GOAL_CPU else ": missed")
    lines.append(f"speed-up over layerwise on this CPU: {cpu:.1f}x (goal >= {GOAL_CPU:g}x{judged})")
    torch = [s.name for s in systems if s.name.startswith("torch eager")]
    if torch:
        ratio = ours / median[torch[0]]
        lines.append(
            f"layerwise / PyTorch eager on the same device: {ratio:.2f}x (goal <= {GOAL_TORCH:g}x"
            + ("" if smoke else (": met" if ratio <= GOAL_TORCH else ": missed"))
            + ")"
        )
    if smoke:
        lines.append(f"(smoke run on {device}: the goals are for a GPU, not judged here)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--device", help="torch:cuda, cupy, ... (default: the GPU found)")
    parser.add_argument("--reps", type=int, default=5, help="timed epochs per system")
    parser.add_argument("--quick", action="store_true", help="smoke run: 1,024 rows, 1 rep")
    parser.add_argument("--no-jax", action="store_true", help="leave JAX out")
    args = parser.parse_args(argv)
    device, why = find_device(args.device)
    if device is None:
        print(f"GPU benchmark skipped: {why}")
        return 0
    wl = make_w1(m=1024, per_rep=1) if args.quick else make_w1(per_rep=1)
    reps = 1 if args.quick else args.reps
    systems, notes = systems_for(wl, device, jax_ok=not args.no_jax)
    print(f"## GPU benchmark: W1 ({wl.m:,} rows), one epoch a repetition, {reps} timed\n")
    print(f"device: {device}; GPU: {gpu_name(device)}")
    for note in notes:
        print(f"note: {note}")
    print()
    smoke = not on_gpu(device)
    print(report(systems, bench(systems, reps), device, smoke or args.quick))
    return 0


if __name__ == "__main__":
    sys.exit(main())
