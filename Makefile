# lenslab: `make lab` to use it, `make test` to check it. Both set everything up first
# (scripts/setup.sh: idempotent, seconds when nothing changed).

SHELL := /bin/bash
VENV := $(CURDIR)/.venv
export PATH := $(VENV)/bin:$(PATH)
NOTEBOOK ?= notebooks/quickstart.ipynb
LAB_ARGS ?=
# JupyterLab refuses to run as root unless told; on our machines everyone is root.
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: setup build lab test lint typecheck test-ts test-python test-ui docs clean distclean

setup:
	@bash scripts/setup.sh

# setup.sh builds the front end (widget bundle + lab extension), skipping what is up to date.
build: setup

lab: setup
	jupyter lab --ServerApp.root_dir="$(CURDIR)" $(ROOT_ARGS) $(LAB_ARGS) "$(NOTEBOOK)"

# Every suite runs even when an earlier one fails (make -k); any failure fails `make test`.
test: setup
	@start=$$(date +%s); \
	$(MAKE) --no-print-directory -k lint typecheck test-ts test-python test-ui; \
	status=$$?; \
	echo "make test: $$(( $$(date +%s) - start )) s, $$([ $$status -eq 0 ] && echo OK || echo FAILED)"; \
	exit $$status

# Style rules that a machine checks: ruff (incl. private access and complexity), the import
# layers of the Python pipeline (import-linter, [tool.importlinter] in pyproject.toml), mypy,
# and biome for the TypeScript (lint only: biome.json; the formatter is off).
lint:
	ruff check python_pkg tests/python ui-tests
	lint-imports --no-cache
	mypy
	npm run --silent lint:ts

typecheck:
	npm run --silent typecheck

test-ts:
	npm test

# Includes tests/python/test_notebooks.py, which executes every notebook in notebooks/.
test-python:
	python -m pytest

test-ui:
	npm run --silent test:ui

# The documentation site (mkdocs.yml), offline, into site/; --strict fails on any broken link
# or API reference. tests/python/test_docs.py runs the same build in `make test`.
docs: setup
	mkdocs build --strict

# Minutes-long tests (big model configs, multi-process runs), kept out of `make test`.
.PHONY: test-heavy
test-heavy: setup
	python -m pytest -m heavy

clean:
	rm -rf lib site python_pkg/lenslab/static python_pkg/lenslab/labextension ui-tests/output \
		.pytest_cache .ruff_cache .mypy_cache dist build
	find . -name __pycache__ -not -path './.venv/*' -not -path './node_modules/*' -prune \
		-exec rm -rf {} +

# Also forgets the environment: the next `make` sets up from scratch.
distclean: clean
	rm -rf .venv node_modules

# lenslab against a plain forward pass and TorchLens, one table (bench/RESULTS.md has the latest).
# TorchLens is installed into .venv-bench only (scripts/setup-bench.sh), never into .venv.
.PHONY: bench
bench: setup
	@bash scripts/setup-bench.sh
	@start=$$(date +%s); .venv-bench/bin/python bench/run.py $(BENCH_ARGS); status=$$?; \
	echo "make bench: $$(( $$(date +%s) - start )) s"; exit $$status

# lenslab's op labels against TorchLens' on >= 25 models, op by op (TorchLens in .venv-bench,
# in its own process). Why each remaining difference is deliberate: docs/guides/torchlens-parity.md.
.PHONY: parity
parity: setup
	@bash scripts/setup-bench.sh
	@cd bench && ../.venv-bench/bin/python parity.py $(PARITY_ARGS)
