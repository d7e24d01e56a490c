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
# The installer: pip installs uv into the venv, and uv installs the lock into it (8 s here instead
# of pip's 30: it downloads and links in parallel and has no resolver work left to do).
# --compile-bytecode: uv writes no .pyc files by default, so the first test run would compile
# Django and the rest in every worker and kernel at once (fresh clone to green: 155 s without it,
# 117 s with it, here).
UV := uv==0.13.9
# JupyterLab settings the course installs into its environment (JupyterLab reads an environment's
# overrides.json): no "official Jupyter news" pop-up over the first notebook.
LAB_OVERRIDES := course_tools/jupyterlab-overrides.json
LAB_SETTINGS := share/jupyter/lab/settings/overrides.json

.PHONY: help venv lab lab-student docs-check test unit test-mysql test-postgres test-latest doctor soak lint \
	format notebooks rerun ko test-ko \
	mutants student html lock lock-latest clean bench-record time

help:
	@echo "make lab        open the course in JupyterLab (creates $(VENV) on first use)"
	@echo "make lab-student  open the student edition (solutions as stubs) in JupyterLab; built the first time"
	@echo "make lab LANG=ko  open the Korean edition (한국어판), JupyterLab in Korean too; built the first time"
	@echo "make venv       create $(VENV) with the locked packages (make lab and make test do it too)"
	@echo "make reinstall  install the lock into $(VENV) again (after a package went missing)"
	@echo "make lab PYTHON=python3.12  rebuild $(VENV) with another Python, then open the course"
	@echo "make test       ruff, the unit tests and every notebook under strict nbval"
	@echo "make unit       the quick unit tests only (no notebooks, nothing marked slow)"
	@echo "make time       the whole suite, then each test file's and notebook's seconds, slowest first"
	@echo "make test-mysql the unit tests and notebook 06 against MariaDB/MySQL (TUTORIAL_MYSQL_URL or a throwaway server)"
	@echo "make test-postgres the unit tests and notebook 11 against PostgreSQL (TUTORIAL_POSTGRES_URL or a throwaway server)"
	@echo "make notebooks  re-execute every notebook in place, top to bottom (NB=notebooks/01-*.ipynb for one)"
	@echo "make rerun      run every notebook cell twice in a row; fail on an error outside raises-exception"
	@echo "make mutants    apply each deliberate regression in tests/mutants.py; fail if a test misses one"
	@echo "make test-latest the same suite on Django 6.x and Python 3.12+ ($(VENV_LATEST))"
	@echo "make student    build/student/ afresh: the notebooks with solutions replaced by stubs"
	@echo "make html       build/html/: the executed notebooks as offline HTML, with an index"
	@echo "make ko         build/ko/ afresh: the notebooks with the Korean text of locale/ko/ (student, html: LANG=ko)"
	@echo "make test-ko    every Korean notebook under strict nbval, and the catalogs up to date"
	@echo "make soak       every notebook under nbval three times in a row (no hang, same outputs)"
	@echo "make doctor     check this machine and $(VENV): one line per check, with the fix"
	@echo "make bench-record  re-record the steady-state sweeps notebooks 08 and 09 show (~40 min)"
	@echo "make docs-check check that /api/docs renders under uvicorn (headless Chromium if installed)"
	@echo "make lint       ruff check and format check over .py and .ipynb (make format fixes them)"
	@echo "make clean      remove $(VENV), $(VENV_LATEST) and build/"
	@echo "make lock       regenerate requirements.txt from requirements.in (make lock-latest: requirements-latest.txt)"

venv: $(STAMP)

# PYTHON given on the command line or in the environment, and $(VENV) built with another Python
# version: rebuild it (make lab PYTHON=python3.12 after a first make lab with python3.11).
ASKED := $(filter command line environment,$(origin PYTHON))
VERSION = import sys; print("%d.%d" % sys.version_info[:2])
WANTED := $(if $(ASKED),$(shell $(PYTHON) -c '$(VERSION)' 2>/dev/null))
BUILT := $(if $(ASKED),$(shell $(BIN)/python -c '$(VERSION)' 2>/dev/null))
OTHER_PYTHON := $(if $(and $(WANTED),$(BUILT)),$(filter-out $(WANTED),$(BUILT)))
# A PYTHON that does not run (a pyenv shim for a version not selected, a typo) must not pass for
# "keep the venv as it is".
ifneq ($(ASKED),)
ifeq ($(WANTED),)
$(error PYTHON=$(PYTHON) does not run here; give its full path, e.g. with pyenv: make lab PYTHON=$$(pyenv prefix 3.12.1)/bin/python3)
endif
endif

