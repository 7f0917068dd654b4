# Two commands for a fresh machine: `make run` and `make test`. Each sets itself up first.
SHELL := /bin/bash
# The first Python >= 3.11 on PATH (override: make PYTHON=/path/to/python3.12 ...).
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && echo $$p && break; done)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup build run test clean

$(STAMP): pyproject.toml
	@test -n "$(PYTHON)" || { echo "wco-kg needs Python >= 3.11 on PATH (or make PYTHON=...)" >&2; exit 2; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

build: setup
	$(BIN)/wcokg build

run: build
	$(BIN)/wcokg serve --host $(HOST) --port $(PORT)

test: setup
	$(BIN)/python -m pytest

clean:
	rm -rf var .pytest_cache
