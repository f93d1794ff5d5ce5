# Delegate Assistant. `make run` and `make test` work on a fresh clone with only Python 3.10.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Python 3.10 (Rasa 3.6 needs it): PYTHON310, python3.10 on PATH, or a pyenv install.
PYTHON310 ?= $(shell for p in python3.10 $${PYENV_ROOT:-$$HOME/.pyenv}/versions/3.10*/bin/python3.10 /usr/bin/python3.10 /usr/local/bin/python3.10; do \
	"$$p" -c 'import sys; assert sys.version_info[:2] == (3, 10)' >/dev/null 2>&1 && { echo "$$p"; break; }; done)
MO_FILES := $(patsubst %.po,%.mo,$(wildcard locales/*/LC_MESSAGES/messages.po))
# Extra pytest arguments for `make test`, e.g. PYTEST_ARGS="-x tests/outbox".
PYTEST_ARGS ?=
# pytest-xdist workers for the parallel phase of `make test` (0: in this process, no workers).
TEST_WORKERS ?= 2
# Updates the fuzz test posts (tests/production/test_fuzz.py); .ci/run sets 3000.
export FUZZ_UPDATES ?= 600

.PHONY: help venv run test browser train eval bench lint i18n catalogs nlu-server emulator screenshots clean

help:
	@echo "make run     start the assistant (no TELEGRAM_BOT_TOKEN: local emulator + terminal chat)"
	@echo "make test    run the whole test suite: in parallel on $(TEST_WORKERS) workers, then the serial tests (TEST_DATABASE_URL adds PostgreSQL)"
	@echo "make browser install Debian's chromium for the browser tests (apt-get; done by make test when it can)"
	@echo "make train   train the NLU model if config.yml, domain.yml or data/nlu changed"
	@echo "make eval    evaluate the NLU model on the held-out set"
	@echo "make bench   run the benchmarks in bench/"
	@echo "make i18n    extract, update and compile the message catalogs; report untranslated strings"
	@echo "make lint    ruff and mypy"
	@echo "make screenshots  pictures of the Mini App and the organisers' pages in var/screenshots/ (needs chromium)"

venv: $(STAMP)

$(STAMP): requirements.txt
	@if [ ! -x $(PY) ]; then \
		if [ -z "$(PYTHON310)" ]; then echo "Python 3.10 is required (Rasa 3.6): install it or set PYTHON310=/path/to/python3.10" >&2; exit 1; fi; \
		echo "creating $(VENV) with $(PYTHON310)"; "$(PYTHON310)" -m venv $(VENV); fi
	$(PY) -m pip install --quiet --upgrade "pip==24.0"
	$(PY) -m pip install --quiet --no-input -r requirements.txt
	@touch $(STAMP)

locales/%/LC_MESSAGES/messages.mo: locales/%/LC_MESSAGES/messages.po $(STAMP)
	$(VENV)/bin/pybabel --quiet compile -D messages -d locales -l $*

catalogs: $(STAMP) $(MO_FILES)

i18n: $(STAMP)
	$(VENV)/bin/pybabel extract -F babel.cfg -k _ -k ngettext:1,2 -k N_ --no-location --sort-output \
		--project="Delegate Assistant" -o locales/messages.pot bot
	$(VENV)/bin/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete
	$(VENV)/bin/pybabel compile -d locales -D messages --statistics
	$(PY) -m bot.i18n_report

train: $(STAMP)
	$(PY) -m nlu.train

eval: train
	$(PY) -m nlu.evaluate
	@# Rasa's own report on the same held-out files (confusion matrix, per-intent errors) in results/.
	@for f in tests/nlu/test_nlu_*.yml; do lang=$$(basename $$f .yml | sed 's/test_nlu_//'); \
		$(VENV)/bin/rasa test nlu --model "$$($(PY) -m nlu.train --print-path)" --nlu $$f --out results/nlu-$$lang \
			--no-plot >/dev/null 2>&1 || exit $$?; \
		$(PY) -c "import json,sys; r=json.load(open(sys.argv[1])); print(f'rasa test nlu {sys.argv[2]}: intent accuracy {r[\"accuracy\"]:.3f}, macro-F1 {r[\"macro avg\"][\"f1-score\"]:.3f} (results/nlu-{sys.argv[2]}/)')" results/nlu-$$lang/intent_report.json $$lang; done

run: $(STAMP) catalogs train
	$(PY) -m bot run

# Two phases, both always run: everything not marked serial on $(TEST_WORKERS) pytest-xdist workers
# (each with its own PostgreSQL database, <name>_gw0...), then the serial tests (PostgreSQL restarts,
# replicas) alone. Exit status 5 is pytest's "no test selected" (e.g. PYTEST_ARGS names a folder
# without serial tests). Fails when either phase fails.
test: $(STAMP) catalogs browser
	$(PY) -m nlu.train
	@parallel=0; serial=0; \
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal -m "not serial" $(PYTEST_ARGS) || parallel=$$?; \
	echo "== serial phase: the tests marked serial, one at a time"; \
	$(PY) -m pytest -m serial $(PYTEST_ARGS) || serial=$$?; \
	[ $$parallel = 5 ] && parallel=0; [ $$serial = 5 ] && serial=0; \
	if [ $$parallel != 0 ] || [ $$serial != 0 ]; then echo "make test: parallel phase exit $$parallel, serial phase exit $$serial" >&2; exit 1; fi

# Headless Chromium for the browser tests (tests/browser.py): Debian's package, installed with apt-get
# when missing. Without root or apt-get it says so and goes on: the browser tests then skip locally
# and fail in CI (CI set).
browser:
	@if [ -x /usr/bin/chromium ]; then :; \
	elif command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
		echo "browser: installing Debian's chromium (apt-get install -y chromium) for the browser tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null \
			|| { echo "browser: apt-get install chromium failed" >&2; [ -z "$$CI" ] || exit 1; }; \
	else echo "browser: /usr/bin/chromium is missing; install Debian's chromium as root (apt-get install -y chromium) for the browser tests" >&2; \
		[ -z "$$CI" ] || exit 1; fi

# Every benchmark with its defaults; bench/profile.py is a tool that reads py-spy's output (bench/README.md).
bench: $(STAMP) catalogs train
	@for b in $(filter-out bench/profile.py,$(wildcard bench/*.py)); do echo "== $$b"; $(PY) $$b || exit $$?; done

lint: $(STAMP)
	$(VENV)/bin/ruff check bot nlu tests bench
	$(VENV)/bin/mypy bot nlu

screenshots: $(STAMP) catalogs train
	$(PY) -m tests.screenshots

nlu-server: train
	$(VENV)/bin/rasa run --enable-api --model "$$($(PY) -m nlu.train --print-path)" --port $${NLU_PORT:-5005} -i 127.0.0.1

emulator: $(STAMP)
	$(PY) -m bot.telegram.emulator --port $${EMULATOR_PORT:-8081}

clean:
	rm -rf var/*.db var/*.db-* .pytest_cache
