# One entry to every workflow. `make demo` and `make test` work on a fresh clone:
# they create the virtual environment and install what they need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench build check-template clean

$(STAMP): pyproject.toml layers/hotpapers/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)  ## the whole system offline: embedded AWS, sample day collected and shown
	$(VENV)/bin/hotpapers demo

test: $(STAMP)  ## pytest, offline (loopback only)
	$(PY) -m pytest

lint: $(STAMP)
	$(VENV)/bin/ruff check layers functions tests bench
	$(VENV)/bin/cfn-lint template.yaml

bench: $(STAMP)  ## benchmarks; figures go to bench/README.md
	$(PY) bench/bench_collect.py

check-template: $(STAMP)  ## cfn-lint, sam validate --lint, sam build (SAM CLI in its own venv)
	bash scripts/check-template.sh

build: check-template

clean:
	rm -rf .aws-sam .pytest_cache test-output
