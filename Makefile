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

# `make test` is strict (tests/suite_parts.py): a part of the suite that cannot run (PostgreSQL, interop, browser, deploy)
# fails the run; CIRCLEFED_TEST_OPT_OUT=browser,interop,postgres,deploy leaves parts out on purpose, and says so.
# With PostgreSQL configured, its half of the storage tests runs in a second pytest process beside the rest:
# those tests wait on the database server about half of the time, which the other process uses. The interop
# tests bind fixed addresses, so all of them stay in the first process. The SQLite sequences of the stateful leak
# test and the SQLite cases of the confidentiality property run as two parts, one in each process (keyword
# second_part). (Exit 5, nothing collected, is fine for
# the second process when PYTEST_ARGS selects no PostgreSQL test; the first still fails on an empty run.)
# The first process's summary is printed again at the end, so that a failure there is on the last screen.
# Both run under coverage (branch coverage, subprocesses too: pyproject.toml [tool.coverage]); their data is
# combined, then the total and each room's figure are printed. A full run (no PYTEST_ARGS) must reach every
# module and run every part not left out; with no part left out either, it keeps the total at fail_under.
PG_HALF := (postgres or second_part) and not interop
ARTIFACTS := test-artifacts
COVERAGE_DIR := $(ARTIFACTS)/coverage
FULL_RUN := $(if $(strip $(PYTEST_ARGS)),,1)
PYTEST := $(BIN)/coverage run -m pytest -ra
test: lint
	@rm -rf $(COVERAGE_DIR) $(ARTIFACTS)/parts-*.json $(ARTIFACTS)/main.rc; mkdir -p $(COVERAGE_DIR); \
	export CIRCLEFED_TEST_STRICT=1 COVERAGE_FILE="$(CURDIR)/$(COVERAGE_DIR)/.coverage"; \
	echo "make test: strict; parts left out (CIRCLEFED_TEST_OPT_OUT): $${CIRCLEFED_TEST_OPT_OUT:-none}"; \
	if [ -n "$$CIRCLEFED_TEST_DATABASE_URL" ]; then \
	  echo "make test: the PostgreSQL half runs in a second process; its output follows this one's"; \
	  CIRCLEFED_TEST_PARTS_FILE=$(ARTIFACTS)/parts-postgres.json $(PYTEST) -p no:cacheprovider $(PYTEST_ARGS) \
	    -k "$(PG_HALF)" > $(ARTIFACTS)/pytest-postgres.log 2>&1 & pg=$$!; \
	  { CIRCLEFED_TEST_PARTS_FILE=$(ARTIFACTS)/parts-main.json $(PYTEST) $(PYTEST_ARGS) -k "not ($(PG_HALF))"; \
	    echo $$? > $(ARTIFACTS)/main.rc; } | tee $(ARTIFACTS)/pytest-main.log; rest=$$(cat $(ARTIFACTS)/main.rc); \
	  wait $$pg; pg_status=$$?; \
	  echo "== PostgreSQL half ($(ARTIFACTS)/pytest-postgres.log)"; cat $(ARTIFACTS)/pytest-postgres.log; \
	  echo "== first process, again: its summary ($(ARTIFACTS)/pytest-main.log)"; \
	  sed -n '/short test summary info/,$$p' $(ARTIFACTS)/pytest-main.log | tail -n 60; \
	  grep -q 'short test summary info' $(ARTIFACTS)/pytest-main.log || tail -n 1 $(ARTIFACTS)/pytest-main.log; \
	  echo "make test: exit $$rest (SQLite, interop, browser and unit tests), $$pg_status (PostgreSQL half)"; \
	  [ $$pg_status -eq 5 ] && pg_status=0; \
	else \
	  CIRCLEFED_TEST_PARTS_FILE=$(ARTIFACTS)/parts-main.json $(PYTEST) $(PYTEST_ARGS); rest=$$?; pg_status=0; \
	fi; \
	$(BIN)/python -m tests.suite_parts $(ARTIFACTS)/parts-*.json $(if $(FULL_RUN),--expect-every-part); \
	parts=$$?; \
	$(BIN)/coverage combine --quiet && $(BIN)/coverage report --precision=1 > $(COVERAGE_DIR)/report.txt; \
	floor_arg="$(if $(FULL_RUN),,--fail-under=0)"; [ -n "$${CIRCLEFED_TEST_OPT_OUT:-}" ] && floor_arg=--fail-under=0; \
	$(BIN)/coverage json --quiet -o $(COVERAGE_DIR)/coverage.json $$floor_arg; floor=$$?; \
	$(BIN)/python -m tests.coverage_rooms $(COVERAGE_DIR)/coverage.json $(if $(FULL_RUN),--require-every-module); \
	reached=$$?; \
	echo "make test: coverage per module in $(COVERAGE_DIR)/report.txt$${floor_arg:+ (a selection or parts left out: no floor)}"; \
	$(BIN)/python -m tests.suite_parts --closing-line $(ARTIFACTS)/parts-*.json; \
	[ $$rest -eq 0 ] && [ $$pg_status -eq 0 ] && [ $$parts -eq 0 ] && [ $$floor -eq 0 ] && [ $$reached -eq 0 ]

