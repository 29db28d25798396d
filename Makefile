# Cảnh Giác — `make run` serves a demo on this machine, `make test` runs the whole suite.
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
PYTHON ?= python3

.PHONY: install run test typecheck lint format messages clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Local demo over plain HTTP on 127.0.0.1: production settings otherwise (DEBUG off).
# prepare_site = migrate, createcachetable, collectstatic (only when the static sources
# changed), load_demo, load_training, in one process (bench/restart.py times a restart).
run: export CANHGIAC_HTTPS ?= 0
run: install
	mkdir -p var
	$(PY) manage.py prepare_site --demo
	exec bin/serve

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest

# mypy --strict with django-stubs over every app and its tests (the list: [tool.mypy] files).
typecheck: install
	$(VENV)/bin/mypy

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Needs GNU gettext (msgfmt); the compiled catalogue is committed so `make run` does not.
messages: install
	$(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'var/*'
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) var/static
