# One entry to every workflow. `make demo` and `make test` work on a fresh clone:
# they create the virtual environment and install what they need.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: demo test lint bench build check-template clean system-deps reliability-doc load

$(STAMP): pyproject.toml layers/hotpapers/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

PORT ?= 8000

demo: $(STAMP)  ## the whole system offline: embedded AWS, the sample day collected, published and served
	$(VENV)/bin/hotpapers demo --port $(PORT)

LOAD_REQUESTS ?= 10000
LOAD_CLIENTS  ?= 32

load: $(STAMP)  ## with `make demo` running (same PORT): API requests from concurrent clients; errors, p50/p99 as JSON
	$(PY) bench/load.py --url http://127.0.0.1:$(PORT)/ --requests $(LOAD_REQUESTS) --clients $(LOAD_CLIENTS)

# The site checks need a real browser and the Nu checker's Java: Debian packages.
system-deps:
	@command -v chromium >/dev/null 2>&1 && command -v java >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium default-jre-headless >/dev/null; \
	  else \
	    echo "make test needs Debian's chromium and a Java runtime: sudo apt-get install chromium default-jre-headless" >&2; exit 1; \
	  fi; }

test: $(STAMP) system-deps  ## pytest, offline (loopback only), with the browser, HTML validator and reliability suites
	$(PY) -m pytest
	$(PY) scripts/reliability_report.py --out test-output/reliability.md

reliability-doc:  ## after `make test`: write its reliability figures into docs/reliability.md
	$(PY) scripts/reliability_report.py --out docs/reliability.md

lint: $(STAMP)
	$(VENV)/bin/ruff check layers functions tests bench
	$(VENV)/bin/cfn-lint template.yaml

bench: $(STAMP)  ## benchmarks; figures go to bench/README.md
	$(PY) bench/bench_collect.py
	$(PY) bench/bench_publish.py
	$(PY) bench/bench_api.py

check-template: $(STAMP)  ## cfn-lint, sam validate --lint, sam build (SAM CLI in its own venv)
	bash scripts/check-template.sh

build: check-template

clean:
	rm -rf .aws-sam .pytest_cache test-output
