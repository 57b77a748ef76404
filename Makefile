# Two commands: `make run` (set up and start everything) and `make test` (the whole suite).
# Only Python 3.11 is needed on the machine: without DATABASE_URL / REDIS_URL, run, test, bench
# and load start a PostgreSQL and a Redis of their own from pip wheels (tools/engines.py).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# The product's requirements, and with them the development tools; a stamp per checksum.
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
# Runs a command with DATABASE_URL and REDIS_URL: the environment's, else embedded engines under
# var/engines/ (--keep NAME keeps their data across runs; without it a new, empty pair), stopped when it ends.
ENGINES := $(BIN)/python -m tools.engines
# Arguments for pytest, e.g. `make test ARGS="tests/fintech -x"`.
ARGS ?=

.PHONY: install install-dev run run-here test lint iac-scan bench eval load migrate clean chromium wrk icu

# PyICU (under rigour/normality, the screening's name analysis) publishes no wheel on PyPI:
# pip builds it against the system ICU, which needs its headers, pkg-config and a C++ compiler.
icu:
	@pkg-config --exists icu-uc 2>/dev/null && command -v g++ >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libicu-dev pkg-config g++ >/dev/null; \
	  else echo "PyICU needs ICU's headers and a C++ compiler: apt-get install libicu-dev pkg-config g++"; exit 1; fi; }

$(STAMP): requirements.txt | icu
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements.txt -r requirements-dev.txt
	rm -f $(VENV)/.installed-dev-*
	touch $(DEV_STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

migrate: install
	$(ENGINES) --keep dev -- $(BIN)/python manage.py migrate --noinput

# Web (gunicorn on 127.0.0.1:8000), Celery worker, Celery beat and the Stripe/Braintree/Plaid sandbox
# (python -m sandbox on 127.0.0.1:12111-12113, docs/sandbox.md) together; Ctrl-C stops them all,
# then the embedded engines (their data stays in var/engines/dev, the sandbox's in var/sandbox).
# The terminal's Ctrl-C reaches run-here's make too, which ends by that SIGINT whatever its recipe
# did (the wrapper then exits 130): here that is the clean stop, not an error.
run: install
	trap : INT; $(ENGINES) --keep dev -- $(MAKE) --no-print-directory run-here || [ $$? -eq 130 ]

# `make run` once DATABASE_URL and REDIS_URL are set. A Ctrl-C is a clean stop: the recipe's
# shell waits for honcho to stop them (`trap : INT`) and takes honcho's 130 for success.
run-here:
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo "Admin: http://127.0.0.1:8000/admin/   Customer pages: http://127.0.0.1:8000/   API docs: http://127.0.0.1:8000/api/docs/"
	@echo "Sandbox gateways (no real money): pay with card 4242 4242 4242 4242; see docs/sandbox.md"
	trap : INT; $(BIN)/honcho --procfile Procfile start || [ $$? -eq 130 ]

# Browser tests drive Debian's Chromium through Playwright (never `playwright install`).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: browser tests will be skipped (apt-get install chromium)"; fi; }

# Every test runs on PostgreSQL and Redis (the settings require them). REQUIRE_SERVICES=1: a missing
# Chromium or fault-injection binary (redis-server, PostgreSQL tools) fails the run, never skips.
test: install-dev chromium
	$(ENGINES) --keep test -- env REQUIRE_SERVICES=1 $(BIN)/python -m pytest $(ARGS)

lint: install-dev
	$(BIN)/python .ci/no_shared_paths.py
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/bandit --quiet --configfile pyproject.toml --recursive config fintech ledger payments banking compliance bench
	$(BIN)/python .ci/secrets_baseline.py --check
	$(ENGINES) -- $(BIN)/python manage.py makemigrations --check --dry-run

# Infrastructure scanning, offline (.ci/iac_scan): hadolint and checkov over the Dockerfile,
# deploy/compose.yaml and deploy/terraform. checkov gets a virtualenv of its own (its pins conflict
# with the product's: requirements-iac.txt); hadolint comes with the development tools.
IAC_VENV := var/iac-venv
IAC_STAMP := $(IAC_VENV)/.installed-$(shell cksum requirements-iac.txt | cut -d' ' -f1)

$(IAC_STAMP): requirements-iac.txt
	test -x $(IAC_VENV)/bin/python || $(PYTHON) -m venv $(IAC_VENV)
	$(IAC_VENV)/bin/python -m pip install --quiet -r requirements-iac.txt
	rm -f $(IAC_VENV)/.installed-*
	touch $(IAC_STAMP)

iac-scan: install-dev $(IAC_STAMP)
	.ci/iac_scan

# The webhook benchmark drives gunicorn with wrk (C: it takes little of the CPU it measures).
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is not installed: the webhook benchmark will report MISSED (apt-get install wrk)"; fi; }

# A new, empty database each time (without DATABASE_URL): the benchmark migrates it first.
bench: install-dev wrk
	$(ENGINES) -- $(BIN)/python -m bench

# Accuracy on public labelled data (screening on OpenSanctions' name_bench, side by side with
# nomenklatura's logic-v2 and a plain token_sort_ratio; AML monitoring on IBM AMLSim and on ordinary
# customers of our generator); writes var/eval/report.{json,md}.
eval: install
	$(ENGINES) -- $(BIN)/python -m bench.eval

# Load test on loopback: gunicorn on DATABASE_URL (else an embedded PostgreSQL) driven by locust;
# writes var/load/report.{json,md}. LOAD_USERS, LOAD_RUN_TIME, ... in loadtest/__main__.py.
load: install-dev
	$(ENGINES) -- $(BIN)/python -m loadtest

clean:
	rm -rf $(VENV) var
