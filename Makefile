# Async Django, tested. `make lab` opens the course; `make test` runs every test and notebook.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# Marks an environment that holds exactly the current lock; rebuilt when the lock changes.
STAMP := $(VENV)/.installed-lock
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
PYTEST_ARGS ?=
# The compatibility lane: the newest Django 6.x on Python 3.12+, from requirements-latest.txt.
PYTHON_LATEST ?= python3.12
VENV_LATEST ?= .venv-latest
STAMP_LATEST := $(VENV_LATEST)/.installed-lock

.PHONY: help venv lab test unit test-mysql test-latest doctor soak lint format notebooks rerun \
	student html lock lock-latest clean

help:
	@echo "make lab        open the course in JupyterLab (creates $(VENV) on first use)"
	@echo "make test       ruff, the unit tests and every notebook under strict nbval"
	@echo "make unit       the unit tests only"
	@echo "make test-mysql the unit tests against MariaDB/MySQL (TUTORIAL_MYSQL_URL or a throwaway server)"
	@echo "make notebooks  re-execute every notebook in place, top to bottom (NB=notebooks/01-*.ipynb for one)"
	@echo "make rerun      run every notebook cell twice in a row; fail on an error outside raises-exception"
	@echo "make test-latest the same suite on Django 6.x and Python 3.12+ ($(VENV_LATEST))"
	@echo "make student    build/student/: the notebooks with solutions replaced by stubs"
	@echo "make html       build/html/: the executed notebooks as offline HTML, with an index"
	@echo "make soak       every notebook under nbval three times in a row (no hang, same outputs)"
	@echo "make doctor     check this machine and $(VENV): one line per check, with the fix"
	@echo "make lint       ruff check and format check over .py and .ipynb"
	@echo "make lock       regenerate requirements.txt from requirements.in"

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 10))' || \
		{ echo "Python 3.10 or newer is needed; run e.g. 'make PYTHON=python3.12 test'."; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create $(VENV). On Debian/Ubuntu: sudo apt install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@touch $@

lab: $(STAMP)
	$(BIN)/jupyter lab --ip 127.0.0.1 --ServerApp.root_dir=notebooks $(ROOT_FLAG)

test: $(STAMP) lint
	$(BIN)/pytest $(PYTEST_ARGS)

unit: $(STAMP)
	$(BIN)/pytest tests $(PYTEST_ARGS)

# Against $$TUTORIAL_MYSQL_URL, or a throwaway server when mariadbd is installed; without either it
# says so in one line and skips (fails when TUTORIAL_REQUIRE_MYSQL=1).
test-mysql: $(STAMP)
	$(BIN)/python -m tutorial_project.mysql -- $(BIN)/pytest tests notebooks/06-mysql-with-pymysql.ipynb $(PYTEST_ARGS)

$(STAMP_LATEST): requirements-latest.txt pyproject.toml
	@$(PYTHON_LATEST) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
		{ echo "Django 6 needs Python 3.12+; set PYTHON_LATEST (e.g. \$$(pyenv prefix 3.12.1)/bin/python3)."; exit 1; }
	@test -x $(VENV_LATEST)/bin/python || $(PYTHON_LATEST) -m venv $(VENV_LATEST)
	$(VENV_LATEST)/bin/python -m pip install --quiet --upgrade pip
	$(VENV_LATEST)/bin/python -m pip install --quiet -r requirements-latest.txt
	$(VENV_LATEST)/bin/python -m pip install --quiet --no-deps -e .
	@touch $@

# The same unit tests and the same strict nbval over the same committed notebooks.
test-latest: $(STAMP_LATEST)
	$(VENV_LATEST)/bin/pytest $(PYTEST_ARGS)

soak: $(STAMP)
	for run in 1 2 3; do $(BIN)/pytest -q notebooks || exit 1; done

# No $(STAMP) prerequisite: the doctor must diagnose an environment, not repair it first.
doctor:
	@test -x $(BIN)/python || { echo "FAIL  venv: $(VENV) does not exist; run make venv"; exit 1; }
	@$(BIN)/python -m tutorial_project.doctor

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

NB ?= notebooks/*.ipynb
notebooks: $(STAMP)
	$(BIN)/python -m tutorial_project.execute $(NB)

# Learners re-run cells: every code cell must survive a second run right after its first.
rerun: $(STAMP)
	$(BIN)/python -m tutorial_project.execute --twice $(NB)

student: $(STAMP)
	$(BIN)/python -m tutorial_project.classroom student

html: $(STAMP)
	$(BIN)/python -m tutorial_project.classroom html

lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile --universal --python-version 3.10 --no-emit-index-url \
		--custom-compile-command "make lock" requirements.in -o requirements.txt

# requirements.in with the Django pin lifted to 6.x, resolved for Python 3.12.
lock-latest: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	sed 's/^django>=5.2,<6.*/django>=6,<7/' requirements.in | $(BIN)/uv pip compile \
		--python-version 3.12 --no-emit-index-url --custom-compile-command "make lock-latest" \
		- -o requirements-latest.txt

clean:
	rm -rf $(VENV) $(VENV_LATEST) build
