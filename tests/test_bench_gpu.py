"""benchmarks/bench_gpu.py: its smoke run on PyTorch's CPU (the same script a GPU runs), and
the skip, with the reason and exit code 0, where the device it needs is missing."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "benchmarks" / "bench_gpu.py"


def bench(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(SCRIPT), *argv], capture_output=True, text=True, timeout=300
    )


def test_the_smoke_run_times_every_system_from_the_same_weights():
    done = bench("--device", "torch:cpu", "--quick", "--no-jax")
    assert done.returncode == 0, done.stderr
    rows = {
        line.split("|")[1].strip(): line.split("|")[2:-1]
        for line in done.stdout.splitlines()
        if line.startswith("| ") and not line.startswith("| system")
    }
    assert set(rows) == {"layerwise torch:cpu", "layerwise", "torch eager cpu"}
    loss = {name: float(cells[2]) for name, cells in rows.items()}
    assert loss["layerwise torch:cpu"] == pytest.approx(loss["layerwise"], abs=1e-4)
    assert "speed-up over layerwise on this CPU: " in done.stdout
    assert "layerwise / PyTorch eager on the same device: " in done.stdout
    assert "(smoke run on torch:cpu: the goals are for a GPU, not judged here)" in done.stdout


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is installed")
def test_a_missing_device_is_skipped_with_the_reason():
    done = bench("--device", "cupy")
    assert done.returncode == 0
    assert done.stdout.startswith(
        "GPU benchmark skipped: --device cupy: device 'cupy' needs cupy, which is not installed."
    )


def test_without_a_gpu_the_benchmark_says_it_skipped():
    import torch

    if torch.cuda.is_available() or importlib.util.find_spec("cupy") is not None:
        pytest.skip("a GPU library is here")
    done = bench()
    assert done.returncode == 0
    assert done.stdout.startswith("GPU benchmark skipped: no CUDA GPU: PyTorch has no CUDA device")


def test_the_goals_are_judged_on_a_gpu_only():
    from types import SimpleNamespace

    sys.path.insert(0, str(SCRIPT.parent))
    try:
        import bench_gpu
    finally:
        sys.path.remove(str(SCRIPT.parent))
    systems = [
        SimpleNamespace(name=name, loss=0.5)
        for name in ("layerwise torch:cuda", "layerwise", "torch eager cuda:0")
    ]
    times = {"layerwise torch:cuda": [0.1, 0.2], "layerwise": [2.0], "torch eager cuda:0": [0.12]}
    text = bench_gpu.report(systems, times, "torch:cuda", smoke=False)
    assert "| layerwise torch:cuda | 0.1500 | 0.1000–0.2000 | 0.5000 | 1.00 |" in text
    assert "speed-up over layerwise on this CPU: 13.3x (goal >= 10x: met)" in text
    assert "layerwise / PyTorch eager on the same device: 1.25x (goal <= 1.5x: met)" in text
    times["layerwise"] = [1.0]
    assert "6.7x (goal >= 10x: missed)" in bench_gpu.report(systems, times, "cupy", smoke=False)
    assert ": met" not in bench_gpu.report(systems, times, "torch:cpu", smoke=True)
