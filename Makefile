# Samstyring: `make run` sets everything up and serves on http://127.0.0.1:8000;
# `make test` runs the whole test suite (SQLite by default; set DATABASE_URL for PostgreSQL).

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1:8000

.PHONY: run setup install db test test-fast lint messages assets bench bench-smoke bench-load clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## Migrate the database and load the real 2024 register, the model's bodies and demo data.
db: install
	$(BIN)/samstyring migrate --noinput -v0
	$(BIN)/samstyring load-register
	$(BIN)/samstyring load-demo

setup: db

run: db
	@echo "Samstyring: http://$(HOST)/  (demo logins above; password samstyring-demo)"
	$(BIN)/samstyring runserver $(HOST)

## The whole suite: lint, unit and integration tests, browser accessibility tests.
## PYTEST_ARGS narrows it (CI: -m "not browser" for the PostgreSQL run, see .ci/run).
PYTEST_ARGS ?=
test: install
	$(BIN)/ruff check .
	$(BIN)/samstyring makemigrations --check --dry-run -v0
	$(BIN)/pytest -q -n 2 $(PYTEST_ARGS)

## Everything except the browser suite.
test-fast: install
	$(BIN)/pytest -q -n 2 -m "not browser"

lint: install
	$(BIN)/ruff check .

## Refresh the Norwegian/English message catalogues (needs GNU gettext).
messages: install
	$(BIN)/samstyring makemessages -l nb --ignore=.venv --ignore=node_modules
	$(BIN)/samstyring compilemessages --ignore=.venv

## Refresh the vendored front-end assets from npm (committed under static/vendor).
assets:
	npm install --no-audit --no-fund
	cp node_modules/@digdir/designsystemet-css/dist/src/index.css static/vendor/designsystemet/designsystemet.css
	cp node_modules/@ks-digital/designsystem-themes/dist/themes/ksdigital.css static/vendor/ks/ksdigital.css
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx/htmx.min.js

## Page benchmark on national-scale data (DATABASE_URL must point to a scratch database).
bench: install
	$(BIN)/samstyring migrate --noinput -v0
	$(BIN)/samstyring load-register
	$(BIN)/samstyring generate-scale --years 20 --seed 1 --replace
	$(BIN)/python bench/pages.py

## Load test: gunicorn on the database in DATABASE_URL (generate the scale data first).
bench-load: install
	$(BIN)/python bench/load.py --seconds 5

## Smoke run of the page benchmark on a small generated set (CI).
SMOKE_DB := sqlite:////tmp/samstyring-bench-smoke.sqlite3
bench-smoke: install
	rm -f /tmp/samstyring-bench-smoke.sqlite3
	DATABASE_URL=$(SMOKE_DB) $(BIN)/samstyring migrate --noinput -v0
	DATABASE_URL=$(SMOKE_DB) $(BIN)/samstyring load-register
	DATABASE_URL=$(SMOKE_DB) $(BIN)/samstyring generate-scale --small --seed 1
	DATABASE_URL=$(SMOKE_DB) $(BIN)/python bench/pages.py --smoke --out bench/out/pages-smoke.json
	DATABASE_URL=$(SMOKE_DB) $(BIN)/python bench/import_adoption.py --smoke

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
