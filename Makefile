# The two set-up commands of the README, and the checks around them.
#   make up     install, generate the local data set, train the model, and serve the API on 127.0.0.1:8000
#   make test   install, start PostgreSQL and Chromium (browser tests) for the tests, and run the whole test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
SCALE ?= small
PORT ?= 8000

.PHONY: up install test lint bench openapi validate clean help
help:
	@sed -n 's/^#   //p' Makefile

$(BIN)/concert-api: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[local,dev]"
	@touch $@

install: $(BIN)/concert-api

up: install
	$(BIN)/concert-api up --scale $(SCALE) --port $(PORT)

test: install
	scripts/start-postgres.sh >/dev/null
	scripts/install-browser.sh
	$(BIN)/pytest

lint: install
	$(BIN)/ruff check src tests bench infrastructure api_lambda_handlers.py validate_api_lambda_handlers.py
	$(BIN)/mypy

validate: install
	$(BIN)/python validate_api_lambda_handlers.py

openapi: install
	$(BIN)/concert-api openapi --write

clean:
	rm -rf $(VENV) .concert-data .pytest_cache .mypy_cache .ruff_cache
