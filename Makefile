# Every target creates or refreshes .venv itself (re-installing when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench venv clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

venv: $(STAMP)

## demo: check and format-check the example workspace, then a scripted editor session
demo: $(STAMP)
	@echo "== parsercraft-ls check examples/   (some programs have deliberate errors)"
	-@cd examples && ../$(BIN)/parsercraft-ls check .
	@echo
	@echo "== parsercraft-ls format --check --diff examples/"
	-@cd examples && ../$(BIN)/parsercraft-ls format --check --diff .
	@echo
	@echo "== parsercraft-ls demo   (the language server, driven over stdio like an editor)"
	$(BIN)/parsercraft-ls demo

## test: lint, type-check and run the whole test suite
test: lint
	$(BIN)/python -m pytest -q

lint: $(STAMP)
	$(BIN)/ruff check server resilience tests bench
	$(BIN)/ruff format --check server resilience tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/resilience_overhead.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
