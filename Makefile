# circlefed: `make run` serves a local instance on SQLite; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test lint bench leakhunt clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "circlefed needs Python >= 3.11"'
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/circlefed setup
	$(BIN)/circlefed serve

lint: $(VENV)/.installed-test
	$(BIN)/ruff check src tests migrations
	$(BIN)/lint-imports

# With PostgreSQL configured, its half of the storage tests runs in a second pytest process beside the rest:
# those tests wait on the database server about half of the time, which the other process uses. The interop
# tests bind fixed addresses, so all of them stay in the first process. (Exit 5, nothing collected, is fine for
# the second process when PYTEST_ARGS selects no PostgreSQL test; the first still fails on an empty run.)
# The first process's summary is printed again at the end, so that a failure there is on the last screen.
PG_HALF := postgres and not interop
test: lint
	@if [ -n "$$CIRCLEFED_TEST_DATABASE_URL" ]; then \
	  mkdir -p test-artifacts; rm -f test-artifacts/main.rc; \
	  echo "make test: the PostgreSQL half runs in a second process; its output follows this one's"; \
	  $(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS) -k "$(PG_HALF)" \
	    > test-artifacts/pytest-postgres.log 2>&1 & pg=$$!; \
	  { $(BIN)/python -m pytest $(PYTEST_ARGS) -k "not ($(PG_HALF))"; echo $$? > test-artifacts/main.rc; } \
	    | tee test-artifacts/pytest-main.log; rest=$$(cat test-artifacts/main.rc); \
	  wait $$pg; pg_status=$$?; \
	  echo "== PostgreSQL half (test-artifacts/pytest-postgres.log)"; cat test-artifacts/pytest-postgres.log; \
	  echo "== first process, again: its summary (test-artifacts/pytest-main.log)"; \
	  sed -n '/short test summary info/,$$p' test-artifacts/pytest-main.log | tail -n 60; \
	  grep -q 'short test summary info' test-artifacts/pytest-main.log || tail -n 1 test-artifacts/pytest-main.log; \
	  echo "make test: exit $$rest (SQLite, interop, browser and unit tests), $$pg_status (PostgreSQL half)"; \
	  [ $$rest -eq 0 ] && { [ $$pg_status -eq 0 ] || [ $$pg_status -eq 5 ]; }; \
	else \
	  $(BIN)/python -m pytest $(PYTEST_ARGS); \
	fi

bench: $(VENV)/.installed-test
	$(BIN)/python -m tests.bench

# The stateful leak test (issue 14) at length: 2,000 sequences on SQLite (and PostgreSQL's count when configured).
LEAKHUNT_SEQUENCES ?= 2000
leakhunt: $(VENV)/.installed-test
	CIRCLEFED_LIFECYCLE_SEQUENCES=$(LEAKHUNT_SEQUENCES) $(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS) \
	  tests/integration/federation/test_confidential_lifecycle.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
