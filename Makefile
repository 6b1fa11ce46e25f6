# Two commands for a newcomer: `make run` and `make test`. Both set up .venv/ themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp

.PHONY: run test test-embedded test-real lint format lock clean

$(STAMP): pyproject.toml
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11 or newer is needed") if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

## Run the whole back office on the embedded default, with demo data, at http://127.0.0.1:8000
run: $(STAMP)
	$(BIN)/coop run

## Run the test suite on both backends at once: embedded (SQLite + memory://) and PostgreSQL + RabbitMQ.
## Each pass prints its results when it ends (their output is not interleaved).
test: $(STAMP) lint
	@echo "Running the embedded and the real pass side by side; each prints its results when it ends."
	@$(MAKE) --no-print-directory --jobs=2 --output-sync=target test-embedded test-real

test-embedded: $(STAMP)
	COOP_TEST_BACKEND=embedded $(BIN)/python -m pytest

test-real: $(STAMP)
	COOP_TEST_BACKEND=real $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .

format: $(STAMP)
	$(BIN)/ruff format .

## Pin the runtime dependencies for the image: a clean virtual environment's resolution of pyproject.toml
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet .
	{ head -n 2 requirements.lock; .lock-venv/bin/pip freeze --exclude coop-backoffice; } > requirements.lock.new
	mv requirements.lock.new requirements.lock && rm -rf .lock-venv build

clean:
	rm -rf $(VENV) data .pytest_cache
