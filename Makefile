# pypacs: `make run` starts a demo PACS, `make test` runs the whole suite (see README.md).
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
SHARED_CT ?= ../shared/data/ct-ge-tilt
STAMP := $(VENV)/.installed

.PHONY: run test test-fast lint bench system-deps clean

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

run: $(STAMP)
	$(VENV)/bin/pypacs serve --demo $(if $(wildcard $(SHARED_CT)),--demo-path $(SHARED_CT))

system-deps:
	@bash scripts/install-system-deps.sh
	@bash scripts/fetch-ohif.sh

test: $(STAMP) system-deps lint
	bash scripts/with-postgres.sh $(VENV)/bin/python -m pytest -q $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(VENV)/bin/python -m pytest -q -m "not interop" $(PYTEST_ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy src
	$(VENV)/bin/python scripts/check-licences.py

bench: $(STAMP) system-deps
	$(VENV)/bin/python bench/ingest.py
	$(VENV)/bin/python bench/query.py
	$(VENV)/bin/python bench/find.py
	$(VENV)/bin/python bench/retrieve.py
	$(VENV)/bin/python bench/dicomweb.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info src/*.egg-info
