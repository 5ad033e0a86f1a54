# The two commands: `make run` serves the demo, `make test` runs every check.
# Both work from a fresh clone on a machine with Python 3.12+ and nothing else prepared.

PYTHON ?= python3
export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := .venv
UV := $(PYTHON) -m uv
MANAGE := .venv/bin/python manage.py

.PHONY: run test install check-python lint typecheck pytest chromium load crash messages vendor-govuk-frontend clean

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' || { \
		echo "This project needs Python 3.12 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
		echo "Install Python 3.12+ (e.g. pyenv install 3.12) or run: make PYTHON=python3.12 ..."; \
		exit 1; }

install: check-python
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet uv
	$(UV) sync --frozen --python $$($(PYTHON) -c 'import sys; print(sys.executable)')

PORT ?= 8000

run: install
	$(MANAGE) migrate --no-input
	$(MANAGE) load_demo_data
	$(MANAGE) queue_due_reminders
	@echo "Serving on http://127.0.0.1:$(PORT), with the worker that sends e-mails (printed here)."
	@echo "Stop both with Ctrl+C."
	SITE_URL=http://127.0.0.1:$(PORT) .venv/bin/honcho --procfile Procfile start --port $(PORT)

lint: install
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

typecheck: install
	.venv/bin/mypy .

# The browser tests drive Debian's chromium; install it where we can, otherwise say how.
CHROMIUM ?= /usr/bin/chromium
chromium:
	@test -x $(CHROMIUM) || { \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "Installing Debian's chromium for the browser tests"; \
			apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
		else \
			echo "The browser tests need Chromium at $(CHROMIUM)."; \
			echo "Install Debian's 'chromium' package (sudo apt-get install chromium),"; \
			echo "or run: make test CHROMIUM=/path/to/chromium"; \
			exit 1; \
		fi; }

pytest: install chromium
	CHROMIUM=$(CHROMIUM) .venv/bin/pytest

test: lint typecheck pytest

# For translators: make messages LANGUAGE=cy writes (or updates) locale/cy/LC_MESSAGES/django.po
# with every marked string, then compiles every catalogue in locale/ into what Django loads. A
# language is offered once it is in LANGUAGES (imh_toolkit/settings.py).
LANGUAGE ?=
messages: install
	@test -n "$(LANGUAGE)" || { echo "Say which language, e.g. make messages LANGUAGE=cy"; exit 1; }
	mkdir -p locale
	$(MANAGE) makemessages --locale $(LANGUAGE) --ignore 'staticfiles/*' --no-obsolete
	$(MANAGE) compilemessages --ignore '.venv'

# Not part of `make test`: each needs PostgreSQL on 127.0.0.1:5432, runs for a few minutes on
# loopback only, stops by itself and prints its figures (README, Reliability).
# Options through ARGS, e.g. make load ARGS="--seconds 30 --rate 50".
load: install
	.venv/bin/python -m tests.load.run $(ARGS)

crash: install
	.venv/bin/python -m tests.load.crash $(ARGS)

# Refresh the vendored GOV.UK Frontend build (needs npm; the tests and server never do).
GOVUK_FRONTEND_VERSION ?= 6.6.0
vendor-govuk-frontend:
	rm -rf /tmp/govuk-frontend-vendor && mkdir -p /tmp/govuk-frontend-vendor
	cd /tmp/govuk-frontend-vendor && npm pack govuk-frontend@$(GOVUK_FRONTEND_VERSION) && tar xzf govuk-frontend-*.tgz
	$(PYTHON) .ci/vendor_govuk_frontend.py /tmp/govuk-frontend-vendor/package/dist/govuk static/govuk-frontend

clean:
	rm -rf .venv staticfiles db.sqlite3 db.sqlite3-* test-db.sqlite3*
