# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

export PREFECT_HOME ?= $(CURDIR)/.automl/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_LOGGING_EXTRA_LOGGERS ?= automl
export DASK_LOGGING__DISTRIBUTED ?= warning

.PHONY: install demo test clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; run with PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/automl train --data examples/data/credit_data/train.parquet --target Status \
		--search-space fast --time-left 60 --generations 10 --population-size 12 --cv-folds 3 \
		--model-name automl-demo-credit

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf .automl artifacts mlruns mlflow.db .pytest_cache
