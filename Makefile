# pypacs: `make run` starts a demo PACS, `make test` runs the whole suite (see README.md).
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
SHARED_CT ?= ../shared/data/ct-ge-tilt
STAMP := $(VENV)/.installed
# The web viewer: TypeScript in viewer/, built by esbuild into the package's static files (git-ignored).
VIEWER_OUT := src/pypacs/web/static/viewer
VIEWER_BUILT := $(VIEWER_OUT)/manifest.json
VIEWER_MODULES := viewer/node_modules/.package-lock.json
VIEWER_SOURCES := $(shell find viewer/src viewer/pages -type f 2>/dev/null) viewer/build.mjs viewer/tsconfig.json

.PHONY: run test test-fast lint bench system-deps clean viewer

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "python3 is required (apt-get install python3 python3-venv)"; exit 1; }
	$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); echo "installing python3-venv"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null && \
	  $(PYTHON) -m venv $(VENV); }
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[test]'
	@# pylibjpeg-libjpeg (GPL-3.0) was once a dependency: a .venv made then still holds it
	@$(VENV)/bin/pip uninstall -y -q pylibjpeg-libjpeg 2>/dev/null || true
	@touch $@

# npm ci when node_modules is missing or older than the lockfile; install scripts are not run (none is needed).
$(VIEWER_MODULES): viewer/package.json viewer/package-lock.json
	@bash scripts/install-node.sh
	cd viewer && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

# Rebuilt when the bundle is missing or older than any source, the lockfile or the installed modules.
$(VIEWER_BUILT): $(VIEWER_MODULES) $(VIEWER_SOURCES)
	cd viewer && node build.mjs

viewer: $(VIEWER_BUILT)

run: $(STAMP) viewer
	$(VENV)/bin/pypacs serve --demo $(if $(wildcard $(SHARED_CT)),--demo-path $(SHARED_CT))

system-deps:
	@bash scripts/install-system-deps.sh
	@bash scripts/fetch-ohif.sh

test: $(STAMP) viewer system-deps lint
	bash scripts/with-postgres.sh $(VENV)/bin/python -m pytest -q $(PYTEST_ARGS)

test-fast: $(STAMP) viewer
	$(VENV)/bin/python -m pytest -q -m "not interop and not browser" $(PYTEST_ARGS)

lint: $(STAMP) $(VIEWER_MODULES)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src
	$(VENV)/bin/python scripts/check-licences.py
	cd viewer && node_modules/.bin/tsc --noEmit -p .
	node scripts/check-npm-licences.mjs viewer

# bench/viewer.py drives Chromium (Playwright) through pypacs's viewer and OHIF's build: system-deps fetches both.
bench: $(STAMP) viewer system-deps
	$(VENV)/bin/python bench/ingest.py
	$(VENV)/bin/python bench/query.py
	$(VENV)/bin/python bench/find.py
	$(VENV)/bin/python bench/retrieve.py
	$(VENV)/bin/python bench/dicomweb.py
	$(VENV)/bin/python bench/viewer.py
	$(VENV)/bin/python bench/volume.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info src/*.egg-info viewer/node_modules $(VIEWER_OUT)
