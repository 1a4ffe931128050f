# Targets match the README. `make test` installs what it needs on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NODE_STAMP := tests/conformance/node_modules/.package-lock.json
WEBUI_NODE_STAMP := webui/node_modules/.package-lock.json
WEBUI_DIR := mcp_workbench/jupyter/static/ui
WEBUI_STAMP := $(WEBUI_DIR)/.built
WEBUI_SOURCES := $(shell find webui/app webui/components webui/lib -type f 2>/dev/null) \
	webui/next.config.ts webui/tsconfig.json
LAB_DIR := mcp_workbench/labextension
LAB_STAMP := labextension/.built
LAB_NODE_STAMP := labextension/node_modules/.yarn-state.yml
LAB_SOURCES := $(shell find labextension/src labextension/style labextension/schema -type f 2>/dev/null) \
	labextension/package.json labextension/tsconfig.json
LAB_LINK := $(VENV)/share/jupyter/labextensions/mcp-workbench-jupyterlab
# jlpm (yarn, from jupyterlab) and the scripts in labextension/package.json that call it
JLPM := PATH="$(abspath $(VENV))/bin:$$PATH" jlpm
PORT ?= 8765

.PHONY: install webui labextension run serve-http stdio test test-ui test-jupyter test-postgres lint format bench bench-store conformance clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	@# pip must not reach the labextension build through the link (see labextension below);
	@# the build hooks are for wheels: the editable install gets what make builds here.
	@if [ -L $(LAB_LINK) ]; then rm $(LAB_LINK); fi
	HATCH_BUILD_NO_HOOKS=1 $(PY) -m pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

$(NODE_STAMP): tests/conformance/package.json tests/conformance/package-lock.json
	cd tests/conformance && npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

$(WEBUI_NODE_STAMP): webui/package.json webui/package-lock.json
	cd webui && npm ci --no-audit --no-fund --loglevel=error
	touch $(WEBUI_NODE_STAMP)

# The web UI's static export, served by the extension from inside the package.
$(WEBUI_STAMP): $(WEBUI_NODE_STAMP) $(WEBUI_SOURCES)
	cd webui && NEXT_TELEMETRY_DISABLED=1 npm run build --silent
	rm -rf $(WEBUI_DIR) && mkdir -p $(dir $(WEBUI_DIR)) && cp -r webui/out $(WEBUI_DIR)
	touch $(WEBUI_STAMP)

webui: $(WEBUI_STAMP)  ## build the web UI (Next.js static export) into the package

$(LAB_NODE_STAMP): labextension/package.json labextension/yarn.lock | $(STAMP)
	cd labextension && $(JLPM) install --immutable
	touch $(LAB_NODE_STAMP)

# The JupyterLab extension, built into the package (the wheel ships it as shared data).
$(LAB_STAMP): $(LAB_NODE_STAMP) $(LAB_SOURCES)
	cd labextension && $(JLPM) build:prod
	touch $(LAB_STAMP)

# The venv's JupyterLab loads the build in place, through a link (as `labextension develop`).
labextension: $(LAB_STAMP)  ## build the JupyterLab extension into the package, link it for Lab
	@[ -L $(LAB_LINK) ] || { rm -rf $(LAB_LINK) && mkdir -p $(dir $(LAB_LINK)) \
		&& ln -s $(CURDIR)/$(LAB_DIR) $(LAB_LINK); }

install: $(STAMP) $(NODE_STAMP) $(WEBUI_STAMP) labextension

# Jupyter refuses to run as root unless told (containers often run as root).
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)
DEMO ?= .demo

run: $(STAMP)  ## Jupyter Server with the workbench, SQLite and a demo vault (made on first run)
	$(VENV)/bin/mcp-workbench serve --demo --vault $(DEMO)/vault --data-dir $(DEMO)/data \
		--no-browser $(ALLOW_ROOT) $(ARGS)

serve-http: $(STAMP)  ## the bare MCP server over Streamable HTTP, without Jupyter
	$(VENV)/bin/mcp-workbench serve-http --port $(PORT)

stdio: $(STAMP)  ## the workbench server over stdio
	$(VENV)/bin/mcp-workbench stdio

# The Jupyter extension's tests run on pytest-jupyter's own event loop, apart from the rest.
JUPYTER_PYTEST := $(PY) -m pytest -p pytest_jupyter.jupyter_server -p no:asyncio \
	-W ignore::pytest.PytestConfigWarning

# Playwright's sync API keeps an event loop running in its worker: the browser tests get
# workers of their own, apart from the asyncio tests.
test: install  ## every test, including SDK interop, the conformance suite, the extension and the UI
	$(PY) -m pytest -n auto --ignore=tests/ui
	$(JUPYTER_PYTEST) -n 2 tests/jupyter
	$(PY) -m pytest -n 2 tests/ui

test-ui: install  ## only the browser tests of the web UI
	$(PY) -m pytest -n 2 tests/ui

test-jupyter: install  ## only the Jupyter extension's tests
	$(JUPYTER_PYTEST) -n 2 tests/jupyter

test-postgres: install  ## the store suites again, on a throwaway PostgreSQL server
	.ci/with-postgres $(PY) -m pytest -n auto -k "not sqlite" tests/service tests/store tests/tools tests/vault/test_store_repository.py tests/test_cli_store.py

lint: $(STAMP) $(WEBUI_NODE_STAMP) $(LAB_NODE_STAMP)  ## ruff (lint + format check), mypy --strict; ESLint, Prettier, tsc for webui/ and labextension/
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	cd webui && npx eslint . && npx prettier --check . && npx tsc --noEmit
	cd labextension && $(JLPM) eslint src && $(JLPM) prettier --check . && $(JLPM) tsc --noEmit

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: $(STAMP)  ## echo vs the official SDK, the store, sessions, vault sync, catalog deltas
	$(PY) bench/echo.py
	$(PY) bench/store.py
	$(PY) bench/sessions.py
	$(PY) bench/vault.py
	$(PY) bench/catalog.py

bench-store: $(STAMP)  ## store mutations/s and search latency against plain sqlite3
	$(PY) bench/store.py

conformance: install  ## the official conformance suite against our HTTP server
	$(PY) -m pytest tests/test_conformance.py -v

clean:
	rm -rf $(VENV) tests/conformance/node_modules webui/node_modules webui/.next webui/out $(WEBUI_DIR) labextension/node_modules labextension/lib $(LAB_STAMP) $(LAB_DIR) .mypy_cache .ruff_cache .pytest_cache
