# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Front-end files from the npm registry (frontend/package-lock.json), served by the app itself.
NPM := frontend/node_modules
VENDOR := src/crimeplan/web/static/vendor

.PHONY: demo test lint install clean browser serve

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

$(VENDOR)/.installed: frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	rm -rf $(VENDOR)
	mkdir -p $(VENDOR)/govuk $(VENDOR)/moj $(VENDOR)/leaflet $(VENDOR)/assets
	cp $(NPM)/govuk-frontend/dist/govuk/govuk-frontend.min.css \
	   $(NPM)/govuk-frontend/dist/govuk/govuk-frontend.min.js $(VENDOR)/govuk/
	cp $(NPM)/@ministryofjustice/frontend/moj/moj-frontend.min.css \
	   $(NPM)/@ministryofjustice/frontend/moj/moj-frontend.min.js $(VENDOR)/moj/
	cp -R $(NPM)/leaflet/dist/leaflet.js $(NPM)/leaflet/dist/leaflet.css \
	   $(NPM)/leaflet/dist/images $(VENDOR)/leaflet/
	cp -R $(NPM)/govuk-frontend/dist/govuk/assets/. $(VENDOR)/assets/
	cp -R $(NPM)/@ministryofjustice/frontend/moj/assets/. $(VENDOR)/assets/
	touch $@

install: $(STAMP) $(VENDOR)/.installed

## The main job on the bundled sample: ingest, coverage, summary (and later issues' outputs).
demo: install
	$(BIN)/python -m crimeplan.demo

## The web service on http://127.0.0.1:8000 over the demo workspace (Ctrl-C stops it).
serve: install
	$(BIN)/crimeplan serve --home demo-home

## Headless Chromium (Debian's package) for the report rendering tests, when not present.
browser:
	@command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || \
	  { echo "installing Debian's chromium for the report tests"; \
	    apt-get update -qq >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

## The whole test suite, plus ruff.
test: install browser
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/python -m pytest -n 2 -q

lint: install
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) demo-home .pytest_cache $(NPM) $(VENDOR)
