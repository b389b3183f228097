# Two commands do all the set-up: `make run` serves the API with the fixtures loaded,
# `make test` runs the whole suite. Both install what they need into .venv first.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
HOST ?= 127.0.0.1
WORKERS ?= 2
STAMP := $(VENV)/.installed
# The versions CI tested, with their hashes: `make install` installs exactly these, `make lock`
# resolves pyproject.toml (with the test extra) again.
LOCK := requirements.lock
PIP_TOOLS_VERSION ?= 7.6.2
# Browser libraries the pages serve themselves (TimelineJS3), from npm into vendor/node_modules.
JS_STAMP := vendor/node_modules/.installed
VEGA_BUNDLE := tracker/static/dashboard/vendor/vega-bundle.js

.PHONY: install lock js-deps browser-deps run migrate load test lint format check typecheck bench bench-deps bench-dashboard lighthouse clean dashboard scaleout scaleout-deps scaleout-ci

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

# Pins every package (and its hashes) for CPython 3.11 on Linux, the interpreter CI runs.
lock:
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet pip-tools==$(PIP_TOOLS_VERSION)
	$(BIN)/pip-compile --quiet --extra test --generate-hashes --allow-unsafe --strip-extras \
		--no-emit-index-url --no-emit-find-links --output-file $(LOCK) pyproject.toml

install: $(STAMP) js-deps $(VEGA_BUNDLE)

$(JS_STAMP): vendor/package.json vendor/package-lock.json
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  fi; }
	@if command -v npm >/dev/null 2>&1; then \
	  cd vendor && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else echo "npm is missing (apt-get install npm): /embed/timeline/ will have no TimelineJS."; fi

js-deps: $(JS_STAMP)

# The /dashboard/ page's charting libraries (Vega, Vega-Lite, vega-embed, vega-interpreter):
# npm ci from dashboards/package-lock.json, bundled into a git-ignored static folder. No CDN.
$(VEGA_BUNDLE): dashboards/package-lock.json dashboards/src/charts.js
	@command -v npm >/dev/null 2>&1 || { echo "npm is missing (apt-get install npm): /dashboard/ will have no charts."; exit 0; }; \
	  cd dashboards && npm ci --no-audit --no-fund --loglevel=error && npm run --silent build

# The Observable Framework dashboard (dashboards/observable/), built from a running tracker
# (`make run` in another shell, or TRACKER_URL=...) into dashboards/observable/dist/.
TRACKER_URL ?= http://$(HOST):$(PORT)
OBSERVABLE := dashboards/observable/node_modules/.package-lock.json
$(OBSERVABLE): dashboards/observable/package-lock.json
	cd dashboards/observable && npm ci --no-audit --no-fund --loglevel=error

dashboard: $(OBSERVABLE)
	cd dashboards/observable && rm -rf dist src/.observablehq/cache/data && TRACKER_URL=$(TRACKER_URL) npx observable build
	@echo "Built dashboards/observable/dist/ from $(TRACKER_URL); serve it with any static server."

# The browser tests drive Debian's Chromium (Playwright's own browser download is not used).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "Chromium is missing (apt-get install chromium); browser tests will be skipped."; fi; }
	@$(MAKE) --no-print-directory $(AXE)

# axe-core (the engine of Lighthouse's accessibility audit), injected into the timeline page by
# tests/browser/test_timeline_page.py; Lighthouse itself only for `make lighthouse`. Both from
# the npm registry into .node/ (git-ignored), pinned.
NODE_DIR := .node
AXE := $(NODE_DIR)/node_modules/axe-core/axe.min.js
AXE_VERSION ?= 4.14.1
LIGHTHOUSE_VERSION ?= 12.8.2

$(AXE):
	@command -v npm >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; fi; }
	@if command -v npm >/dev/null 2>&1; then \
	  npm install --silent --no-audit --no-fund --prefix $(NODE_DIR) axe-core@$(AXE_VERSION); \
	else echo "npm is missing (apt-get install npm); the accessibility test will be skipped."; fi

