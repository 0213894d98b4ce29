"""``--device`` on the command line and ``device`` in the run's spec: a run trains on the
device it names and saves the same NumPy file as on the host (float64 within 1e-10 of NumPy's
θ, the tolerance of tests/test_array_api.py); a bad spec, a missing library and a checkpoint
are refused with exit code 2."""

from __future__ import annotations

import argparse
import importlib.util
import json
import re
import sys
from pathlib import Path

import numpy as np
import pytest

import layerwise as lw
from layerwise import cli
from layerwise.spec import DataSpec, NetworkSpec, RunSpec

sys.path.insert(0, str(Path(__file__).parent))
from commands import run
from model_files import members

TRAIN = ("train", "planar", "--epochs", 2, "--layers", "5,3", "--quiet", "--seed", 4)
F64 = 1e-10


def header(path) -> dict:
    """The model file's header, less the seconds the run took (the only field a clock sets)."""
    head = json.loads(members(path)["header.json"])
    del head["training"]["seconds"]
    return head


@pytest.fixture(scope="module")
def numpy_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("numpy")
    assert cli.main([str(a) for a in (*TRAIN, "--out", out)]) == 0
    return out / "model.npz"


@pytest.mark.parametrize("device", ["array-api-strict", "torch:cpu"])
def test_train_on_a_device_saves_numpys_file(device, numpy_run, tmp_path, capsys):
    code, out, err = run(capsys, *TRAIN, "--device", device, "--out", tmp_path)
    assert code == 0, err
    assert f", on {device}" in out  # the run says where it trained
    path = tmp_path / "model.npz"
    assert header(path) == header(numpy_run)
    net, reference = lw.load(path), lw.load(numpy_run)
    assert net.device is None and isinstance(net.theta, np.ndarray)
    np.testing.assert_allclose(net.theta, reference.theta, rtol=0, atol=F64)
    assert (json.loads((tmp_path / "metrics.json").read_text())).keys() == {"train", "dev", "test"}


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        (("--device", "tpu"), r"error: device must be one of the forms None, 'cpu'.*got 'tpu'"),
        (("--device", "torch:gpu"), r"error: device 'torch:gpu' names no torch device"),
        (
            ("--device", "array-api-strict:no_float64"),
            r"error: device 'array-api-strict:no_float64' has no float64; it offers float32",
        ),
        (
            ("--device", "torch", "--checkpoint", "CK"),
            r"error: --device torch does not take --checkpoint or --resume: a checkpoint holds",
        ),
        (
            ("--device", "torch", "--resume", "CK"),
            r"error: --device torch does not take --checkpoint or --resume",
        ),
    ],
)
def test_a_bad_device_is_a_usage_error(argv, match, tmp_path, capsys):
    argv = [str(tmp_path / "ck") if a == "CK" else a for a in argv]
    args = [*TRAIN, "--out", tmp_path / "run", *argv]
    if "--resume" in argv:
        args = ["train", "--resume", *argv[argv.index("--resume") + 1 :], "--device", argv[1]]
    code, out, err = run(capsys, *args)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1
    assert re.search(match, err)
    assert not (tmp_path / "run").exists() and not (tmp_path / "ck" / "checkpoint.npz").exists()


@pytest.mark.skipif(importlib.util.find_spec("cupy") is not None, reason="CuPy is installed")
def test_a_device_whose_library_is_missing_names_what_to_install(tmp_path, capsys):
    code, _, err = run(capsys, *TRAIN, "--device", "cupy:0", "--out", tmp_path)
    assert code == 2
    assert (
        "error: device 'cupy:0' needs cupy, which is not installed. Hint: pip install cupy" in err
    )
    assert "or leave --device None for NumPy." in err  # the library's device=None, as a flag


def test_cuda_without_a_gpu_is_refused(tmp_path, capsys):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a CUDA GPU is here")
    code, _, err = run(capsys, *TRAIN, "--device", "torch:cuda", "--out", tmp_path)
    assert code == 2 and "error: device 'torch:cuda': torch finds no CUDA GPU here" in err


def test_device_none_is_numpy(numpy_run, tmp_path, capsys):
    code, out, _ = run(capsys, *TRAIN, "--device", "None", "--out", tmp_path)
    assert code == 0 and ", on " not in out
    assert header(tmp_path / "model.npz") == header(numpy_run)


@pytest.mark.parametrize("device", ["cpu", "numpy"])
def test_numpys_device_names_take_a_checkpoint(device, tmp_path, capsys):
    args = (*TRAIN, "--out", tmp_path / "run", "--device", device)
    code, _, err = run(capsys, *args, "--checkpoint", tmp_path / "ck")
    assert code == 0, err
    assert (tmp_path / "ck" / "checkpoint.npz").exists()
    code, _, err = run(capsys, "train", "--resume", tmp_path / "ck", "--device", device)
    assert code == 0, err


def test_the_spec_holds_the_device_once():
    spec = RunSpec(DataSpec("planar"), NetworkSpec(device="array-api-strict"))
    assert spec.to_dict()["network"]["device"] == "array-api-strict"
    assert RunSpec.from_dict(spec.to_dict()) == spec
    for numpy in (None, "cpu", "numpy"):  # NumPy said one way: None, left out of to_dict
        spec = RunSpec(DataSpec("planar"), NetworkSpec(device=numpy))
        assert spec.network.device is None and "device" not in spec.to_dict()["network"]
    assert NetworkSpec(dtype="float32", device="array-api-strict:no_float64").device == (
        "array-api-strict:no_float64"
    )


@pytest.mark.parametrize(
    ("device", "error", "match"),
    [
        ("cuda", ValueError, r"device must be one of the forms None, 'cpu' or 'numpy'"),
        (0, TypeError, r"device must be a string such as 'torch:cuda', got 0"),
        ("array-api-strict:no_float64", ValueError, r"has no float64; it offers float32"),
    ],
)
def test_the_spec_refuses_a_bad_device(device, error, match):
    with pytest.raises(error, match=match):
        NetworkSpec(device=device)


def test_sweep_reads_the_same_field_and_scores_on_the_host():
    from layerwise.cli.sweep import spec_of
    from layerwise.spec import FitSpec, prepare
    from layerwise.sweep.objective import train_network

    args = cli.build_parser().parse_args(["sweep", "planar", "--device", "torch:cpu"])
    assert isinstance(args, argparse.Namespace)
    spec = spec_of(args)
    assert spec.network.device == "torch:cpu"
    spec = RunSpec(spec.data, NetworkSpec(layers=(3,), device="torch:cpu"), FitSpec(epochs=1))
    net, history = train_network(prepare(spec), spec, "dev_cost")
    assert net.device is None and isinstance(net.theta, np.ndarray) and history.epochs == 1
