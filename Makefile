# Shturman — the two commands: `make demo` (main job) and `make test` (full suite).
# Both set everything up themselves on a fresh Debian machine and are idempotent.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install system web demo test lint unit bench clean

install: system web $(STAMP)  ## venv with the package (console script `shturman`) and dev tools
	@$(PY) -m compileall -q src >/dev/null  # bytecode even where PYTHONDONTWRITEBYTECODE is set

system:
	@bash scripts/setup-system.sh

web:  ## htmx for the web app, from the npm registry (git-ignored static/vendor)
	@bash scripts/setup-web.sh

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: install  ## the main job, end to end, on a real loopback test host
	@$(PY) scripts/demo.py

lint: install
	$(VENV)/bin/ruff check src tests bench scripts
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

unit: install
	$(VENV)/bin/pytest -q --durations=25  # the slowest tests, to keep the suite short

test: install lint unit  ## lint, types, layer contracts, then the whole test suite

bench: install  ## benchmarks (print tables, write bench/results/*.json)
	@$(PY) -m pip install -q -e '.[dev,bench]'  # ansible-core and parallel-ssh to compare with
	$(PY) bench/startup_bench.py
	$(PY) bench/executor_bench.py
	$(PY) bench/policy_bench.py
	$(PY) bench/agent_bench.py
	$(PY) bench/jobs_bench.py
	$(PY) -m bench.scenarios

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
