# Two commands: `make run` (set up and start everything on embedded defaults) and
# `make test` (the whole suite). Only Python 3.11 is needed on the machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum requirements.txt | cut -d' ' -f1)

.PHONY: install run test lint bench eval load migrate clean chromium wrk

$(STAMP): requirements.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

# Web (gunicorn on 127.0.0.1:8000), Celery worker and Celery beat together; Ctrl-C stops all three.
run: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/python manage.py seed_demo
	@echo "Admin: http://127.0.0.1:8000/admin/   Customer pages: http://127.0.0.1:8000/   API docs: http://127.0.0.1:8000/api/docs/"
	$(BIN)/honcho --procfile Procfile start

# Browser tests drive Debian's Chromium through Playwright (never `playwright install`).
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is not installed: browser tests will be skipped (apt-get install chromium)"; fi; }

test: install chromium
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/bandit --quiet --configfile pyproject.toml --recursive fintech payments banking compliance bench
	$(BIN)/python .ci/secrets_baseline.py --check
	$(BIN)/python manage.py makemigrations --check --dry-run

# The webhook benchmark drives gunicorn with wrk (C: it takes little of the CPU it measures).
wrk:
	@command -v wrk >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	  else echo "wrk is not installed: the webhook benchmark will report MISSED (apt-get install wrk)"; fi; }

bench: install wrk
	$(BIN)/python -m bench

# Accuracy on public labelled data (screening on OpenSanctions' name_bench, side by side with
# nomenklatura's logic-v2 and a plain token_sort_ratio); writes var/eval/report.{json,md}.
eval: install
	$(BIN)/python -m bench.eval

# Load test on loopback: gunicorn on DATABASE_URL (default: the CI database) driven by locust;
# writes var/load/report.{json,md}. LOAD_USERS, LOAD_RUN_TIME, ... in loadtest/__main__.py.
load: install
	$(BIN)/python -m loadtest

clean:
	rm -rf $(VENV) var
