# balancing-sim: `make run` and `make test` work on a fresh clone.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=

.PHONY: run test lint bench calibrate clean

$(VENV)/bin/python:
	@py=$$(sh scripts/find-python.sh) && echo "using $$py" && "$$py" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(VENV)/bin/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

run: $(STAMP)  ## run the default scenario and print its summary (ARGS="scenario=history runs=50")
	$(BIN)/balancing-sim $(ARGS)

test: $(STAMP)  ## lint and run the whole test suite
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts

bench: $(STAMP)  ## performance figures, written to benchmarks/results/latest.md
	$(BIN)/python benchmarks/run.py $(ARGS)

calibrate: $(STAMP)  ## rerun the calibration of the free parameters to patterns P1-P5
	$(BIN)/balancing-sim-calibrate $(ARGS)

clean:
	rm -rf $(VENV) outputs .pytest_cache
