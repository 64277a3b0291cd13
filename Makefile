# The two commands a newcomer needs: `make run` and `make test`. Both create the environment first.
SHELL := /bin/bash
UV := scripts/uv
PG_URL ?= postgres://postgres@127.0.0.1:5432/test
ENV_STAMP := .venv/.envol-synced
TEST_ENV := ENVOL_DATA_DIR=var/test

.PHONY: run test test-sqlite test-postgres lint env messages bench system-deps

include tools/bsky-local/make.mk

# Bytecode is compiled once here, as any installer does: a machine that sets PYTHONDONTWRITEBYTECODE
# (CI images often do) would otherwise compile every module again in each `envol` process, seconds
# of start-up each time.
$(ENV_STAMP): pyproject.toml uv.lock
	$(UV) sync --frozen --compile-bytecode --python "$$(scripts/find-python)"
	touch $@

env: $(ENV_STAMP)

system-deps:
	scripts/install-system-deps

run: env
	$(UV) run --frozen envol migrate
	$(UV) run --frozen envol run

lint: env
	$(UV) run --frozen ruff check src tests scripts bench
	$(UV) run --frozen ruff format --check src tests scripts bench
	$(UV) run --frozen mypy
	$(UV) run --frozen lint-imports --no-cache

test-sqlite: env system-deps bsky-local-install
	$(TEST_ENV) $(UV) run --frozen pytest

test-postgres: env system-deps bsky-local-install
	$(TEST_ENV) DATABASE_URL=$(PG_URL) $(UV) run --frozen pytest

test: lint test-sqlite test-postgres

messages: env
	$(UV) run --frozen python scripts/i18n.py update

# The project's own modules are compiled too, so that the figures are those of an installed service.
bench: env
	$(UV) run --frozen python -m compileall -q src
	$(UV) run --frozen python -m bench
