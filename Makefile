# Parity's one gate and its helpers. Every tool runs from .venv, which the stamp target
# below builds on first use, so `make test` or `make run` works on a fresh clone.

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-builtin-rules

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Lint only the folders that exist: git keeps no empty folder, so a fresh clone may lack one.
CODE_DIRS := $(wildcard src tests bench)

# `make lock` runs uv from its own small venv, so locking never depends on .venv (which is
# built from the lock). Bump UV_VERSION deliberately; `make lock UPGRADE=1` moves every pin
# to the newest release pyproject.toml allows, plain `make lock` keeps existing pins.
UV_VERSION := 0.13.9
LOCK_VENV := .venv-lock
UV := $(LOCK_VENV)/bin/uv
LOCK_PYTHON := 3.11
UPGRADE ?=
UV_COMPILE := $(UV) pip compile pyproject.toml --generate-hashes --python-version $(LOCK_PYTHON) \
	--no-header --quiet$(if $(UPGRADE), --upgrade)

.PHONY: help venv run test lint typecheck imports check bench format lock clean

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(STAMP): requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --require-hashes --progress-bar off -r requirements-dev.txt
	$(BIN)/pip install --quiet --no-deps -e .
	touch $@

venv: $(STAMP)  ## Create .venv and install the pinned runtime + dev packages.

run: venv  ## Simulate the demo region, then serve the FHIR API on it (SQLite file var/parity.db).
	$(BIN)/parity simulate --weeks 12 --contract socal-2025 --region demo --scale 1
	$(BIN)/parity serve --demo --host 127.0.0.1 --port $${PARITY_PORT:-8000}

# The browser tests (tests/e2e/browser) drive Debian's Chromium. A root user on a fresh
# machine gets it installed from Debian's packages, as .ci/run does; anyone else is told
# loudly that those tests will be skipped (docs/adr/0016-pages-for-each-role.md).
CHROMIUM := /usr/bin/chromium
define ensure_chromium
	@if [[ ! -x $(CHROMIUM) ]]; then \
		if [[ $$(id -u) -eq 0 ]]; then \
			echo "make test: installing Debian's chromium for the browser tests"; \
			DEBIAN_FRONTEND=noninteractive apt-get update -qq \
				&& DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
				|| echo "!!! make test: could not install chromium; the browser tests will be SKIPPED" >&2; \
		else \
			printf '\n!!! make test: %s is missing and only root may install it (apt-get install chromium).\n!!! The browser tests (tests/e2e/browser) will be SKIPPED.\n\n' "$(CHROMIUM)" >&2; \
		fi; \
	fi
endef

# pytest's exit code 5 (no test collected) is deliberately left a failure. The suite runs
# in TEST_PROCESSES processes (pytest-xdist); tests marked with one xdist_group run in one
# of them; the schema fuzzing runs alone afterwards, as xdist cannot share out its tests
# (docs/adr/0019-two-test-processes.md).
TEST_PROCESSES ?= 2
FUZZING = tests/e2e/test_schema_fuzzing.py
test: venv  ## Run the test suite in two processes (installs Chromium for the browser tests when root).
	$(ensure_chromium)
	$(BIN)/pytest -q -n $(TEST_PROCESSES) --dist loadgroup --ignore=$(FUZZING)
	$(BIN)/pytest -q -p no:xdist $(FUZZING)

lint: venv  ## Check formatting and lint rules (ruff).
	$(BIN)/ruff format --check $(CODE_DIRS)
	$(BIN)/ruff check $(CODE_DIRS)

typecheck: venv  ## Type-check with mypy (strict; configured in pyproject.toml), the benches too.
	$(BIN)/mypy
	$(BIN)/mypy bench

imports: venv  ## Enforce the import-linter contracts (layers, pure domain).
	$(BIN)/lint-imports

check: lint typecheck imports test  ## The one gate: lint, typecheck, imports, test.

bench: venv  ## Run every bench/bench_*.py.
	@shopt -s nullglob; benches=(bench/bench_*.py); \
	if (( $${#benches[@]} == 0 )); then echo "bench: no bench/bench_*.py found"; exit 0; fi; \
	for script in "$${benches[@]}"; do \
		echo "== $$script"; \
		$(BIN)/python "$$script"; \
	done

format: venv  ## Reformat and apply safe lint fixes.
	$(BIN)/ruff format $(CODE_DIRS)
	$(BIN)/ruff check --fix $(CODE_DIRS)

# Writes $(1) from pyproject.toml with extra options $(2), under a header of our own: uv's
# header is dropped, and the result must name no download address (see STYLE.md, Tooling).
define compile_lock
	$(UV_COMPILE)$(if $(strip $(2)), $(strip $(2))) -o $(1)
	@{ \
		echo "# $(3), pinned with hashes: pip installs it in hash-checking mode."; \
		echo "# Compiled from pyproject.toml (no requirements.in) for Python $(LOCK_PYTHON) with:"; \
		echo "#    uv pip compile pyproject.toml$(if $(strip $(2)), $(strip $(2))) --generate-hashes --python-version $(LOCK_PYTHON) -o $(1)"; \
		echo "# Do not edit by hand. To regenerate after changing pyproject.toml, run: make lock"; \
		echo "# (make lock UPGRADE=1 also moves existing pins to the newest allowed releases)."; \
		echo; \
		cat $(1); \
	} > $(1).tmp
	@mv $(1).tmp $(1)
	@if grep -n '://' $(1); then echo "lock: $(1) names a URL; refusing it" >&2; exit 1; fi
endef

lock:  ## Recompile requirements.txt and requirements-dev.txt (exact pins + hashes).
	$(UV) --version 2>/dev/null | grep -qxF 'uv $(UV_VERSION)' || { \
		test -x $(LOCK_VENV)/bin/pip || $(PYTHON) -m venv $(LOCK_VENV); \
		$(LOCK_VENV)/bin/pip install --quiet uv==$(UV_VERSION); \
	}
	$(call compile_lock,requirements.txt,,Runtime dependencies of Parity)
	$(call compile_lock,requirements-dev.txt,--extra dev --constraint requirements.txt,Runtime + development dependencies of Parity)

clean:  ## Remove the venvs, caches and build leftovers.
	rm -rf $(VENV) $(LOCK_VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis .import_linter_cache \
		build dist
	find . -path ./.git -prune -o -type d \( -name __pycache__ -o -name '*.egg-info' \) -prune -exec rm -rf {} +
