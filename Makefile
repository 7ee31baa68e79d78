# csbm: the two commands are `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DB ?= sqlite:///$(CURDIR)/var/csbm.sqlite3
export CSBM_TEST_PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test

# Debian packages: Pango and HarfBuzz for WeasyPrint (PDF), DejaVu fonts for
# Cyrillic, poppler-utils for the PDF tests, chromium for the browser tests
# (Playwright drives it; no browser is ever downloaded). Installed when missing and root.
SYSDEPS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core poppler-utils chromium

.PHONY: install axe sysdeps demo test check lint format messages bench bench-quick soak lock audit-deps clean \
  bundle offline-test docs-images

# Installs are reproducible: every dependency comes pinned, with its hashes,
# from requirements.lock (`make lock` regenerates it from pyproject.toml);
# csbm itself is then installed editable without resolving anything again.
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

install: $(STAMP)

# axe-core for the browser tests' accessibility checks: the version pinned, with its
# integrity hash, in tests/e2e/package-lock.json, from the npm registry; no test downloads it.
AXE := tests/e2e/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json
	npm ci --prefix tests/e2e --ignore-scripts --no-audit --no-fund --loglevel=error
	touch $(AXE)

axe: $(AXE)

sysdeps:
	@missing=$$(for p in $(SYSDEPS); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "csbm needs these Debian packages: $$missing (install them, e.g. sudo apt-get install $$missing)"; fi; \
	fi

## demo: install, migrate var/csbm.sqlite3, load agreements + sample data, show Belarus's quotas, serve the web app
demo: $(STAMP) sysdeps
	mkdir -p var
	$(BIN)/csbm db upgrade --database-url $(DEMO_DB)
	$(BIN)/csbm agreements load --database-url $(DEMO_DB)
	$(BIN)/csbm demo --database-url $(DEMO_DB)
	$(BIN)/csbm quota --year 2025 --state BY --database-url $(DEMO_DB)
	$(BIN)/csbm findings --from 2025-01-01 --to 2026-12-31 --state BY --database-url $(DEMO_DB)
	$(BIN)/csbm quota --year 2026 --state BY --database-url $(DEMO_DB)
	@echo ""
	@echo "Demo login for the web app (a new password is generated at every setup):"
	@$(BIN)/csbm users add demo --role admin --exist-ok --database-url $(DEMO_DB) --user make-demo
	@echo "Serving http://127.0.0.1:8000/ (API docs: http://127.0.0.1:8000/api/docs); Ctrl-C stops it."
	CSBM_HOME_STATE=BY $(BIN)/csbm serve --host 127.0.0.1 --port 8000 --database-url $(DEMO_DB)

## test: the whole suite, on SQLite and on PostgreSQL at CSBM_TEST_PG_URL
test: $(STAMP) sysdeps $(AXE)
	$(BIN)/python -m pytest -n 2 -q

## check: lint, format, types (app, tests, bench), the import contracts, and `alembic check` on both databases
check: $(STAMP) audit-deps
	$(BIN)/ruff check app tests bench migrations deploy .ci
	$(BIN)/ruff format --check app tests bench deploy .ci
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python .ci/alembic_check.py

## lock: re-pin every dependency (with hashes) after changing pyproject.toml
lock: $(STAMP)
	$(BIN)/pip-compile --quiet --strip-extras --extra dev --generate-hashes --allow-unsafe \
	  --no-emit-index-url --no-emit-find-links --output-file requirements.lock pyproject.toml

## audit-deps: known vulnerabilities in the locked dependencies (pip-audit). Where no
## vulnerability service answers, it says NOT AUDITED instead of passing;
## AUDIT_REQUIRED=1 makes that an error.
audit-deps: $(STAMP)
	@$(BIN)/pip-audit -r requirements.lock --disable-pip --require-hashes --progress-spinner off \
	  --vulnerability-service pypi > .pip-audit.log 2>&1; status=$$?; \
	if grep -q "could not be audited" .pip-audit.log; then \
	  echo "pip-audit: NOT AUDITED: $$(grep -c 'could not be audited' .pip-audit.log) locked packages are unknown to the vulnerability service (unreachable from here?); see .pip-audit.log"; \
	  [ "$(AUDIT_REQUIRED)" != 1 ]; \
	else cat .pip-audit.log; exit $$status; fi

format: $(STAMP)
	$(BIN)/ruff format app tests bench deploy .ci
	$(BIN)/ruff check --fix app tests bench deploy .ci

## bench: every benchmark at full size on SQLite and PostgreSQL (long); bench-quick: a tenth
bench: $(STAMP) sysdeps
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/run.py --size full

bench-quick: $(STAMP) sysdeps
	command -v wrk >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null)
	$(BIN)/python bench/run.py --size quick

## soak: the long runs: 20 SIGKILLed imports of 100,000 rows and killed report runs on both
## databases, thousands of fuzz examples, then 10 minutes of mixed load on PostgreSQL
soak: $(STAMP) sysdeps
	CSBM_SOAK=1 CSBM_KILL_TRIALS=20 CSBM_KILL_ROWS=100000 $(BIN)/python -m pytest -q -s tests/resilience
	CSBM_FUZZ_EXAMPLES=5000 $(BIN)/python -m pytest -q tests/fuzz
	$(BIN)/python bench/soak.py --minutes $(or $(SOAK_MINUTES),10)

## bundle: dist/csbm-offline-<version>-<platform>.tar.gz, everything an air-gapped machine needs
## (docs/deployment.md); DEBS=1 adds the Debian packages PDF output needs, with their dependencies
bundle: $(STAMP)
	$(BIN)/python deploy/bundle/build.py $(if $(filter 1,$(DEBS)),--debs)

## offline-test: build the bundle, install and run it inside `unshare -n` (root), every step
## under strace; fails on any connection attempt beyond loopback
offline-test: $(STAMP) sysdeps
	command -v strace >/dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq strace >/dev/null)
	tests/offline/run.sh || [ $$? = 77 ]

## docs-images: screenshots of the web pages (English and Russian) for the guides, into docs/images/
docs-images: $(STAMP) sysdeps
	$(BIN)/python -m tests.e2e.screenshots docs/images

## messages: re-extract the message template; new entries then need translating in the .po
messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --project csbm -o app/locale/csbm.pot .
	$(BIN)/pybabel update -i app/locale/csbm.pot -d app/locale -D csbm -l ru --no-fuzzy-matching --ignore-obsolete

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache .pip-audit.log
