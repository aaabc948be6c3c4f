# Two entry points, each builds .venv on first use: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test unit lint typecheck pytest examples lowest pythons performance clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "carteira needs Python 3.11 or newer; set PYTHON=python3.11")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[testing,sql,postgres,xlsx,asyncio]' --group dev
	@touch $(STAMP)

demo: $(STAMP)
	$(BIN)/carteira demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict src

pytest: $(STAMP)
	$(BIN)/python -m pytest

# The fast loop while changing a rule: tests/unit holds the aggregates', policies' and
# formats' tests, no store and no process (under a minute). tests/ holds the other kinds:
# service (use cases on the in-memory store), storage (adapters, SQLite and PostgreSQL),
# e2e (processes, the command line, docs, examples) and security.
unit: $(STAMP)
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/unit

# The embedding examples keep their own dependencies in examples/*/.venv.
examples: $(STAMP)
	bash examples/webapp/run-tests.sh -q
	bash examples/fastapi/run-tests.sh -q

test: lint typecheck pytest examples lowest pythons

# The floors of pyproject.toml, proved: a wheel of this tree, installed with the lowest
# versions pyproject.toml allows (.ci/lowest.txt) into .venv-lowest, passes the runtime's
# tests and the README's taste. The wheel is built and installed afresh on every run.
LOWEST := .venv-lowest
$(LOWEST)/.installed: pyproject.toml .ci/lowest.txt
	rm -rf $(LOWEST)
	$(PYTHON) -m venv $(LOWEST)
	$(LOWEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(LOWEST)/bin/python -m pip install --quiet --disable-pip-version-check -c .ci/lowest.txt -e '.[testing,sql,postgres,xlsx]' pytest
	@touch $@

lowest: $(LOWEST)/.installed
	rm -rf $(LOWEST)/dist
	$(LOWEST)/bin/python -m pip wheel --quiet --disable-pip-version-check --no-deps --wheel-dir $(LOWEST)/dist .
	$(LOWEST)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps --force-reinstall $(LOWEST)/dist/carteira-*.whl
	$(LOWEST)/bin/python -c 'import carteira, sys; sys.exit(0 if "site-packages" in carteira.__file__ else "carteira is not the installed wheel")'
	$(LOWEST)/bin/python -m pytest -q -p no:cacheprovider tests/unit/test_serialization.py tests/service/test_visibility.py tests/service/test_queue.py tests/storage/test_sql_adapter.py tests/storage/test_contract_memory.py tests/service/test_import.py tests/e2e/test_demo.py "tests/e2e/test_docs.py::test_python_blocks_run[README.md]"

# The suite on Python 3.12 and 3.13 too (.ci/pythons): the classifiers promise 3.11-3.13.
pythons:
	bash .ci/pythons

# The performance report of docs/performance.md (about 35 minutes; not part of `test`).
performance: $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[sql,postgres]' --group bench
	$(BIN)/python benchmarks/report.py

clean:
	rm -rf $(VENV) $(LOWEST) .venv-3.12 .venv-3.13 .pytest_cache .mypy_cache .ruff_cache .hypothesis
