# Two commands on a fresh machine with Python 3.11: `make demo` and `make test`.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

export PREFECT_HOME ?= $(CURDIR)/.automl/prefect
export PREFECT_SERVER_ANALYTICS_ENABLED ?= false
export PREFECT_LOGGING_EXTRA_LOGGERS ?= automl
export DASK_LOGGING__DISTRIBUTED ?= warning
# Prefect's temporary API starts in ~10 s on 2 cores; its default limit is 20 s.
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS ?= 60

PREFECT_PORT ?= 4200
AUTOML_RETRAIN_DATASET_URI ?= $(CURDIR)/examples/data/credit_data/train.parquet
AUTOML_RETRAIN_TARGET ?= Status
AUTOML_RETRAIN_MODEL_NAME ?= automl-credit-retrain
export PREFECT_PORT AUTOML_RETRAIN_DATASET_URI AUTOML_RETRAIN_TARGET AUTOML_RETRAIN_MODEL_NAME

.PHONY: install demo test browser stack-up stack-down stack-status deploy bench bench-autogluon clean

$(BIN)/python:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; run with PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	@mkdir -p "$(PREFECT_HOME)"
	@# Create Prefect's database now: on first use its migrations would delay the first run by ~10 s.
	$(BIN)/prefect --no-prompt server database upgrade -y >/dev/null
	@rm -f $(VENV)/.installed-* && touch $@

install: $(STAMP)

demo: $(STAMP)
	@mkdir -p "$(PREFECT_HOME)"
	$(BIN)/automl train --data examples/data/credit_data/train.parquet --target Status \
		--search-space fast --time-left 60 --generations 10 --population-size 12 --cv-folds 3 \
		--model-name automl-demo-credit

test: $(STAMP) browser
	@mkdir -p "$(PREFECT_HOME)"
	$(BIN)/python -m pytest

# Chromium for the end-to-end UI test: installed from Debian's packages where we are root;
# elsewhere the test skips and says so.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } ; } || \
		echo "chromium not installed: the browser test will be skipped (apt-get install chromium)"

stack-up: $(STAMP)
	infra/local-stack.sh start

stack-down:
	infra/local-stack.sh stop

stack-status:
	infra/local-stack.sh status

deploy: $(STAMP)
	PREFECT_API_URL=http://127.0.0.1:$(PREFECT_PORT)/api AUTOML_PROJECT_DIR=$(CURDIR) \
		$(BIN)/prefect --no-prompt deploy --all

# The platform against plain TPOT, a default HistGradientBoosting model and FLAML, each run
# in a fresh process at the same budget: `make bench BUDGET=180`. Tables in benchmarks/results/.
BUDGET ?= 60
bench: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	cd benchmarks && ../$(BIN)/python compare.py --budget $(BUDGET)

# AutoGluon as a peer, from its own environment (it pins older pandas); PyTorch from the CPU build.
AUTOGLUON_VENV ?= .venv-autogluon
bench-autogluon: $(STAMP)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	@test -x $(AUTOGLUON_VENV)/bin/python || $(PYTHON) -m venv $(AUTOGLUON_VENV)
	$(AUTOGLUON_VENV)/bin/pip install --quiet 'torch==2.13.0' 'autogluon.tabular[lightgbm,catboost,xgboost]==1.6.3'
	cd benchmarks && AUTOML_BENCH_AUTOGLUON_PYTHON=$(CURDIR)/$(AUTOGLUON_VENV)/bin/python ../$(BIN)/python compare.py \
		--budget $(BUDGET) --systems autogluon --output results/compare-$(BUDGET)s-autogluon.md

clean:
	rm -rf .automl artifacts mlruns mlflow.db .pytest_cache
