# hub-sdk: every target creates its own virtualenv and installs what it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: help install lint typecheck test test-slow test-fedn test-fedn-network demo bench \
	bench-fedn clean fuzz

help:
	@echo "make test       lint, type-check and run the test suite (creates .venv)"
	@echo "make demo       start a LocalHub and run the quickstart against it"
	@echo "make test-fedn  run the FEDn tests against a real fedn==0.33.0 controller"
	@echo "make test-fedn-network  run the session tests on a real FEDn network (real clients)"
	@echo "make test-slow  long reliability runs"
	@echo "make fuzz       the property-based tests, random and with many more examples"
	@echo "make bench      benchmarks against raw requests and the seed clients"
	@echo "make bench-fedn Session.wait() on a real FEDn network against a poll loop"
	@echo "make lint       ruff and mypy --strict only"

# editable_mode=compat: a plain path entry, which type checkers follow (setuptools' default
# import hook is invisible to mypy run from outside the repository, as users run it).
$(STAMP): pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev,local,notebook]' --config-settings editable_mode=compat
	touch $(STAMP)

install: $(STAMP)

lint: $(STAMP)
	$(BIN)/ruff check hub_sdk tests $(wildcard examples bench)
	$(BIN)/mypy --strict hub_sdk

# Hypothesis: derandomized and without an example database in `make test` (every run draws the
# same examples); `make fuzz` draws new ones, 25 times as many (tests/conftest.py, profiles).
test: lint
	HUB_SDK_HYPOTHESIS_PROFILE=ci $(BIN)/pytest -q -m "not slow" $(PYTEST_ARGS)

fuzz: $(STAMP)
	HUB_SDK_HYPOTHESIS_PROFILE=fuzz $(BIN)/pytest -q -m "hypothesis and not slow" $(PYTEST_ARGS)

test-slow: $(STAMP)
	$(BIN)/pytest -q -m slow tests/reliability $(PYTEST_ARGS)

# The FEDn tests again, against a real fedn==0.33.0 controller (own venv, S3 stand-in).
FEDN_VENV  := .fedn-venv
FEDN_PINS  := fedn==0.33.0 'moto[s3]==5.2.5' flask-cors mongomock==4.3.0 minio==7.2.20
FEDN_STAMP := $(FEDN_VENV)/.installed-stamp-2

$(FEDN_STAMP):
	test -x $(FEDN_VENV)/bin/python || $(PYTHON) -m venv $(FEDN_VENV)
	$(FEDN_VENV)/bin/python -m pip install -q $(FEDN_PINS)
	touch $@

test-fedn: $(STAMP) $(FEDN_STAMP)
	HUB_SDK_FEDN_BACKEND=real HUB_SDK_FEDN_PYTHON=$(FEDN_VENV)/bin/python \
	  $(BIN)/pytest -q -m "not fedn_network" tests/fedn $(PYTEST_ARGS)

# Sessions on a real FEDn network: the controller with its combiner (MongoDB statestore in
# memory) and real `fedn client` processes training tests/fedn/network/package.
test-fedn-network: $(STAMP) $(FEDN_STAMP)
	HUB_SDK_FEDN_BACKEND=network HUB_SDK_FEDN_PYTHON=$(FEDN_VENV)/bin/python \
	  $(BIN)/pytest -q -m fedn_network tests/fedn tests/compat/test_fedn_api_client.py \
	  $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/run.py $(BENCH_ARGS)

# Session.wait() on a real FEDn network against a poll loop: lag, completeness, requests.
bench-fedn: $(STAMP) $(FEDN_STAMP)
	$(BIN)/python bench/fedn_wait.py --python $(FEDN_VENV)/bin/python $(BENCH_ARGS)

# The demo needs only the package and its `local` extra (LocalHub): its own venv, so it neither
# installs the dev tools nor confuses the stamp of `make test`'s dev install.
DEMO_VENV  := .demo-venv
DEMO_STAMP := $(DEMO_VENV)/.installed-stamp

$(DEMO_STAMP): pyproject.toml
	test -x $(DEMO_VENV)/bin/python || $(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install -q -e '.[local]'
	touch $@

demo: $(DEMO_STAMP)
	$(DEMO_VENV)/bin/python examples/demo.py

clean:
	rm -rf $(VENV) .demo-venv .fedn-venv .bench-venv .bench-venv-wheel .mypy_cache .ruff_cache *.egg-info
