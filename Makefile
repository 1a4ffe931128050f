# Targets match the README. `make test` installs what it needs on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := tests/conformance/node_modules/.package-lock.json
PORT ?= 8765

.PHONY: install run stdio test lint format bench conformance clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): tests/conformance/package.json tests/conformance/package-lock.json
	cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP)

run: $(STAMP)  ## the workbench server over Streamable HTTP
	$(VENV)/bin/mcp-workbench serve-http --port $(PORT)

stdio: $(STAMP)  ## the workbench server over stdio
	$(VENV)/bin/mcp-workbench stdio

test: install  ## every test, including SDK interop and the conformance suite
	$(PY) -m pytest -n auto

lint: $(STAMP)  ## ruff (lint + format check) and mypy --strict
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)  ## throughput against the official SDK and a raw asyncio loop
	$(PY) bench/echo.py

conformance: install  ## the official conformance suite against our HTTP server
	$(PY) -m pytest tests/test_conformance.py -v

clean:
	rm -rf $(VENV) tests/conformance/node_modules .mypy_cache .ruff_cache .pytest_cache
