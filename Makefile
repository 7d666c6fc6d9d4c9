# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
CHROMIUM := /usr/bin/chromium

.PHONY: run run-scale test test-fast bench bench-smoke install install-test chromium migrate clean screenshots

$(VENV)/.installed: requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements.txt
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.txt
	$(PIP) install -q -r requirements-test.txt
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian's Chromium: used by the browser tests (Playwright) and by kaleido for chart exports.
chromium:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium (apt-get)..."; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core fonts-dejavu-extra poppler-utils >/dev/null; \
	fi

migrate: install
	$(PY) manage.py migrate

# The dashboard on the embedded default (SQLite), with the simulator as its source,
# 90 days back-filled on the first start: http://127.0.0.1:8050
run: install chromium
	SIMULATOR=$${SIMULATOR:-1} $(PY) manage.py serve

# The scale-out topology on this machine (README "Scale-out"): PostgreSQL database cdb_scale (created and
# migrated), Redis (cache, Celery broker), Mosquitto; simulator, one ingest process, a Celery worker and
# gunicorn with WEB_CONCURRENCY workers. DATABASE_URL, CACHE_URL, CELERY_BROKER_URL, MQTT_URL point each at
# another host. Ctrl-C stops them all.
run-scale: install chromium
	$(PY) manage.py run-scale

# The whole suite: unit, integration (SQLite and PostgreSQL), browser, benchmark smoke.
test: install-test chromium
	$(PY) -m pytest -q -p no:cacheprovider

test-fast: install-test
	$(PY) -m pytest -q -p no:cacheprovider tests/unit

bench: install-test chromium
	$(PY) -m bench

screenshots: install-test chromium
	$(PY) -m pytest -q -p no:cacheprovider tests/browser -k screenshot

clean:
	rm -rf $(VENV) data .pytest_cache
