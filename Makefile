# One command to set up and run, one to test. Needs python3 (3.11+), make, and node/npm for the Apify CLI checks;
# `make check` runs the end-to-end tests on the Docker image's Python (3.13) when it is installed, and says so when not.
VENV ?= .venv
PY := $(VENV)/bin/python
INPUT ?= {"mode": "search_symbols", "keyword": "btc"}
STORAGE ?= storage
FAKE_PORT ?= 8765
SERVE_PORT ?= 4321

.PHONY: setup tools run demo serve fake schemas lint test test-shipped check bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

tools:
	bash scripts/install-tools.sh

## make run INPUT='{"mode": "liquidation_map", "symbol": "Binance_BTCUSDT", "range": "1d"}' (needs COINGLASS_API_KEY)
## The run ends by printing its result and where it wrote the item, OUTPUT and the charts.
run: setup
	@mkdir -p $(STORAGE)/key_value_stores/default
	@printf '%s' '$(INPUT)' > $(STORAGE)/key_value_stores/default/INPUT.json
	CRAWLEE_STORAGE_DIR=$(STORAGE) $(PY) -m src

## make demo INPUT='...': the same, offline, against the fake CoinGlass on 127.0.0.1:$(FAKE_PORT) (any key works).
## A taken port fails at once, saying so, with a non-zero exit (pick another with FAKE_PORT=...).
demo: setup
	@ready="$$(mktemp)"; rm -f "$$ready"; \
	$(PY) tests/fake_coinglass.py --port $(FAKE_PORT) --ready-file "$$ready" & fake=$$!; \
	while [ ! -s "$$ready" ] && kill -0 $$fake 2>/dev/null; do sleep 0.1; done; \
	if [ ! -s "$$ready" ]; then wait $$fake; status=$$?; echo "make demo: the fake CoinGlass did not start (exit $$status)." >&2; exit 1; fi; \
	mkdir -p $(STORAGE)/key_value_stores/default; \
	printf '%s' '$(INPUT)' > $(STORAGE)/key_value_stores/default/INPUT.json; \
	CRAWLEE_STORAGE_DIR=$(STORAGE) COINGLASS_BASE_URL="$$(cat "$$ready")" COINGLASS_API_KEY="$${COINGLASS_API_KEY:-demo-key}" \
		$(PY) -m src; status=$$?; \
	kill $$fake; rm -f "$$ready"; exit $$status

## make serve: the MCP server (the Actor in Standby) on http://127.0.0.1:$(SERVE_PORT)/mcp until Ctrl+C, against the
## fake CoinGlass; with COINGLASS_API_KEY set, against CoinGlass itself.
serve: setup
	@if [ -n "$$COINGLASS_API_KEY" ]; then \
		APIFY_META_ORIGIN=STANDBY ACTOR_WEB_SERVER_PORT=$(SERVE_PORT) CRAWLEE_STORAGE_DIR=$(STORAGE) $(PY) -m src; \
	else \
		ready="$$(mktemp)"; rm -f "$$ready"; \
		$(PY) tests/fake_coinglass.py --port $(FAKE_PORT) --ready-file "$$ready" & fake=$$!; \
		trap 'kill $$fake 2>/dev/null; rm -f "$$ready"' EXIT; \
		while [ ! -s "$$ready" ] && kill -0 $$fake 2>/dev/null; do sleep 0.1; done; \
		if [ ! -s "$$ready" ]; then echo "make serve: the fake CoinGlass did not start (see above)." >&2; exit 1; fi; \
		APIFY_META_ORIGIN=STANDBY ACTOR_WEB_SERVER_PORT=$(SERVE_PORT) CRAWLEE_STORAGE_DIR=$(STORAGE) \
		COINGLASS_BASE_URL="$$(cat "$$ready")" COINGLASS_API_KEY=demo-key $(PY) -m src; \
	fi

fake: setup
	$(PY) tests/fake_coinglass.py --port $(FAKE_PORT)

## The files generated from src/fields.py (.actor/input_schema.json, the dataset schema's echoed fields).
schemas: setup
	$(PY) scripts/generate_schemas.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

## The tests on every core (-n auto); `pytest -m "not e2e"` skips the subprocess runs, `pytest -m e2e` runs them alone.
test: setup tools
	$(VENV)/bin/pytest -n auto

## The tests as CI runs them, in one session: the in-process tests on the project's Python, and the end-to-end runs
## (`python -m src`, `apify run`) on the Docker image's Python, what we ship. scripts/image-python.sh prints a cached
## venv of requirements.txt alone (as the image installs it), or nothing, saying why, when that Python is not
## installed here; the end-to-end runs then use the project's Python (under CI=true it fails instead).
test-shipped: setup tools
	@python="$$(bash scripts/image-python.sh)" || exit 1; \
	echo "end-to-end runs on: $${python:-the project's Python}"; \
	IMAGE_PYTHON="$$python" $(VENV)/bin/pytest -n auto

## The whole test suite: lint, types, and the tests as CI runs them.
check: lint test-shipped

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(STORAGE) .mypy_cache .ruff_cache .pytest_cache .hypothesis
