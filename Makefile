# Two commands do all the set-up on a fresh machine: `make demo` and `make test`.
# Both create the virtual environment (.venv) and install the hub into it first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint install clean vendor-echarts

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/hub demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy --strict foundation audit hub schema connectors auth sandbox bench tests

# One pytest worker per CPU (pytest-xdist); a module's tests stay on one worker, so its module-scoped
# fixtures (a sandbox universe, a demo) are built once. `.venv/bin/pytest` alone runs in one process.
test: lint
	$(BIN)/pytest -n auto --dist loadscope

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache

# The console's charts (schema/static/console/vendor): Apache ECharts from npm, byte-identical, licences kept.
# Bump the version here and in schema/console.py (ECHARTS_VERSION), then run this target.
ECHARTS_VERSION := 5.6.0
vendor-echarts:
	rm -rf build/echarts && mkdir -p build/echarts
	cd build/echarts && npm pack --silent echarts@$(ECHARTS_VERSION) >/dev/null && tar xzf echarts-$(ECHARTS_VERSION).tgz
	cp build/echarts/package/dist/echarts.min.js build/echarts/package/LICENSE build/echarts/package/NOTICE \
		schema/static/console/vendor/
	cp build/echarts/package/licenses/LICENSE-d3 schema/static/console/vendor/