# Every figure with the ratio measured in the same run, as a table and in bench/results.json (fresh each run): the
# fan-out and inbox on SQLite, then on PostgreSQL with web-process scaling when CIRCLEFED_TEST_DATABASE_URL is set,
# then pages at 10k and 1M posts on SQLite, and on PostgreSQL when it is set (BENCH_PAGES_ARGS, e.g. --big=100000,
# makes that part shorter).
bench: $(VENV)/.installed-test
	rm -f bench/results.json
	$(BIN)/python -m tests.bench delivery inbox
	$(BIN)/python -m tests.bench scaling $${CIRCLEFED_TEST_DATABASE_URL:+delivery inbox --database-url=$$CIRCLEFED_TEST_DATABASE_URL}
	$(BIN)/python -m tests.bench pages $(BENCH_PAGES_ARGS)
	[ -z "$${CIRCLEFED_TEST_DATABASE_URL:-}" ] || \
	  $(BIN)/python -m tests.bench pages --database-url=$$CIRCLEFED_TEST_DATABASE_URL $(BENCH_PAGES_ARGS)

# The stateful leak test (issue 14) at length: 2,000 sequences on SQLite, its two parts in two processes side by
# side (each with its own three instances; logs in test-artifacts/leakhunt-*.log), then PostgreSQL's count when
# configured. Each sequence prints a line as it ends; a leak prints `LEAK` and its steps; the run fails if either part
# fails.
LEAKHUNT_SEQUENCES ?= 2000
LEAKHUNT = CIRCLEFED_LIFECYCLE_PROGRESS=1 CIRCLEFED_LIFECYCLE_SEQUENCES_PER_PART=$$(( $(LEAKHUNT_SEQUENCES) / 2 )) \
  $(BIN)/python -m pytest -p no:cacheprovider -ra -s \
  $(PYTEST_ARGS) tests/integration/federation/test_confidential_lifecycle.py
# The code a run hunts: the product and the hunter's own files (docs/leakhunt.md adds up runs on the same code).
HUNTED := src templates migrations pyproject.toml tests/conftest.py tests/untraced.py tests/fakes \
  tests/integration/federation/conftest.py tests/integration/federation/circles.py \
  tests/integration/federation/lifecycle_*.py tests/integration/federation/test_confidential_lifecycle.py
leakhunt: $(VENV)/.installed-test
	@mkdir -p $(ARTIFACTS); echo "make leakhunt: $(LEAKHUNT_SEQUENCES) sequences on SQLite, in two parts side by side"; \
	echo "make leakhunt: hunted code $$(git ls-files -s -- $(HUNTED) | git hash-object --stdin | cut -c1-12)$$( \
	  git diff --quiet HEAD -- $(HUNTED) || echo ' plus uncommitted changes: a count that cannot be added up')"; \
	start=$$(date +%s); \
	$(LEAKHUNT) -k first_part > $(ARTIFACTS)/leakhunt-first.log 2>&1 & first=$$!; \
	$(LEAKHUNT) -k second_part > $(ARTIFACTS)/leakhunt-second.log 2>&1; second=$$?; \
	wait $$first; first=$$?; \
	for part in first second; do echo "== $$part part"; tail -n 15 $(ARTIFACTS)/leakhunt-$$part.log; done; \
	echo "make leakhunt: SQLite parts exit $$first and $$second after $$(( $$(date +%s) - start )) s"; \
	[ $$first -eq 0 ] && [ $$second -eq 0 ] || exit 1; \
	if [ -n "$$CIRCLEFED_TEST_DATABASE_URL" ]; then $(LEAKHUNT) -k postgresql; fi

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
