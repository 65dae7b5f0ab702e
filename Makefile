# Transdesk: `make demo` runs the whole path on embedded defaults; `make test` runs the suite.
# Both create .venv when it is missing and install what they need into it.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python

.PHONY: demo test install install-test catalogs lint typecheck clean

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

demo: install catalogs
	$(BIN)/transdesk demo

lint: install-test
	$(BIN)/ruff check .

typecheck: install-test
	$(BIN)/mypy

test: install-test catalogs lint typecheck
	$(PY) -m pytest

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache .mypy_cache
	find locales -name '*.mo' -delete
