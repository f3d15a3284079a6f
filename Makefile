# AP Track: the front door. `make demo` and `make test` work on a fresh clone.
VENV   ?= .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
PYTHON ?= python3

.PHONY: install demo test lint serve clean bench schema screenshots restore-drill
SCALE  ?= la
# test processes (pytest-xdist): "auto" is one per CPU; TEST_WORKERS=0 runs in this process
TEST_WORKERS ?= auto

$(BIN)/.installed: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev,bench]'
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(BIN)/.installed node_modules/.installed

demo: install
	$(BIN)/aptrack migrate --noinput
	$(BIN)/aptrack seed_demo
	@echo "AP Track is at http://127.0.0.1:$(PORT)/ (sign in with a demo account above; Ctrl-C stops it)"
	$(BIN)/aptrack runserver 127.0.0.1:$(PORT)

test: install
	$(BIN)/pytest -n $(TEST_WORKERS) --maxprocesses=4

lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy
	DJANGO_SETTINGS_MODULE=aptrack.settings.test $(BIN)/aptrack makemigrations --check --dry-run

bench: install
	$(BIN)/python -m bench.run --scale $(SCALE)

schema: install
	$(BIN)/aptrack spectacular --urlconf aptrack.api.schema_urls --file docs/api/openapi.yaml --validate --fail-on-warn

screenshots: install
	APTRACK_SCREENSHOTS=docs/screenshots $(BIN)/pytest -q tests/browser/test_journeys.py

restore-drill: install
	$(BIN)/aptrack restore_drill

clean:
	rm -rf $(VENV) node_modules var/static
