# Migra — the commands a developer (and CI) needs. `make help` lists them.
#
#   make run     set everything up on a fresh machine, then serve http://127.0.0.1:8000
#   make test    lint, types, then every test on SQLite and on PostgreSQL
#   make bench   benchmarks in bench/, results written to docs/benchmarks.md
#
# Everything here is for development: it exports DEBUG=true, so keys are generated
# into var/ on first use. Production never runs make (see docs/deployment.md).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# Holds the hash of the pyproject.toml last installed: reinstall only when it changes.
STAMP := $(VENV)/.installed-pyproject
HOST ?= 127.0.0.1
PORT ?= 8000
# Extra pytest arguments, for both databases: make test PYTEST_ARGS="-x -k worker"
PYTEST_ARGS ?=
# Browser tests (marked `browser`) need Debian's chromium and chromium-driver: `make test`
# installs them (only the missing ones, only as root) before running pytest.
BROWSER_PACKAGES ?= chromium chromium-driver

export DEBUG := true

.PHONY: help run setup install system-packages compile test lint types pytest \
	pytest-postgres browser-packages bench messages clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 18

run: setup  ## set up (if needed) and serve http://127.0.0.1:8000 with a worker
	@echo
	@echo "Migra: http://$(HOST):$(PORT)/   staff app /app/   admin /admin/   (Ctrl-C stops)"
	@echo
	@# The worker runs in its own session so Ctrl-C reaches only the server; the trap
	@# then stops the worker with one SIGTERM (it finishes its current task first).
	@trap 'kill -TERM $$worker 2>/dev/null && wait $$worker 2>/dev/null || true' EXIT; \
	setsid $(BIN)/migra worker & worker=$$!; \
	$(BIN)/migra runserver $(HOST):$(PORT)

setup: compile  ## everything `run` does except serving: packages, venv, database, demo data
	$(BIN)/migra migrate --noinput --verbosity 0
	$(BIN)/migra gazetteer
	$(BIN)/migra demo

system-packages:
	@bash scripts/ci-system-packages.sh

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "Migra needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version)." >&2; \
		echo "Run: make run PYTHON=python3.11" >&2; exit 1; }
	$(PYTHON) -m venv $(VENV)

install: system-packages $(BIN)/python  ## create .venv and install (only when pyproject.toml changed)
	@want=$$(sha256sum pyproject.toml | cut -d' ' -f1); \
	if [ "$$(cat $(STAMP) 2>/dev/null)" != "$$want" ]; then \
		echo "Installing Python packages into $(VENV) ..."; \
		$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"; \
		echo "$$want" > $(STAMP); \
	fi

compile: install  ## compile translations (.po -> .mo), if there are any
	@if [ -n "$$(find migra -path '*/locale/*' -name '*.po' -print -quit)" ]; then \
		$(BIN)/migra compilemessages --verbosity 0 --ignore '.venv' --ignore 'var' \
			--ignore 'node_modules'; \
	fi

test: install compile browser-packages lint types pytest pytest-postgres  ## the whole suite

lint: install  ## ruff
	$(BIN)/ruff check .

types: install  ## mypy on the app code
	$(BIN)/mypy

pytest: install compile  ## the tests on SQLite
	$(BIN)/pytest $(PYTEST_ARGS)

pytest-postgres: install compile  ## the tests on PostgreSQL (TEST_DATABASE_URL); skipped locally if unreachable
	bash scripts/ci-pytest-postgres.sh $(PYTEST_ARGS)

browser-packages:
	@if [ -n "$(BROWSER_PACKAGES)" ]; then bash scripts/ci-system-packages.sh $(BROWSER_PACKAGES); fi

bench: install compile  ## run bench/bench_*.py on SQLite and PostgreSQL, write docs/benchmarks.md
	$(BIN)/python bench/run.py

messages:  ## extract and update translation catalogues (scripts/messages.sh)
	@if [ -f scripts/messages.sh ]; then bash scripts/messages.sh; \
	else echo "scripts/messages.sh does not exist yet: nothing to do."; fi

clean:  ## remove caches and build output (keeps .venv and var/: var/ holds your data and keys)
	rm -rf .pytest_cache .mypy_cache .ruff_cache build dist *.egg-info
	find . -path ./.venv -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
	find migra -path '*/locale/*' -name '*.mo' -delete