# Lighthouse's accessibility score of each HTML page, served from a scratch copy of the record
# (bench/lighthouse.sh; results in docs/accessibility.md).
lighthouse: install browser-deps
	test -x $(NODE_DIR)/node_modules/.bin/lighthouse || \
	  npm install --silent --no-audit --no-fund --prefix $(NODE_DIR) lighthouse@$(LIGHTHOUSE_VERSION)
	bench/lighthouse.sh

migrate: install
	mkdir -p var
	$(BIN)/python manage.py migrate --noinput

load: migrate
	$(BIN)/python manage.py loaddata places record

run: load
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/gunicorn config.wsgi --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile -

test: install browser-deps
	mkdir -p var
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest --cov=tracker --cov=config --cov-report=term:skip-covered $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# mypy with django-stubs and djangorestframework-stubs (settings in pyproject.toml).
typecheck: install
	$(BIN)/mypy

check: install
	DJANGO_ENV=production SECRET_KEY=$${SECRET_KEY:-check-deploy-only-$$(date +%s)-not-a-real-key-0123456789abcdefghij} ALLOWED_HOSTS=example.org \
		$(BIN)/python manage.py check --deploy --fail-level WARNING

# The benchmark (bench/run.py; results in docs/benchmarks.md). The data is generated once into
# /tmp/bench (or DATABASE_URL) and reused; BENCH_EVENTS=10000 for a quick run.
BENCH_EVENTS ?= 100000
BENCH_CLAIMS ?= 10
BENCH_DURATION ?= 5
BENCH_ROUNDS ?= 3

bench-deps:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    (apt-get install -y -qq wrk || (apt-get update -qq && apt-get install -y -qq wrk)) >/dev/null; \
	  else echo "wrk is missing: apt-get install wrk"; exit 1; fi; }

# Datasette, served beside the project over the same SQLite file, is the bench extra.
BENCH_STAMP := $(VENV)/.bench-installed
$(BENCH_STAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(BENCH_STAMP)

bench: install bench-deps $(BENCH_STAMP)
	BENCH_EVENTS=$(BENCH_EVENTS) BENCH_CLAIMS=$(BENCH_CLAIMS) BENCH_DURATION=$(BENCH_DURATION) BENCH_ROUNDS=$(BENCH_ROUNDS) \
		$(BIN)/python bench/run.py

# The dashboard page's first view in headless Chromium over the same data (bench/dashboard.py).
bench-dashboard: install
	BENCH_EVENTS=$(BENCH_EVENTS) BENCH_CLAIMS=$(BENCH_CLAIMS) $(BIN)/python bench/dashboard.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .coverage $(NODE_DIR)

# The tracker scaled out on this machine (bench/scaleout.py; figures in docs/deploy.md and
# docs/benchmarks.md): a streaming standby of the PostgreSQL primary, Redis, two gunicorn app
# servers behind HAProxy, driven with wrk, with the faults; everything is torn down after.
# `make scaleout-ci` (or SCALEOUT_SMALL=1) is the small form CI runs.
scaleout-deps: bench-deps
	@command -v haproxy >/dev/null 2>&1 && command -v redis-server >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    pkgs=""; command -v haproxy >/dev/null 2>&1 || pkgs="$$pkgs haproxy"; \
	    command -v redis-server >/dev/null 2>&1 || pkgs="$$pkgs redis-server"; \
	    (DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs || (apt-get update -qq && \
	      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$pkgs)) >/dev/null; \
	  else echo "haproxy and redis-server are missing: apt-get install haproxy redis-server"; exit 1; fi; }

scaleout: install scaleout-deps
	SCALEOUT_SMALL=$(SCALEOUT_SMALL) $(BIN)/python bench/scaleout.py

scaleout-ci: install scaleout-deps
	SCALEOUT_SMALL=1 $(BIN)/python bench/scaleout.py
