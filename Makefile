# Deep Learning: Theory and Practice - build, test and maintain the book.
# `make help` lists the targets. Everything runs inside .venv, created on first use.

PYTHON_SYS ?= python3
VENV       := .venv
PY         := $(VENV)/bin/python
STAMP      := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# Notebooks draw their figures with Jupyter's inline backend. The tests run nbval with Agg
# (conftest.py; no figure is looked at there), but the site and executed copies need this one:
# under Agg a page would have no figures.
SITE_MPLBACKEND := module://matplotlib_inline.backend_inline
JOBS       ?= auto
NB         ?=
SCALE      ?= book

export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help venv book test notebooks exercises check run clean

help:  ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'
	@echo "  variables: SCALE=smoke|book|full (make run), NB=path/to/notebook.ipynb (make run, make check)"

venv: $(STAMP) $(NODE_STAMP)  ## create .venv and install requirements.txt, this package (-e .) and node_modules (npm ci)

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON_SYS) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	$(PY) -m pip install -q --no-deps -e .
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3" >/dev/null
	touch $(STAMP)

# MathJax (served by the site, so formulas render offline) and axe-core (accessibility tests), at the
# versions pinned in package-lock.json.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null 2>&1 || { echo "error: npm not found. The site serves MathJax from node_modules/, which npm installs: install Node.js and npm (Debian/Ubuntu: sudo apt-get install nodejs npm; elsewhere https://nodejs.org), then run make again." >&2; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error
	touch $(NODE_STAMP)

book: venv  ## build the HTML site into _build/html (book profile, warnings are errors, cached execution)
	DLT_SCALE=$${DLT_SCALE:-book} MPLBACKEND=$(SITE_MPLBACKEND) $(VENV)/bin/jupyter-book build -W -n --keep-going .
	@echo "Open _build/html/index.html"

test: venv  ## unit + structure tests, nbval over every notebook (smoke profile), smoke site build + browser tests
	DLT_SCALE=smoke $(PY) -m pytest -n $(JOBS) --dist loadfile --durations=15 tests lectures solutions exercises

notebooks: venv  ## write the paired .ipynb of every .md source (and stamp the repository URL)
	$(PY) scripts/book.py sync

exercises: venv  ## generate exercises/*.md and their .ipynb from solutions/*.md
	$(PY) scripts/book.py exercises

check: venv  ## run one notebook under nbval in the smoke profile: make check NB=lectures/01_empirical_risk.ipynb
	@test -n "$(NB)" || (echo "usage: make check NB=lectures/NN_slug.ipynb" && exit 2)
	DLT_SCALE=smoke $(PY) -m pytest -p no:cacheprovider --nbval-lax $(NB)

run: venv  ## execute one notebook with papermill into _build/executed/: make run NB=... SCALE=full
	@test -n "$(NB)" || (echo "usage: make run NB=lectures/NN_slug.ipynb [SCALE=smoke|book|full]" && exit 2)
	@mkdir -p _build/executed/$(dir $(NB))
	MPLBACKEND=$(SITE_MPLBACKEND) $(VENV)/bin/papermill --cwd $(CURDIR) -k python3 -p SCALE $(SCALE) $(NB) _build/executed/$(NB)
	@echo "Executed copy: _build/executed/$(NB)"

clean:  ## remove the built site, executed notebooks and caches (keeps .venv)
	rm -rf _build .pytest_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
