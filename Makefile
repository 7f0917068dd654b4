# Two commands for a fresh machine: `make run` and `make test`. Each sets itself up first.
SHELL := /bin/bash
# The first Python >= 3.11 on PATH (override: make PYTHON=/path/to/python3.12 ...).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
# The web UI's query editor, from package.json; without npm the UI offers a plain query form.
NODE_STAMP := node_modules/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup build run test clean bench bench-quick
BENCH_STAMP := $(VENV)/.bench-stamp

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "wco-kg needs Python >= 3.11 on PATH (or make PYTHON=...)" >&2; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@if ! command -v npm >/dev/null 2>&1; then \
		echo "npm not found: the web UI offers a plain query form (install Node.js and npm, then 'make setup', for the editor)" >&2; \
	elif ! npm ci --no-audit --no-fund --ignore-scripts --loglevel=error; then \
		echo "npm ci failed: the web UI offers a plain query form until 'make setup' succeeds" >&2; \
	else touch $@; fi

setup: $(STAMP) $(NODE_STAMP)

build: setup
	$(BIN)/wcokg build

run: build
	$(BIN)/wcokg serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest

$(BENCH_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

# The benchmark (bench/README.md): 10k, 100k and 1M triples, results in bench/results/.
bench: $(BENCH_STAMP)
	$(BIN)/python -m bench.run

# The same at 10k and 100k with short runs, in under 3 minutes on a quiet machine.
bench-quick: $(BENCH_STAMP)
	$(BIN)/python -m bench.run --quick

clean:
	rm -rf var .pytest_cache
