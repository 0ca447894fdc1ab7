# Two commands do everything on a fresh machine:
#   make book   -> .venv + install + synthetic cohort + notebooks (papermill) + _build/html
#   make test   -> .venv + install + the test suite (includes the smoke book)
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
PROFILE ?= default
# glibc's allocator returns memory too eagerly for PyTorch on CPU (bench/ measures this).
export MALLOC_MMAP_MAX_ ?= 0
export MALLOC_TRIM_THRESHOLD_ ?= 100000000000
export HF_HUB_OFFLINE := 1

.PHONY: setup browser book book-smoke lab test test-slurm lint bench bench-book bench-cv readme clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q torch==2.14.1 torchvision==0.29.1
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m ipykernel install --sys-prefix --name python3 >/dev/null
	touch $(STAMP)

setup: $(STAMP)

book: setup
	$(VENV)/bin/glioma-grade book --profile $(PROFILE)

book-smoke: setup
	$(VENV)/bin/glioma-grade book --profile smoke

# JupyterLab from the project's environment (its kernel imports glioma_lib), in notebooks/.
lab: setup
	cd notebooks && ../$(VENV)/bin/jupyter lab

# Debian's Chromium, for the test that opens the built book as a reader would.
browser:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get install -y -qq chromium >/dev/null || echo "chromium missing: browser test will be skipped"; fi; }

test: setup browser
	$(VENV)/bin/ruff check .
	$(PY) -m pytest -q

# Only the tests against a real one-node SLURM (tests/slurm/start.sh installs Debian's
# slurm-wlm + munge as root, starts it, and stops it after); `make test` runs them too.
test-slurm: setup
	$(PY) -m pytest -q -m slurm tests/slurm

# The default book cold, timed chapter by chapter (removes results/default and the cohort first;
# nothing else may run on the cores meanwhile): bench/results/book_default[_fp32].json.
bench-book: setup
	$(PY) bench/bench_book.py --profile default --cold

# Run after a cold build (bench-book): the data and memory benchmarks read the default cohort
# and slices, bench_options the model cards of that build, bench_layout its HTML.
bench: setup browser
	$(PY) bench/bench_data.py --patients 40 --cohort results/cohorts/synthetic-76lgg-259hgg-seed2022
	$(PY) bench/bench_train.py --size 128
	$(PY) bench/bench_train.py --size 224
	$(PY) bench/bench_loader.py --size 96
	$(PY) bench/bench_loader.py --size 128
	$(PY) bench/bench_augment.py
	$(PY) bench/bench_memory.py --profile default
	$(PY) bench/bench_predict.py
	$(PY) bench/bench_precision.py throughput
	$(PY) bench/bench_precision.py compile
	$(PY) bench/bench_precision.py equivalence --seeds 2022 1 2 3 4
	$(PY) bench/bench_options.py
	$(PY) bench/bench_realism.py
	$(PY) bench/bench_grid.py
	$(PY) bench/bench_layout.py
	$(MAKE) bench-cv

# The results the book quotes for its cross-validation recipe (chapter 7, the appendix): it
# refuses them, with a visible warning, once the profile's recipe changes, so a new recipe
# means a cold `make bench-book` and then this.
bench-cv: setup
	$(PY) bench/bench_cv_options.py
	$(PY) bench/bench_cv_seeds.py --profile default --seeds 2022 1 2
	$(PY) bench/bench_cv_automatic.py --profile default
	$(PY) bench/bench_cv_balance.py --profile default
	$(PY) bench/bench_sites.py --profile default
	$(PY) bench/bench_ablation.py --profile default

# README's measured book time, regenerated from bench/results/book_default*.json.
readme: setup
	$(PY) -c "from glioma_lib.reporting.build_record import update_readme; update_readme('README.md', 'bench/results')"

clean:
	rm -rf _build results
