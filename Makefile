# lapor-hub: `make demo` and `make test` work on a fresh machine with python3 >= 3.11.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: setup demo test lint typecheck unit postgres chromium bench clean

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(VENV)/bin/lapor-hub demo

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports
	PYTHONPATH=. $(VENV)/bin/python scripts/settings_doc.py --check

typecheck: setup
	$(VENV)/bin/mypy hub connectors flows simulators bench

postgres:
	bash scripts/ensure-postgres.sh

chromium:
	bash scripts/ensure-chromium.sh

unit: setup postgres chromium
	$(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint typecheck unit

bench: setup
	$(PY) bench/sync_throughput.py

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
