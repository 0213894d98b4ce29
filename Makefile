# layerwise: the two quickstart commands are `make train` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

# One stamp per extra in the one .venv: each target installs the extra it runs, once (again
# when pyproject.toml changes). `make train` needs the CLI's extras only (pandas, matplotlib,
# tqdm, scikit-learn's bundled data); `make test` adds the rest to the same .venv. An extra
# that includes others stamps them too, so a later target does not install them again.
STAMP_CLI := $(VENV)/.installed-cli
STAMP_LINT := $(VENV)/.installed-lint
STAMP_TEST := $(VENV)/.installed-test
STAMP_NOTEBOOKS := $(VENV)/.installed-notebooks
STAMP_BENCH := $(VENV)/.installed-bench
STAMP_MUTATE := $(VENV)/.installed-mutate

CORE_VENV ?= .venv-core
# The tests of the core on NumPy alone (no optional extra): the engine's NumPy path, the course's
# API, checkpoints; the tests of optional paths skip there, saying which extra they need.
CORE_TESTS := $(addprefix tests/test_,activations losses initializers layers network training \
	blas kernels mkl paths optimizers gradient_check graph validation checkpoint_steps checkpoint \
	course_code assignment diagnostics persistence architecture written_files archive runtime impostors)

.PHONY: install train test test-fast test-core lint mutate bench bench-tables reproduce notebooks \
	clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP_CLI): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[cli]"
	touch $@

$(STAMP_LINT): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[lint]"
	touch $@

# The test extra holds every other extra: stamp them all.
$(STAMP_TEST): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@ $(STAMP_CLI) $(STAMP_LINT) $(STAMP_NOTEBOOKS)

$(STAMP_NOTEBOOKS): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[notebooks]"
	touch $@ $(STAMP_CLI)

$(STAMP_MUTATE): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[mutate]"
	touch $@

$(STAMP_BENCH): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e ".[bench]"
	touch $@

install: $(STAMP_TEST)

train: $(STAMP_CLI)
	$(VENV)/bin/layerwise train digits --out runs/digits

lint: $(STAMP_LINT)
	$(PY) -m ruff check src tests benchmarks notebooks tools
	$(PY) -m ruff format --check src tests benchmarks notebooks tools

test: $(STAMP_TEST) lint
	$(PY) -m pytest -q
	$(MAKE) test-core

# The tests a developer runs while working, in about a minute on 2 cores: everything but the
# tests marked slow (Chromium, PostgreSQL, killed processes, notebooks, long sweeps and
# end-to-end runs). `make test` (and CI) still runs them all.
test-fast: $(STAMP_TEST)
	$(PY) -m pytest -q -m "not slow"

# The suite's core again without any optional extra installed ("not cli": the CLI needs pandas).
test-core: $(CORE_VENV)/.installed
	$(CORE_VENV)/bin/python -m pytest -q -p no:cacheprovider -k "not cli" $(addsuffix .py,$(CORE_TESTS))

# Mutation testing of the modules or folders a change touched (not part of `make test`):
# `make mutate PATHS=src/layerwise/optimizers.py` mutates them, runs each mutant against the fast
# tests that call the code it changed, and prints the kill rate (tools/mutate.py). TESTS= narrows
# the tests to choose from (e.g. TESTS="tests/test_optimizers.py"); JOBS= mutants run at once.
PATHS ?=
TESTS ?=
JOBS ?= 1
mutate: $(STAMP_TEST) $(STAMP_MUTATE)
	@test -n "$(PATHS)" || { echo "make mutate needs PATHS=, e.g. PATHS=src/layerwise/optimizers.py"; exit 2; }
	$(PY) tools/mutate.py --jobs $(JOBS) $(PATHS) $(if $(TESTS),--tests $(TESTS))

$(CORE_VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(CORE_VENV)
	$(CORE_VENV)/bin/python -m pip install --quiet -e . "pytest>=8" "hypothesis>=6.100"
	touch $@

reproduce: $(STAMP_CLI)
	$(PY) benchmarks/reproduce_course.py ../shared/data/catvnoncat

# Execute the course notebooks (notebooks/NN_*.py) from a clean kernel into NN_*.ipynb.
notebooks: $(STAMP_NOTEBOOKS)
	$(PY) notebooks/build.py

# Every benchmark runs and prints; the exit status is 1 when any of them failed or missed a target.
bench: $(STAMP_BENCH)
	@status=0; \
	for bench in bench_speed bench_onnx bench_gpu; do \
		$(PY) benchmarks/$$bench.py || { echo "$$bench: exit $$?"; status=1; }; \
	done; \
	exit $$status

# Accuracy on generated churn-like tables, layerwise against scikit-learn's pipeline (by hand).
bench-tables: $(STAMP_CLI)
	$(PY) benchmarks/bench_tables.py

clean:
	rm -rf $(VENV) $(CORE_VENV) runs build dist .pytest_cache .ruff_cache mutants
