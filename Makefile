# talentgraph: two commands on a fresh machine — `make demo` and `make test`.
# torch is installed as torch==2.13.0 (the CPU build) before the project, so that nothing
# pulls CUDA packages on a CPU machine.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
LINT := tools/cypher-lint
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: install lint-tools demo test test-fast bench-import clean

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

install: $(BIN)/.installed

$(LINT)/node_modules/.installed: $(LINT)/package.json $(LINT)/package-lock.json
	npm ci --prefix $(LINT) --no-audit --no-fund --loglevel=error
	touch $@

lint-tools: $(LINT)/node_modules/.installed

demo: install
	$(BIN)/talentgraph demo

test: install lint-tools
	$(BIN)/pytest

test-fast: install lint-tools
	$(BIN)/pytest -m "not slow"

bench-import: install
	$(BIN)/talentgraph bench import --scale 5

clean:
	rm -rf $(VENV) $(LINT)/node_modules .talentgraph data/demo .bench
