# One command to set up and run, one to test. Needs python3 (3.11+), make, and node/npm for the Apify CLI checks;
# `make check` also runs the e2e subset on the Docker image's Python (3.13) when it is installed, and says so when not.
VENV ?= .venv
PY := $(VENV)/bin/python
INPUT ?= {"mode": "search_symbols", "keyword": "btc"}
STORAGE ?= storage
FAKE_PORT ?= 8765

.PHONY: setup tools run demo fake lint test test-image-python check bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

tools:
	bash scripts/install-tools.sh

## make run INPUT='{"mode": "liquidation_map", "symbol": "Binance_BTCUSDT", "range": "1d"}' (needs COINGLASS_API_KEY)
run: setup
	mkdir -p $(STORAGE)/key_value_stores/default
	printf '%s' '$(INPUT)' > $(STORAGE)/key_value_stores/default/INPUT.json
	CRAWLEE_STORAGE_DIR=$(STORAGE) $(PY) -m src
	@echo "Results: $(STORAGE)/datasets/default/"

## make demo INPUT='...': the same, offline, against the fake CoinGlass on 127.0.0.1
demo: setup
	$(PY) tests/fake_coinglass.py --port $(FAKE_PORT) & echo $$! > .fake.pid; sleep 1; \
	$(MAKE) --no-print-directory run COINGLASS_BASE_URL=http://127.0.0.1:$(FAKE_PORT) \
		COINGLASS_API_KEY=$${COINGLASS_API_KEY:-demo-key} INPUT='$(INPUT)'; status=$$?; \
	kill $$(cat .fake.pid); rm -f .fake.pid; exit $$status

fake: setup
	$(PY) tests/fake_coinglass.py --port $(FAKE_PORT)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

## The tests on every core (-n auto); `pytest -m "not e2e"` skips the subprocess runs, `pytest -m e2e` runs them alone.
test: setup tools
	$(VENV)/bin/pytest -n auto

## The e2e subset again, `python -m src` on the Docker image's Python: scripts/image-python.sh prints a cached venv of
## requirements.txt alone (as the image installs it), or nothing, saying why, when that Python is not installed here.
## The CLI's schema checks run no Python: the first pass covers them.
IMAGE_PASS_SKIPS := not validate_schema and not published_schema
test-image-python: setup tools
	@python="$$(bash scripts/image-python.sh)" || exit 1; \
	if [ -n "$$python" ]; then \
		echo "e2e subset on the image's Python: $$python"; \
		IMAGE_PYTHON="$$python" $(VENV)/bin/pytest -n auto -m e2e -k "$(IMAGE_PASS_SKIPS)"; \
	fi

## The whole test suite: lint, types, tests, and the e2e subset on the image's Python (what CI runs).
check: lint test test-image-python

bench: setup
	$(PY) bench/run_all.py

clean:
	rm -rf $(STORAGE) .mypy_cache .ruff_cache .pytest_cache .hypothesis
