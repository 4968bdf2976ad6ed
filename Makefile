# All set-up on a fresh machine that has only Python 3.11 and pip.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# One Dagster instance for the demo's runs and the UI: what `make demo` builds, `make dev` shows.
DAGSTER_HOME ?= $(CURDIR)/.dagster_home

.PHONY: demo test test-fast bench dev clean install

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	HF_HUB_OFFLINE=$${HF_HUB_OFFLINE:-1} DAGSTER_HOME="$(DAGSTER_HOME)" $(BIN)/instructie demo --db data/instructie --out data/exports
	@echo "next: make dev, then open http://127.0.0.1:3000 (the runs above, their checks and the dataset card)"

test: $(STAMP)
	$(BIN)/python -m pytest

# The quick loop: every test but those marked slow (the whole graph on the sample, daemon, webserver, training).
test-fast: $(STAMP)
	$(BIN)/python -m pytest -m "not slow"

# Benchmarks: one `BENCH <name> ratio=... gate=...` line each; exits non-zero if a gate fails.
bench: $(STAMP)
	HF_HUB_OFFLINE=$${HF_HUB_OFFLINE:-1} $(BIN)/python -m bench

dev: $(STAMP)
	mkdir -p "$(DAGSTER_HOME)" && (test -e "$(DAGSTER_HOME)/dagster.yaml" || cp resources/dagster.yaml "$(DAGSTER_HOME)/dagster.yaml")
	DAGSTER_HOME="$(DAGSTER_HOME)" PYTHONWARNINGS='ignore:Function `dev_command` is superseded' $(BIN)/dagster dev -w workspace.yaml

clean:
	rm -rf data .dagster_home
