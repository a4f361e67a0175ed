# balancing-sim: `make run` and `make test` work on a fresh clone.
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
ARGS   ?=
PYTEST_ARGS ?= -n auto --dist worksteal  # one worker per core; `make test PYTEST_ARGS=` runs serially

CHROMIUM := /usr/bin/chromium

.PHONY: run test lint bench calibrate validate clean app

$(VENV)/bin/python:
	@py=$$(sh scripts/find-python.sh) && echo "using $$py" && "$$py" -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(VENV)/bin/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

run: $(STAMP)  ## run the default scenario and print its summary (ARGS="scenario=history runs=50")
	$(BIN)/balancing-sim $(ARGS)

$(CHROMIUM):  ## Debian's chromium, for the dashboard's browser tests
	@if [ "$$(id -u)" = 0 ]; then \
		apt-get update && apt-get install -y chromium; \
	else \
		echo "make: chromium is missing; the browser tests need it. Install it as root:" >&2; \
		echo "  sudo apt-get update && sudo apt-get install -y chromium" >&2; exit 1; \
	fi

# The suite keeps compiled modules (__pycache__, ignored by git) even where the environment
# turns bytecode off: each worker and command process otherwise compiles the package and
# rewrites the test modules again (~3 CPU-s a process).
test: $(STAMP) $(CHROMIUM)  ## lint and run the whole test suite (installs chromium as root)
	$(BIN)/ruff check src tests benchmarks scripts
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts

app: $(STAMP)  ## serve the dashboard at http://localhost:8765
	$(BIN)/balancing-sim-app $(ARGS)

bench: $(STAMP)  ## performance figures, written to benchmarks/results/latest.md
	$(BIN)/python benchmarks/run.py $(ARGS)

calibrate: $(STAMP)  ## recalibrate (ARGS="--name posterior"); writes outputs/calibration/ unless --write
	$(BIN)/balancing-sim-calibrate $(ARGS)

validate: $(STAMP)  ## the history against the record, in and out of sample; regenerates docs/VALIDATION.md
	$(BIN)/balancing-sim-record --doc docs/VALIDATION.md $(ARGS)

clean:
	rm -rf $(VENV) outputs .pytest_cache
