"""The course notebooks (``notebooks/NN_*.py``) run from a clean kernel without an error.

Each notebook checks the course's numbers in its own cells (``assert``), so a wrong library
fails here. The cat notebooks need the course's files: ``$LAYERWISE_CAT_DATA`` or
``../shared/data/catvnoncat`` beside the repository; without them they are skipped, except
in CI (``CI`` set), where a missing folder is a failure.
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import nbformat
import pytest

from layerwise import course

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
NEEDS_CATS = ("01_", "04_")
MAX_NOTEBOOK_BYTES = 600_000  # outputs and figures stay small enough to read on a code host


def load_build():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOKS / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = load_build()
SOURCES = build.sources()


def test_the_nine_notebooks_in_the_course_order():
    assert [s.name[:3] for s in SOURCES] == [f"0{i}_" for i in range(1, 10)]


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_notebook_checks_its_numbers_in_a_cell(source):
    code = [c.source for c in build.read(source).cells if c.cell_type == "code"]
    assert any("assert " in cell for cell in code), f"{source.name} checks nothing"


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_committed_notebook_matches_its_source(source):
    """The rendered ``.ipynb`` holds the same cells as the ``.py`` (rebuild: make notebooks)."""
    rendered = source.with_suffix(".ipynb")
    assert rendered.is_file(), f"{rendered.name} is missing: run `make notebooks`"
    executed = nbformat.read(rendered, as_version=4)
    expected = build.read(source)
    assert [(c.cell_type, c.source) for c in executed.cells] == [
        (c.cell_type, c.source) for c in expected.cells
    ], f"{rendered.name} is out of date: run `make notebooks`"
    errors = [o for c in executed.cells for o in c.get("outputs", []) if o.output_type == "error"]
    assert not errors
    assert all(c.get("execution_count") for c in executed.cells if c.cell_type == "code"), (
        f"{rendered.name} has cells that were not executed"
    )
    assert rendered.stat().st_size < MAX_NOTEBOOK_BYTES


@pytest.fixture
def cat_data(monkeypatch) -> None:
    """Point the kernel at the cat files, or skip (fail in CI) when they are absent."""
    try:
        folder = course.cat_data_dir(ROOT)
    except FileNotFoundError as err:
        if os.environ.get("CI"):
            pytest.fail(f"CI must have the course's cat files: {err}")
        pytest.skip(f"no cat files: {err}")
    monkeypatch.setenv(course.CAT_DATA_ENV, str(folder))


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.stem)
def test_notebook_executes_from_a_clean_kernel(source, request, monkeypatch):
    # One BLAS thread in the kernel: on a busy machine OpenBLAS's spinning worker threads made
    # notebook 4 ten times slower; alone on two cores one thread costs little.
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "1")
    if source.name.startswith(NEEDS_CATS):
        request.getfixturevalue("cat_data")
    nb = build.execute(source)  # raises CellExecutionError, with the cell, on any failure
    assert all(c.get("execution_count") for c in nb.cells if c.cell_type == "code")
