# The two quick-start commands: `make run` and `make test`. Each creates .venv and installs what it needs.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
SCHEDULE ?= schedules/sp-webinar-2018-10-23.yaml

.PHONY: run test lint typecheck bench messages clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/webinar-bot run $(SCHEDULE)

test: $(VENV)/.installed-dev
	$(BIN)/ruff check bot tests bench
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(VENV)/.installed-dev
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# After adding or changing a string in code: refresh the template catalogue, then each language's
# (new entries arrive empty, for the translator; `make test` fails until they are filled).
messages: $(VENV)/.installed-dev
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k w -k N_ -k NP_:1,2 -k plural:1,2 \
		--add-location=file --sort-output --no-wrap --project=webinar-bot -o bot/locale/bot.pot bot
	for lang in fr es; do $(BIN)/pybabel update -i bot/locale/bot.pot -d bot/locale -D bot -l $$lang \
		--no-wrap --ignore-obsolete; done

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
