# Every target creates or refreshes .venv itself (re-installing when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint bench venv clean test-python test-vscode test-nvim

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $(STAMP)

venv: $(STAMP)

## demo: check and format-check the example workspace, then a scripted editor session
demo: $(STAMP)
	@echo "== parsercraft-ls check examples/   (some programs have deliberate errors)"
	@cd examples && ../$(BIN)/parsercraft-ls check . \
		|| echo "(exit status $$?: findings at or above --fail-on, as the examples intend)"
	@echo
	@echo "== parsercraft-ls format --check --diff examples/"
	@cd examples && ../$(BIN)/parsercraft-ls format --check --diff . \
		|| echo "(exit status $$?: some files would be reformatted, as the examples intend)"
	@echo
	@echo "== parsercraft-ls demo   (the language server, driven over stdio like an editor)"
	$(BIN)/parsercraft-ls demo

## test: lint, type-check and run the whole test suite (Python, VS Code extension, Neovim plugin)
test: lint test-python test-vscode test-nvim

test-python: $(STAMP)
	$(BIN)/python -m pytest -q

# The VS Code extension: its own logic, a protocol test against the real server, the .vsix.
test-vscode: $(STAMP)
	@command -v npm >/dev/null || { echo "npm (Node.js 20+) is needed for the VS Code tests"; exit 1; }
	cd editors/vscode && npm ci --no-audit --no-fund && npm run build && npm test
	cd editors/vscode && npx --no-install @vscode/vsce package --out parsercraft.vsix

# The Neovim plugin, headless, against the real server (Neovim 0.7.2+; .ci/run installs it).
test-nvim: $(STAMP)
	@command -v nvim >/dev/null || { echo "nvim (Neovim 0.7.2+) is needed for the Neovim tests"; exit 1; }
	nvim --headless -u NONE -i NONE --cmd "set rtp+=editors/nvim" \
		-c "luafile editors/nvim/spec/run.lua"

lint: $(STAMP)
	$(BIN)/ruff check server resilience tests bench
	$(BIN)/ruff format --check server resilience tests bench
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python bench/engine.py
	$(BIN)/python bench/resilience_overhead.py

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis \
		editors/vscode/node_modules editors/vscode/out editors/vscode/*.vsix
