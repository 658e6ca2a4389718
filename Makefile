# The two commands of the README, and the benchmark. Each creates .venv and installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.chainrule-installed
JUPYTER_STAMP := $(VENV)/.chainrule-jupyter

.PHONY: demo test bench docs lab lint venv graphviz chromium clean

demo: venv graphviz
	$(BIN)/chainrule demo

test: venv graphviz chromium
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: venv graphviz chromium
	$(BIN)/python -m pip install --quiet --disable-pip-version-check micrograd==0.1.0
	$(BIN)/python benchmarks/run.py --markdown $(if $(BASELINE),--baseline $(BASELINE))

# The documentation site, into site/; tests/test_docs.py builds it the same way and reads it in Chromium.
docs: venv graphviz
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# --allow-root: the README's Debian set-up runs as root, where JupyterLab refuses to start without it.
# LAB_ARGS and LAB_DIR let the tests start this very target on a loopback port of their own.
LAB_DIR ?= notebooks
lab: venv graphviz $(JUPYTER_STAMP)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS) $(LAB_DIR)

$(JUPYTER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev,jupyter]'
	touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $@

graphviz:
	@scripts/ensure-graphviz

chromium:
	@scripts/ensure-chromium

clean:
	rm -rf $(VENV) chainrule-out site .pytest_cache .mypy_cache .ruff_cache .hypothesis
