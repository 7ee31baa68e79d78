# csbm: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= sqlite:///$(CURDIR)/var/csbm.sqlite3
export CSBM_TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

.PHONY: install demo test test-sqlite check lint format clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: install, migrate var/csbm.sqlite3, load agreements + sample data, show Belarus's quotas
demo: $(STAMP)
	mkdir -p var
	$(BIN)/csbm db upgrade --database-url $(DEMO_DB)
	$(BIN)/csbm agreements load --database-url $(DEMO_DB)
	$(BIN)/csbm demo --database-url $(DEMO_DB)
	$(BIN)/csbm quota --year 2025 --state BY --database-url $(DEMO_DB)
	$(BIN)/csbm findings --from 2025-01-01 --to 2026-12-31 --state BY --database-url $(DEMO_DB)
	$(BIN)/csbm quota --year 2026 --state BY --database-url $(DEMO_DB)

## test: the whole suite, on SQLite and on PostgreSQL at CSBM_TEST_PG_URL
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 -q

check: $(STAMP)
	$(BIN)/ruff check app tests bench migrations
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff format app tests bench
	$(BIN)/ruff check --fix app tests bench

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