$(STAMP): requirements.txt pyproject.toml $(LAB_OVERRIDES) $(if $(OTHER_PYTHON),rebuild-venv)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed; run e.g. 'make PYTHON=python3.12 test'."; exit 1; }
	@if [ -n "$(OTHER_PYTHON)" ]; then \
		echo "$(VENV) has Python $(BUILT); PYTHON=$(PYTHON) is $(WANTED): rebuilding $(VENV)"; \
		rm -rf $(VENV); fi
	@# A venv made without pip (python3-venv missing when it was made) is rebuilt, not reused.
	@if [ -x $(BIN)/python ] && ! $(BIN)/python -m pip --version >/dev/null 2>&1; then \
		echo "$(VENV) is incomplete (no pip): rebuilding it"; rm -rf $(VENV); fi
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) || \
		{ rm -rf $(VENV); \
		  echo "Could not create $(VENV). On Debian/Ubuntu: sudo apt install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet $(UV)
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e .
	@mkdir -p $(VENV)/$(dir $(LAB_SETTINGS)) && cp $(LAB_OVERRIDES) $(VENV)/$(LAB_SETTINGS)
	@touch $@

# A translation, named on the command line (make lab LANG=ko). LANG from the environment is the
# machine's locale, not a request for an edition, so only the command line's counts.
EDITION := $(if $(filter command line,$(origin LANG)),$(filter-out en,$(LANG)))
# A locale the machine has, for the commands that run with LANG=ko on the command line.
LOCALE_ENV := $(if $(EDITION),LANG=C.UTF-8)

ifeq ($(EDITION),)
lab: $(STAMP)
	$(BIN)/jupyter lab --ip 127.0.0.1 --ServerApp.root_dir=notebooks $(ROOT_FLAG)
else
# The edition is built the first time only, as the student edition is: learners' work lives there.
lab: $(STAMP)
	@test -d build/$(EDITION) || $(LOCALE_ENV) $(BIN)/python -m course_tools.translations build $(EDITION)
	$(LOCALE_ENV) JUPYTER_CONFIG_DIR=$$($(BIN)/python -m course_tools.translations lab-config $(EDITION)) \
		$(BIN)/jupyter lab --ip 127.0.0.1 --ServerApp.root_dir=build/$(EDITION) --custom-css $(ROOT_FLAG)
endif

# The student edition (solutions replaced by stubs), built afresh and opened in JupyterLab.
# Built the first time only: learners' work lives there, and `make student` rebuilds it from scratch.
lab-student: $(STAMP)
	@test -d build/student || $(BIN)/python -m course_tools.classroom student
	$(BIN)/jupyter lab --ip 127.0.0.1 --ServerApp.root_dir=build/student $(ROOT_FLAG)

# The API docs page under uvicorn, in a headless Chromium when one is installed.
docs-check: $(STAMP)
	$(BIN)/python -m course_tools.docs_page

.PHONY: rebuild-venv reinstall
rebuild-venv:

reinstall:
	rm -f $(STAMP)
	$(MAKE) venv

# Four workers, a whole file each at a time (nbval runs a notebook's cells in one kernel). Four on
# two cores, because most of the suite waits (on servers, sleeps, subprocesses) rather than
# computes: 64 s here against 103 s with two. The notebooks that load the machine with real
# benchmarks run afterwards, alone, so they never compete for cores.
ALONE := notebooks/08-serving-and-load-testing.ipynb notebooks/09-how-fast-is-async-django.ipynb
WORKERS ?= 4
PARALLEL := -n $(WORKERS) --dist loadfile $(foreach path,$(ALONE),--ignore=$(path))
test: $(STAMP) lint
	$(BIN)/pytest $(PARALLEL) $(PYTEST_ARGS)
	$(BIN)/pytest $(ALONE) $(PYTEST_ARGS)

# Without nbval (no notebook runs here) and without the tests marked slow;
# on the same workers, a whole file each at a time.
UNIT := -m "not slow" -o addopts="-p no:cacheprovider -p course_tools.fast_imports" -p no:nbval \
	-n $(WORKERS) --dist loadfile
unit: $(STAMP)
	$(BIN)/pytest tests $(UNIT) $(PYTEST_ARGS)

time: $(STAMP)
	$(BIN)/python tests/timing.py $(PYTEST_ARGS)

# Against $$TUTORIAL_MYSQL_URL, or a throwaway server when mariadbd is installed; without either it
# says so in one line and skips (fails when TUTORIAL_REQUIRE_MYSQL=1). The unit tests on the four
# workers (each in a test database of its own), then the notebook alone: it counts connections (on
# the server in 06, to its database in 11), and the unit tests' would be counted with its own.
# PYTEST_ARGS go to both runs; one that they leave without a test (pytest's exit code 5) passes.
define DATABASE_LANE
sh -c 'for run in "tests -n $(WORKERS) --dist loadfile" "$(1)"; do \
	$(BIN)/pytest $$run "$$@"; status=$$?; [ $$status = 0 ] || [ $$status = 5 ] || exit $$status; \
	done' lane $(PYTEST_ARGS)
endef
test-mysql: $(STAMP)
	$(BIN)/python -m course_tools.database_lane mariadb -- \
		$(call DATABASE_LANE,notebooks/06-mysql-with-pymysql.ipynb)

# The same, against PostgreSQL: the unit tests, then notebook 11.
test-postgres: $(STAMP)
	$(BIN)/python -m course_tools.database_lane postgres -- \
		$(call DATABASE_LANE,notebooks/11-postgresql-connections-and-pools.ipynb)

$(STAMP_LATEST): requirements-latest.txt pyproject.toml $(LAB_OVERRIDES)
	@$(PYTHON_LATEST) -c 'import sys; sys.exit(sys.version_info < (3, 12))' || \
		{ echo "Django 6 needs Python 3.12+; set PYTHON_LATEST (e.g. \$$(pyenv prefix 3.12.1)/bin/python3)."; exit 1; }
	@test -x $(VENV_LATEST)/bin/python || $(PYTHON_LATEST) -m venv $(VENV_LATEST)
	$(VENV_LATEST)/bin/python -m pip install --quiet $(UV)
	$(VENV_LATEST)/bin/uv pip install --quiet --compile-bytecode --python $(VENV_LATEST)/bin/python \
		-r requirements-latest.txt
	$(VENV_LATEST)/bin/uv pip install --quiet --python $(VENV_LATEST)/bin/python --no-deps -e .
	@mkdir -p $(VENV_LATEST)/$(dir $(LAB_SETTINGS)) && cp $(LAB_OVERRIDES) $(VENV_LATEST)/$(LAB_SETTINGS)
	@touch $@

# The same unit tests and the same strict nbval over the same committed notebooks.
test-latest: $(STAMP_LATEST)
	$(VENV_LATEST)/bin/pytest $(PARALLEL) $(PYTEST_ARGS)
	$(VENV_LATEST)/bin/pytest $(ALONE) $(PYTEST_ARGS)

soak: $(STAMP)
	for run in 1 2 3; do $(BIN)/pytest -q notebooks || exit 1; done

# The sweeps notebooks 08 and 09 read: each file holds its command, date, machine and versions.
RECORDED := course_kit/bench/recorded
BENCH := $(BIN)/python -m course_kit.bench
TUNING := --rows baseline peer django plain -c 100 500
bench-record: $(STAMP)
	$(BENCH) --record $(RECORDED)/08-sweep.json
	$(BENCH) $(TUNING) --record $(RECORDED)/09-defaults.json
	$(BENCH) $(TUNING) --handler pooled --record $(RECORDED)/09-pooled.json
	$(BENCH) $(TUNING) --stack api --record $(RECORDED)/09-api.json
	$(BENCH) $(TUNING) --handler pooled --stack api --record $(RECORDED)/09-pooled-api.json
	$(BENCH) $(TUNING) --handler pooled --stack api --loop uvloop --http httptools \
		--record $(RECORDED)/09-tuned.json
	$(BENCH) $(TUNING) --handler pooled --stack api --server granian --loop uvloop \
		--record $(RECORDED)/09-granian.json

# No $(STAMP) prerequisite: the doctor must diagnose an environment, not repair it first.
doctor:
	@test -x $(BIN)/python || { echo "FAIL  venv: $(VENV) does not exist; run make venv"; exit 1; }
	@$(BIN)/python -m course_kit.doctor

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

NB ?= notebooks/*.ipynb
notebooks: $(STAMP)
	$(BIN)/python -m course_tools.execute $(NB)

# Deliberate regressions the tests must catch (tests/mutants.py).
mutants: $(STAMP)
	$(BIN)/python tests/mutants.py --jobs $(WORKERS)

# Learners re-run cells: every code cell must survive a second run right after its first.
# As make test runs them: four notebooks at once, each in a process of its own, then the
# benchmark-bound ones alone; both batches run, and the lane fails at the end if either failed.
# A path that names no file is passed on as it is, for execute to say so in one line.
RERUN_NB = $(foreach path,$(NB),$(or $(wildcard $(path)),$(path)))
IS_ALONE = $(filter $(abspath $(1)),$(abspath $(ALONE)))
RERUN_SHARED = $(foreach path,$(RERUN_NB),$(if $(call IS_ALONE,$(path)),,$(path)))
RERUN_ALONE = $(foreach path,$(RERUN_NB),$(if $(call IS_ALONE,$(path)),$(path)))
rerun: $(STAMP)
	$(if $(strip $(RERUN_NB)),,$(error NB names no notebook))
	status=0; \
	$(if $(RERUN_SHARED),$(BIN)/python -m course_tools.execute --twice --jobs $(WORKERS) $(RERUN_SHARED) || status=1;) \
	$(if $(RERUN_ALONE),$(BIN)/python -m course_tools.execute --twice $(RERUN_ALONE) || status=1;) \
	exit $$status

student: $(STAMP)
	$(LOCALE_ENV) $(BIN)/python -m course_tools.classroom student $(if $(EDITION),--lang $(EDITION))

html: $(STAMP)
	$(LOCALE_ENV) $(BIN)/python -m course_tools.classroom html $(if $(EDITION),--lang $(EDITION))

# The Korean edition from locale/ko/: the same code and outputs, the markdown in Korean.
ko: $(STAMP)
	rm -rf build/ko
	$(BIN)/python -m course_tools.translations build ko

# Every Korean notebook under the same strict nbval as the English ones (after a check that every
# catalog is up to date, which the build also refuses to skip), split as make test is.
KO_TEST := build/test-ko
test-ko: $(STAMP)
	rm -rf $(KO_TEST)
	$(BIN)/python -m course_tools.translations build ko --out $(KO_TEST)
	$(BIN)/pytest $(KO_TEST) -n $(WORKERS) --dist loadfile \
		$(foreach path,$(ALONE),--ignore=$(KO_TEST)/$(notdir $(path))) $(PYTEST_ARGS)
	$(BIN)/pytest $(foreach path,$(ALONE),$(KO_TEST)/$(notdir $(path))) $(PYTEST_ARGS)

lock: $(STAMP)
	$(BIN)/python -m pip install --quiet $(UV)
	$(BIN)/uv pip compile --universal --python-version 3.11 --no-emit-index-url \
		--custom-compile-command "make lock" requirements.in -o requirements.txt

# requirements.in with the Django pin lifted to 6.x, resolved for Python 3.12.
lock-latest: $(STAMP)
	$(BIN)/python -m pip install --quiet $(UV)
	sed 's/^django>=5.2,<6.*/django>=6,<7/' requirements.in | $(BIN)/uv pip compile \
		--python-version 3.12 --no-emit-index-url --custom-compile-command "make lock-latest" \
		- -o requirements-latest.txt

clean:
	rm -rf $(VENV) $(VENV_LATEST) build
