# Consult — two commands for a newcomer: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PORT   ?= 8000
HOST   ?= 0.0.0.0
export FLASK_APP := wsgi.py

.PHONY: run test install dev assets migrate seed translations extract update-catalogs compile-catalogs check-catalogs lint serve clean

run: install assets compile-catalogs migrate seed ## set up everything and serve on 0.0.0.0:$(PORT)
	@$(BIN)/flask consult urls --port $(PORT)
	@echo "Demo staff logins: instance/demo-credentials.txt"
	$(BIN)/python -m consult.server --host $(HOST) --port $(PORT)

test: dev assets compile-catalogs ## run the whole suite
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $(VENV)/.installed $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

assets: install ## build the Khmer web font into static/fonts
	$(BIN)/python -m consult.assets

migrate: install
	$(BIN)/flask db upgrade

seed: install
	$(BIN)/flask consult seed-demo

extract: install ## refresh translations/messages.pot from the code and templates
	$(BIN)/pybabel extract --no-location --sort-by-file -F translations/babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o translations/messages.pot --project Consult --copyright-holder "Consult contributors" .

update-catalogs: extract ## merge new strings into the km and en catalogs
	$(BIN)/pybabel update --no-wrap -i translations/messages.pot -d translations --ignore-obsolete

compile-catalogs: install
	$(BIN)/pybabel compile -d translations --statistics

check-catalogs: dev ## fail when messages.pot is stale or km has gaps
	$(BIN)/python -m consult.catalog_check

lint: dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) static/fonts/*.woff2 translations/*/LC_MESSAGES/*.mo
