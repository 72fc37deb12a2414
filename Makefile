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
NPROC      := $(shell nproc 2>/dev/null || echo 2)
NB         ?=
SCALE      ?= book
SEEDS      ?= 0-3
N          ?= 4 17 34
# make check / run accept NB as the .md source or its paired .ipynb
NB_MD      := $(patsubst %.ipynb,%.md,$(NB))
NB_IPYNB   := $(patsubst %.md,%.ipynb,$(NB))
NB_PAGES   := $(foreach f,$(NB),$(patsubst %.ipynb,%.md,$(f)))

export PYTHONPATH := $(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH))
export PYDEVD_DISABLE_FILE_VALIDATION := 1

.PHONY: help venv book test notebooks exercises check run seeds mutants bench test-latest clean pdf slides

help:  ## list the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "  variables: SCALE=smoke|book|full (make run), NB=lectures/NN_slug.md (make run, check, seeds, mutants)"

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

# The pipeline (scripts/pipeline.py) executes the pages that its cache lacks, on every core, into a
# cache keyed on the profile, utils/ and the pinned requirements, then builds the site from it.
book: venv  ## build the HTML site into _build/html (book profile, warnings are errors, parallel cached execution)
	$(PY) scripts/pipeline.py html --profile $${DLT_SCALE:-book} --out _build --jobs $(NPROC)

# The PDF book and the lecture slides, from the same sources and the same execution cache as the
# site (scripts/pipeline.py pdf / slides; warnings are errors). A site built after them links to them.
pdf: venv  ## build the book as one PDF into _build/pdf (book profile, XeLaTeX; needs Debian's TeX, see README)
	$(PY) scripts/pipeline.py pdf --profile $${DLT_SCALE:-book} --out _build --jobs $(NPROC)

slides: venv  ## build one reveal.js deck per lecture into _build/slides (book profile)
	$(PY) scripts/pipeline.py slides --profile $${DLT_SCALE:-book} --out _build --jobs $(NPROC)

# Three steps, each run even when an earlier one fails; the exit status says whether all passed.
# 1. unit and structure tests, and nbval over every notebook (whole notebooks spread over the cores);
#    nbval stores the lecture and solutions runs in the smoke execution cache (conftest.py)
# 2. the smoke build of the site, which reads those runs from the cache
# 3. the browser tests of that site, pages spread over the cores; beside them, the PDF and the slides
#    built from that cache and checked (tests/test_pdf.py, tests/test_slides.py: one test each, first,
#    so that one core builds them while the other starts on the site)
test: venv  ## unit + structure tests, nbval over every notebook (smoke), smoke site build, browser tests, PDF and slides
	@status=0; start=$$(date +%s); \
	echo "== 1/3 unit, structure and notebook tests (nbval, smoke profile)"; \
	DLT_SCALE=smoke $(PY) -m pytest -n $(JOBS) --dist loadfile --durations=15 --ignore=tests/test_site.py \
	    --ignore=tests/test_pdf.py --ignore=tests/test_slides.py \
	    tests lectures solutions exercises || status=1; \
	echo "== 2/3 smoke build of the site"; \
	rm -f _build/smoke/report.json _build/smoke/pdf/report.json _build/smoke/slides-report.json; \
	$(PY) scripts/pipeline.py html --profile smoke --out _build/smoke --jobs $(NPROC) || status=1; \
	echo "== 3/3 the site in a browser; the PDF and the slides, built from the same cache"; \
	DLT_SCALE=smoke $(PY) -m pytest -n $(JOBS) --dist load --durations=5 tests/test_pdf.py tests/test_slides.py \
	    tests/test_site.py || status=1; \
	echo "make test: $$([ $$status = 0 ] && echo passed || echo FAILED) in $$(( $$(date +%s) - start )) s"; \
	exit $$status

notebooks: venv  ## write the paired .ipynb of every .md source (and stamp the repository URL)
	$(PY) scripts/book.py sync

exercises: venv  ## generate exercises/*.md and their .ipynb from solutions/*.md
	$(PY) scripts/book.py exercises

# NB may name the .md source or its .ipynb; the pair is written from the .md first, so what runs is
# what the source says.
check: venv  ## run one notebook under nbval in the smoke profile: make check NB=lectures/01_empirical_risk.md
	@test -n "$(NB)" || { echo "usage: make check NB=lectures/NN_slug.md"; exit 2; }
	@test -f "$(NB_MD)" || { echo "error: $(NB_MD) does not exist"; exit 2; }
	$(PY) scripts/book.py sync $(NB_MD)
	DLT_SCALE=smoke $(PY) -m pytest -p no:cacheprovider --nbval-lax $(NB_IPYNB)

run: venv  ## execute one notebook with papermill into _build/executed/: make run NB=... SCALE=full
	@test -n "$(NB)" || { echo "usage: make run NB=lectures/NN_slug.md [SCALE=smoke|book|full]"; exit 2; }
	@test -f "$(NB_MD)" || { echo "error: $(NB_MD) does not exist"; exit 2; }
	$(PY) scripts/book.py sync $(NB_MD)
	@mkdir -p _build/executed/$(dir $(NB_IPYNB))
	MPLBACKEND=$(SITE_MPLBACKEND) $(VENV)/bin/papermill --cwd $(CURDIR)/$(dir $(NB_IPYNB)) -k python3 -p SCALE $(SCALE) $(NB_IPYNB) _build/executed/$(NB_IPYNB)
	@echo "Executed copy: _build/executed/$(NB_IPYNB)"

seeds: venv  ## run lectures and solutions at SEED 0-3 in the smoke profile: make seeds [NB=lectures/NN_slug.md]
	$(PY) scripts/pipeline.py seeds --seeds $(SEEDS) --jobs $(NPROC) $(NB_PAGES)

mutants: venv  ## apply each declared mutant of a lecture and expect a claim check to fail: make mutants [NB=...]
	$(PY) scripts/pipeline.py mutants --jobs $(NPROC) $(NB_PAGES)

bench: venv  ## time make test and make book on copies of the book grown to N lectures: make bench [N="4 17 34"]
	$(PY) scripts/bench.py $(foreach n,$(N),--n $(n))

test-latest:  ## a fresh venv from pyproject's lower bounds with the newest releases; every notebook (smoke)
	PYTHON_SYS=$(PYTHON_SYS) bash scripts/test_latest.sh

clean:  ## remove the built site, executed notebooks and caches (keeps .venv)
	rm -rf _build .pytest_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
