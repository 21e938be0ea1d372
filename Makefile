# The two set-up commands of the README, and the checks around them.
#   make up     install, generate the local data set, train the model, and serve the API on 127.0.0.1:8000
#   make test   install, start PostgreSQL and Chromium (browser tests) for the tests, and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?= small
PORT ?= 8000

.PHONY: up install install-dev test lint bench openapi validate clean help
help:
	@sed -n 's/^#   //p' Makefile

# Two installs: `up` needs only the local platform (the `local` extra); `test` needs every extra and the tools.
# pip shows what it installs: a first install takes about a minute.
$(VENV)/.installed-local: pyproject.toml
	@echo "== Installing the local platform into $(VENV) (the 'local' extra; about a minute the first time)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --disable-pip-version-check --progress-bar on -e ".[local]"
	@touch $@

$(VENV)/.installed-dev: pyproject.toml
	@echo "== Installing every extra and the test tools into $(VENV) (about two minutes the first time)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --disable-pip-version-check --progress-bar on -e ".[dev]"
	@touch $@ $(VENV)/.installed-local

install: $(VENV)/.installed-local
install-dev: $(VENV)/.installed-dev

up: install
	$(BIN)/concert-api up --scale $(SCALE) --port $(PORT)

test: install-dev
	scripts/start-postgres.sh >/dev/null
	scripts/install-browser.sh
	$(BIN)/pytest

lint: install-dev
	$(BIN)/ruff check src tests bench infrastructure api_lambda_handlers.py validate_api_lambda_handlers.py
	$(BIN)/mypy
	$(BIN)/lint-imports

validate: install-dev
	$(BIN)/python validate_api_lambda_handlers.py

openapi: install-dev
	$(BIN)/concert-api openapi --write

clean:
	rm -rf $(VENV) .concert-data .pytest_cache .mypy_cache .ruff_cache
