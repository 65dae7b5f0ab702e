# Transdesk: `make demo` runs the whole path on embedded defaults; `make test` runs the suite.
# Both create .venv when it is missing and install what they need into it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: demo test install install-test catalogs lint typecheck browser-deps clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# Re-install when pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,dev]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Compiled catalogs (.mo) are build products, never committed.
catalogs: $(VENV)/.installed
	$(BIN)/transdesk translate compile > /dev/null

# Browser and HTML-validation tests: Debian's Chromium (Playwright drives it; its own browser download
# cannot work on a closed network) and the npm packages in package.json (axe-core, vnu-jar; Java runs vnu).
browser-deps: node_modules/.installed
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "warning: install Chromium (Debian: apt-get install chromium) for the browser tests" >&2; fi
	@command -v java >/dev/null 2>&1 || { [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1 && \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; } || \
		echo "warning: install Java for the HTML validation tests" >&2

node_modules/.installed: package.json
	@if [ -f package.json ]; then npm install --no-audit --no-fund --loglevel=error; fi
	@mkdir -p node_modules && touch $@

demo: install catalogs
	$(BIN)/transdesk demo

lint: install-test
	$(BIN)/ruff check .

typecheck: install-test
	$(BIN)/mypy

test: install-test catalogs lint typecheck browser-deps
	$(PY) -m pytest

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache
	find locales -name '*.mo' -delete
