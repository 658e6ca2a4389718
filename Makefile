# The two commands of the README, and the benchmark. Each creates .venv and installs what it needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.chainrule-installed
JUPYTER_STAMP := $(VENV)/.chainrule-jupyter
# Every package at the version the tests passed with: a fresh machine installs what CI got. `make lock` renews it.
LOCK := constraints.txt
PIP := $(BIN)/python -m pip install --quiet --disable-pip-version-check -c $(LOCK)
FAST := not browser and not lab and not docs and not notebooks and not latex and not slow

.PHONY: demo test check bench gpu-check docs lab lint lock playground screenshots venv graphviz chromium latex node clean

demo: venv graphviz
	$(BIN)/chainrule demo

test: venv graphviz chromium latex node
	$(BIN)/ruff check .
	$(BIN)/mypy
	node --test tests/js/
	$(BIN)/python -m pytest

# The fast lane: the engine's and nn's tests, in well under a minute, without Chromium, JupyterLab or the site.
check: venv graphviz
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q -n 2 -m "$(FAST)"

bench: venv graphviz chromium
	$(PIP) micrograd==0.1.0
	$(BIN)/python benchmarks/run.py --markdown $(if $(BASELINE),--baseline $(BASELINE))

# The replay's checks and an MNIST epoch on torch's CUDA device and on CuPy (scripts/gpu-check): for a machine
# with an NVIDIA GPU, after `.venv/bin/pip install cupy-cuda12x`. Elsewhere it says there is no GPU and exits 2.
gpu-check: venv
	$(BIN)/python scripts/gpu-check

# The documentation site, into site/; tests/test_docs.py builds it the same way and reads it in Chromium.
docs: venv graphviz node
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# --allow-root: the README's Debian set-up runs as root, where JupyterLab refuses to start without it.
# LAB_ARGS and LAB_DIR let the tests start this very target on a loopback port of their own.
LAB_DIR ?= notebooks
lab: venv graphviz $(JUPYTER_STAMP)
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS) $(LAB_DIR)

$(JUPYTER_STAMP): $(STAMP)
	$(PIP) -e '.[dev,jupyter]'
	touch $@

lint: venv
	$(BIN)/ruff check .
	$(BIN)/mypy

venv: $(STAMP)

$(STAMP): pyproject.toml $(LOCK)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip
	$(PIP) -e '.[dev]'
	touch $@

# Resolves pyproject.toml's dependencies afresh, in a virtual environment of its own, and writes their versions
# to the lock; then `make test`, and commit the lock with what it changed.
lock:
	rm -rf $(VENV)-lock
	$(PYTHON) -m venv $(VENV)-lock
	$(VENV)-lock/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(VENV)-lock/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev,jupyter]' micrograd==0.1.0
	{ echo "# Written by make lock: the versions make installs (pip install -c $(LOCK))."; \
	  $(VENV)-lock/bin/python -m pip freeze --all --exclude-editable | grep -v '^setuptools=='; } > $(LOCK)
	rm -rf $(VENV)-lock

graphviz:
	@scripts/ensure-graphviz

chromium:
	@scripts/ensure-chromium

latex:
	@scripts/ensure-latex

node:
	@scripts/ensure-node

# Every picture of the README and the docs, taken again as the tests take them (scripts/remake-screenshots).
screenshots: venv graphviz chromium $(JUPYTER_STAMP)
	PYTHON=$(BIN)/python scripts/remake-screenshots

# chainrule in a browser tab: site/playground/, served by any static server (python -m http.server -d site/playground)
playground: venv node
	PYTHON=$(BIN)/python scripts/build-playground site/playground

clean:
	rm -rf $(VENV) chainrule-out site .pytest_cache .mypy_cache .ruff_cache .hypothesis
