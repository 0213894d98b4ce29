# layerwise: the two quickstart commands are `make train` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-test

CORE_VENV ?= .venv-core
# The tests of the core on NumPy alone (no optional extra): the engine's NumPy path, the course's
# API, checkpoints; the tests of optional paths skip there, saying which extra they need.
CORE_TESTS := $(addprefix tests/test_,activations losses initializers layers network training \
	blas kernels mkl paths optimizers gradient_check graph validation checkpoint_steps checkpoint \
	course_code diagnostics persistence architecture written_files archive runtime impostors)

.PHONY: install train test test-fast test-core lint bench reproduce notebooks clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

train: $(STAMP)
	$(VENV)/bin/layerwise train digits --out runs/digits

lint: $(STAMP)
	$(PY) -m ruff check src tests benchmarks notebooks
	$(PY) -m ruff format --check src tests benchmarks notebooks

test: lint
	$(PY) -m pytest -q
	$(MAKE) test-core

# The tests a developer runs while working, in about a minute on 2 cores: everything but the
# tests marked slow (Chromium, PostgreSQL, killed processes, notebooks, long sweeps and
# end-to-end runs). `make test` (and CI) still runs them all.
test-fast: $(STAMP)
	$(PY) -m pytest -q -m "not slow"

# The suite's core again without any optional extra installed ("not cli": the CLI needs pandas).
test-core: $(CORE_VENV)/.installed
	$(CORE_VENV)/bin/python -m pytest -q -p no:cacheprovider -k "not cli" $(addsuffix .py,$(CORE_TESTS))

$(CORE_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(CORE_VENV)
	$(CORE_VENV)/bin/python -m pip install --quiet -e . "pytest>=8" "hypothesis>=6.100"
	touch $@

reproduce: $(STAMP)
	$(PY) benchmarks/reproduce_course.py ../shared/data/catvnoncat

# Execute the course notebooks (notebooks/NN_*.py) from a clean kernel into NN_*.ipynb.
notebooks: $(STAMP)
	$(PY) notebooks/build.py

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) benchmarks/bench_speed.py

clean:
	rm -rf $(VENV) $(CORE_VENV) runs build dist .pytest_cache .ruff_cache
