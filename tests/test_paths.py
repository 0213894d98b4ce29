"""Tests for ``layerwise.engine.paths``: the settings that choose the engine's kernels and BLAS."""

from __future__ import annotations

import importlib
import importlib.util
import subprocess
import sys

import pytest

from layerwise.engine import mkl, paths


def test_the_settings_are_read_from_the_environment_and_the_module(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LAYERWISE_KERNELS", "numpy")
    monkeypatch.setenv("LAYERWISE_BLAS", "OpenBLAS")
    assert paths.kernels() is None and paths.blas_library() is None
    assert paths.describe() == {"kernels": "numpy", "blas": "openblas"}
    if importlib.util.find_spec("numba") is not None:
        monkeypatch.setattr(paths, "KERNELS", "auto")  # the module setting wins
        assert paths.describe()["kernels"] == "numba"
        small = paths.KERNELS_MIN_ELEMENTS - 1  # a toy epoch: not worth loading numba
        assert paths.kernels(elements=small) is None
        assert paths.kernels(elements=small + 1) is not None
        monkeypatch.setattr(paths, "KERNELS", "numba")  # asked for: at any size
        assert paths.kernels(elements=1) is not None


@pytest.mark.parametrize("name", ["KERNELS", "BLAS"])
def test_an_unknown_setting_is_refused(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"LAYERWISE_{name}", "fastest")
    with pytest.raises(ValueError, match=rf"LAYERWISE_{name} must be one of auto, .*'fastest'"):
        paths.describe()
    monkeypatch.setattr(paths, name, "gpu")
    with pytest.raises(ValueError, match=rf"paths.{name} must be one of .*Hint: leave it unset"):
        paths.describe()


def test_asking_for_a_missing_extra_says_which_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(paths, "KERNELS", "numba")
    monkeypatch.setitem(sys.modules, "numba", None)  # as if numba were not installed
    monkeypatch.delitem(sys.modules, "layerwise.engine.kernels", raising=False)
    with pytest.raises(RuntimeError, match=r"layerwise\[fast\]"):
        paths.kernels()
    monkeypatch.setattr(paths, "KERNELS", "auto")
    assert paths.kernels() is None  # auto: NumPy's tape
    monkeypatch.setattr(paths, "BLAS", "mkl")
    monkeypatch.setattr(mkl, "load", lambda: None)
    with pytest.raises(RuntimeError, match=r"layerwise\[mkl\]"):
        paths.blas_library()


def test_a_missing_extra_is_named_with_the_setting_that_asked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "numba", None)
    monkeypatch.delitem(sys.modules, "layerwise.engine.kernels", raising=False)
    monkeypatch.setenv("LAYERWISE_KERNELS", "numba")
    with pytest.raises(RuntimeError, match=r"^LAYERWISE_KERNELS='numba' asks for numba"):
        paths.kernels()
    monkeypatch.setattr(paths, "KERNELS", " Numba")
    with pytest.raises(RuntimeError, match=r"^layerwise.engine.paths.KERNELS='numba' asks"):
        paths.kernels()
    monkeypatch.setattr(paths, "KERNELS", " Numbaa")
    with pytest.raises(ValueError, match=r"got ' Numbaa'"):  # what was given, as given
        paths.kernels()


def test_an_installed_extra_loads() -> None:
    # where an extra is installed (CI installs both), its path must work, not be skipped
    from importlib import metadata

    if importlib.util.find_spec("numba") is not None:
        importlib.import_module("layerwise.engine.kernels")  # compiles, or raises
    try:
        metadata.distribution("mkl")
    except metadata.PackageNotFoundError:
        return
    assert mkl.load() is not None, "the mkl distribution is installed but libmkl_rt did not load"


def test_auto_takes_mkl_only_where_it_runs_code_for_this_cpu(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(paths, "BLAS", "auto")
    library = object()
    monkeypatch.setattr(mkl, "load", lambda: library)
    monkeypatch.setattr(mkl, "code_path", lambda: "Intel(R) Architecture processors")
    assert paths.blas_library() is None  # MKL's generic code: NumPy's BLAS
    monkeypatch.setattr(mkl, "code_path", lambda: "Intel(R) Advanced Vector Extensions 512 ...")
    assert paths.blas_library() is library


def test_importing_layerwise_loads_neither_numba_nor_mkl() -> None:
    code = (
        "import sys, layerwise, layerwise.engine;"
        "print(sorted(m for m in sys.modules if m.startswith(('numba', 'llvmlite', 'mkl'))"
        " or m in ('layerwise.engine.mkl', 'layerwise.engine.kernels')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
