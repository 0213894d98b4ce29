# layerwise: the two quickstart commands are `make train` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-test

.PHONY: install train test lint bench reproduce notebooks clean

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

reproduce: $(STAMP)
	$(PY) benchmarks/reproduce_course.py ../shared/data/catvnoncat

# Execute the course notebooks (notebooks/NN_*.py) from a clean kernel into NN_*.ipynb.
notebooks: $(STAMP)
	$(PY) notebooks/build.py

bench: $(STAMP)
	$(PY) -m pip install --quiet -e ".[bench]"
	$(PY) benchmarks/bench_speed.py

clean:
	rm -rf $(VENV) runs build dist .pytest_cache .ruff_cache
