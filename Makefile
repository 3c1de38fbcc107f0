# The two commands of the README (Python ≥ 3.11 and make are all a fresh machine needs):
#   make demo   sets itself up on first use (.venv), then ingests examples/ and prints the
#               three years' district figures
#   make test   the same set-up with the test tools, then the whole test suite
# .ci/run calls `make test` in a fresh clone.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DB := $(VENV)/demo.sqlite

.PHONY: demo test install clean

$(BIN)/ncctd: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(BIN)/ncctd

install: $(BIN)/ncctd

demo: $(BIN)/ncctd
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm
	$(BIN)/ncctd --db $(DEMO_DB) ingest examples/returns/
	$(BIN)/ncctd --db $(DEMO_DB) rollup --from 2021-01 --to 2023-12
	$(BIN)/ncctd --db $(DEMO_DB) narrative --from 2021-01 --to 2023-12

test: $(BIN)/ncctd
	$(BIN)/ruff check .
	$(BIN)/mypy
	$(BIN)/pytest

clean:
	rm -rf $(VENV)
