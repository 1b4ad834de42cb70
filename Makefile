# lapor-hub: `make demo` and `make test` work on a fresh machine with python3 >= 3.11.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: setup demo test lint typecheck unit postgres chromium bench fuzz mutation clean

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

# Not part of `make test`: Hypothesis explores with random seeds and keeps what it finds in
# .hypothesis/ (the default run uses a fixed seed and no saved examples).
fuzz: setup postgres
	LAPOR_HUB_HYPOTHESIS_PROFILE=fuzz $(VENV)/bin/pytest -q tests/property tests/unit/test_pii.py

# Hand-written bugs in the core invariants (bench/mutants.py), each run against its tests in a
# copy of the tree, inside a private network namespace. MUTATION_ARGS="--ref main" measures main.
MUTATION_ARGS ?=
mutation: setup
	unshare -n sh -c 'ip link set lo up && $(PY) bench/mutation.py $(MUTATION_ARGS)'

clean:
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
