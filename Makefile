# Two commands a reader needs:  make book   (HTML under _build/html, works offline)
#                               make test   (every layer below, in this order)
# Each creates the virtual environment .venv from requirements.txt when missing.
#
# `make test` runs nine layers, in this order; each is a target of its own:
#   lint       make lint            ruff check + ruff format --check
#   unit       make test-unit       pytest tests/package tests/book (no Chromium, TeX, npm)
#   notebooks  make test-notebooks  nbval: chapters, appendix, student copies, then
#                                   every chapter again with seed 1, AVX2 kernels and
#                                   MKL's MKL_CBWR=COMPATIBLE BLAS path
#   book       make test-book       the -W book build (make book)
#   browser    make test-browser    every built page in headless Chromium
#   pdf        make test-pdf        the PDF builds without a LaTeX error, long enough
#   colab      make test-colab      every chapter in a Colab-like environment
#   live       make test-live       every chapter in JupyterLab and the classic Notebook,
#                                   every widget control moved (Chromium, Playwright)
#   guards     make test-guards     pytest tests/guards: the guards turn red on faults
PYTHON ?= python3

# Thread policy (one for the book build, nbval, the Colab-like run and `make times`):
# every kernel computes with ONE math thread, as on Colab (two vCPUs are one
# physical core). gentheory_utils.setup() applies it inside each chapter; these
# variables also cover NumPy's BLAS and any process started before setup().
# Two kernels side by side (nbval -n 2) then never fight over the two cores.
export GENTHEORY_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
# Idle OpenMP threads sleep rather than spin (matters when GENTHEORY_THREADS > 1).
export OMP_WAIT_POLICY ?= PASSIVE
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

COLAB_VENV  ?= .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.installed
COLAB_RUN   ?= /tmp/gentheory-colab-run

.PHONY: book assets browser-deps pdf pdf-deps student slides lint test test-unit \
	test-notebooks test-book test-browser test-pdf test-colab test-live test-guards venv clean \
	times bench-gan bench-diffusion bench-flows bench-birthday robustness canary

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## The book, from a clean _build, warnings as errors (a failing notebook, a
## broken reference or a missing citation stops it).
book: $(STAMP) assets
	rm -rf _build && mkdir -p _build
	@# The build's log goes to _build/book_build.log too; on failure its warnings and
	@# any executed notebook's traceback are printed again at the end, where a CI log
	@# that keeps only its tail still shows them.
	@( $(BIN)/jupyter-book build . -W -n --keep-going 2>&1; echo $$? > _build/book_build.rc ) \
	  | tee _build/book_build.log
	@rc=$$(cat _build/book_build.rc); if [ "$$rc" != 0 ]; then \
	  echo "== the book build failed (exit $$rc); its warnings and errors: =="; \
	  grep -E "WARNING|ERROR" _build/book_build.log | grep -v "IPKernelApp"; \
	  for f in _build/html/reports/*.log; do [ -f "$$f" ] && tail -n 60 "$$f"; done; \
	  exit "$$rc"; fi
	$(BIN)/python tools/export_figures.py --check --build-dir _build
	$(BIN)/python tools/make_student.py --out _build/html/student
	$(BIN)/python tools/make_slides.py

## One reveal.js deck per chapter in _build/html/slides/ (offline: the book's
## MathJax, reveal.js pinned in web/package-lock.json), from the notebooks that
## `make book` executed; `make book` runs it too, so the browser check opens them.
## Then each deck in Chromium at 1280x720 (tools/check_slides.py): every slide
## fits, has speaker notes and no raw markup, figures fill the slide; it is
## printed to _build/html/slides/NN_name.pdf, one page per slide, and every
## slide's screenshot goes to _build/screenshots/slides/.
slides: $(STAMP) browser-deps
	$(BIN)/python tools/make_slides.py
	$(BIN)/python tools/check_slides.py --json _build/slides_report.json

## MathJax, require.js and the widget manager, pinned in web/package-lock.json,
## copied into _webassets/ so the HTML needs no network. Without npm the book
## still builds and loads them from CDNs (the build log says which).
assets:
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix web --no-audit --no-fund --loglevel=error && $(BIN)/python tools/vendor_assets.py; \
	else \
	  echo "npm not found: the book will load MathJax, require.js and the widget manager from CDNs"; \
	fi

## The whole book as one PDF (XeLaTeX from Debian's TeX Live), reusing the
## notebooks that `make book` executed (jupyter-cache in _build/.jupyter_cache);
## a copy goes next to the HTML as _build/html/gentheory.pdf.
pdf: $(STAMP) pdf-deps
	$(BIN)/jupyter-book build . --builder pdflatex
	if [ -d _build/html ]; then cp _build/latex/gentheory.pdf _build/html/gentheory.pdf; fi

pdf-deps:
	@if ! command -v xelatex >/dev/null 2>&1 || ! command -v latexmk >/dev/null 2>&1 || \
	    ! fc-list 2>/dev/null | grep -q FreeSerif; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
	    latexmk texlive-latex-recommended texlive-latex-extra texlive-fonts-recommended texlive-xetex \
	    fonts-freefont-otf >/dev/null; \
	fi

## Headless Chromium for the browser checks (Debian's package).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@chromium --version

## Student copies of the chapters (worked solutions removed) in student/;
## `make book` publishes the same copies under _build/html/student/.
student: $(STAMP)
	$(BIN)/python tools/make_student.py --out student

## Every test, nine layers (see the top of this file); any failure fails the command.
test: lint test-unit test-notebooks test-book test-browser test-pdf test-colab test-live test-guards

## Lint and format check (configuration in pyproject.toml, [tool.ruff]).
LINT_PATHS := gentheory_utils tools benchmarks tests chapters appendix _ext $(wildcard student)
lint: $(STAMP)
	$(BIN)/ruff check $(LINT_PATHS)
	$(BIN)/ruff format --check $(LINT_PATHS)

## Unit tests of the package (tests/package) and the book's conventions (tests/book):
## pure Python, no Chromium, TeX or npm.
test-unit: $(STAMP)
	$(BIN)/python -m pytest tests/package tests/book -q

# Two notebooks run at once (one per core, one math thread each: the thread policy).
# The student copies (solutions removed) run too, from a folder outside the repository.
# Then every chapter and the appendix run again in a second configuration (seed 1,
# torch's AVX2 kernels and MKL's conditional-reproducibility BLAS path
# MKL_CBWR=COMPATIBLE, where the first run takes the CPU's native kernels and BLAS
# path), so an assert that holds by luck for one seed on one machine turns CI red.
# `make robustness` sweeps seeds, kernels, BLAS paths and threads more widely.
STUDENT_TMP ?= /tmp/gentheory-student
NBVAL := $(BIN)/python -m pytest --nbval-lax --nbval-current-env -n 2 --dist loadfile -p no:cacheprovider
test-notebooks: $(STAMP)
	rm -rf $(STUDENT_TMP) && $(BIN)/python tools/make_student.py --out $(STUDENT_TMP)
	$(NBVAL) chapters appendix $(STUDENT_TMP)
	GENTHEORY_SEED=1 ATEN_CPU_CAPABILITY=avx2 MKL_CBWR=COMPATIBLE $(NBVAL) chapters appendix

## Robustness sweep: every chapter under nbval for seeds 0-5 across torch's CPU
## kernels (native, AVX2, scalar), MKL's BLAS path (native, MKL_CBWR=COMPATIBLE,
## MKL_ENABLE_INSTRUCTIONS=AVX2) and 1 or 2 threads (a documented subset of the
## grid; --full for all of it); writes benchmarks/results/robustness.{md,json}.
## About an hour and a half on 2 cores.
robustness: $(STAMP)
	$(BIN)/python tools/check_robustness.py

## Canary: every chapter against the newest release of every dependency (torch
## held at the pinned CPU wheel), in a fresh .venv-canary; writes
## benchmarks/results/canary.md. Not part of `make test`: its result changes with
## the world (a warning of what the next Colab upgrade may break). ~10 minutes.
canary:
	$(PYTHON) tools/canary.py

test-book: book

## Every built page in headless Chromium: no external request, no JavaScript
## error, math rendered, widgets in their default state, alt text, no code or
## output block scrolling sideways at 1280 px; screenshots of the chapters under
## _build/screenshots/. Then every slide deck at 1280x720 (tools/check_slides.py):
## nothing overflows, no raw markup, figures >= 60 % of the width, speaker notes on
## every slide, and its PDF (written beside the deck) has one page per slide.
test-browser: browser-deps
	$(BIN)/python tools/check_html.py --json _build/browser_report.json
	$(BIN)/python tools/check_slides.py --json _build/slides_report.json

## The PDF exists, has at least 150 pages, and LaTeX logged no error.
test-pdf: pdf
	$(BIN)/python tools/check_pdf.py

## Every chapter (and the errata appendix) under nbval in a Colab-like
## environment (ipywidgets 7.7.1 and friends), gentheory-utils pip-installed
## from the repository, run from a folder outside the repository.
$(COLAB_STAMP): requirements-colab.txt pyproject.toml $(wildcard gentheory_utils/*.py gentheory_utils/_results/*)
	rm -rf $(COLAB_VENV)
	$(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(COLAB_VENV)/bin/python -m pip install --quiet -r requirements-colab.txt
	$(COLAB_VENV)/bin/python -m pip install --quiet .
	rm -rf build
	touch $(COLAB_STAMP)

test-colab: $(COLAB_STAMP)
	rm -rf $(COLAB_RUN) && mkdir -p $(COLAB_RUN) && cp chapters/*.ipynb appendix/*.ipynb $(COLAB_RUN)/
	cd $(COLAB_RUN) && $(CURDIR)/$(COLAB_VENV)/bin/python -m pytest \
	  --nbval-lax --nbval-current-env -n 2 --dist loadfile -p no:cacheprovider -q .
	@# The run must be able to fail: notebooks that need ipywidgets 8, or the repository
	@# checkout, pass in .venv (tests/guards/test_ci_guards.py) and must fail here.
	mkdir -p $(COLAB_RUN)/guards && cp tests/guards/colab_guards/*.ipynb $(COLAB_RUN)/guards/
	cd $(COLAB_RUN)/guards && for nb in *.ipynb; do \
	  if $(CURDIR)/$(COLAB_VENV)/bin/python -m pytest --nbval-lax --nbval-current-env -p no:cacheprovider -q $$nb >/dev/null 2>&1; \
	  then echo "guard $$nb passed in the Colab-like environment, so that run cannot catch it"; exit 1; \
	  else echo "guard $$nb fails in the Colab-like environment, as it should"; fi; done

## Every chapter opened in a real notebook front end on a free localhost port, run
## with Run All, and every slider moved to both ends and every dropdown through every
## option (tools/check_live.py): the figure must redraw after each move, with no kernel traceback and no JavaScript error. First JupyterLab 4
## with ipywidgets 8 (.venv), then the classic Notebook 6.5 with the Colab-like
## environment (ipywidgets 7.7.1). The guard notebooks of tests/guards/live_guards
## (a raising callback, a figure that never redraws, a failing cell, a JavaScript
## error, a figure that breaks only at a slider's minimum or a dropdown's last
## option) must fail and their control pass. Screenshots before and after each change:
## _build/screenshots/live/. About 11 minutes on 2 cores (two notebooks at a time).
test-live: $(STAMP) $(COLAB_STAMP) browser-deps
	$(BIN)/python tools/check_live.py --frontend lab --guards tests/guards/live_guards \
	  --json _build/live_lab.json chapters/*.ipynb
	$(BIN)/python tools/check_live.py --frontend classic --guards tests/guards/live_guards \
	  --json _build/live_classic.json chapters/*.ipynb

## The guards' own tests (tests/guards): nbval and jupyter-book turn red on a failing
## notebook, the browser check on an external asset or unrendered math (Chromium
## and _webassets/), the PDF check on a LaTeX error, the Colab guard notebooks pass here.
test-guards: $(STAMP) browser-deps assets
	$(BIN)/python -m pytest tests/guards -q

## Runtime table shown on the intro page (benchmarks/results/notebook_times.md).
times: $(STAMP)
	$(BIN)/python benchmarks/notebook_times.py

## GAN mode-coverage benchmark (about half an hour): rewrites gentheory_utils/_results/mode_coverage.*
bench-gan: $(STAMP)
	$(BIN)/python benchmarks/mode_coverage.py --seeds 5 --threads 1 --jobs 2

## Learned-score mode-coverage benchmark (chapter 7, about 2 minutes):
## rewrites gentheory_utils/_results/diffusion_coverage.*
bench-diffusion: $(STAMP)
	$(BIN)/python benchmarks/diffusion_coverage.py --seeds 5 --jobs 2

## Learned flow-matching velocities, same protocol (chapter 8, about 4 minutes):
## rewrites gentheory_utils/_results/flow_coverage.*
bench-flows: $(STAMP)
	$(BIN)/python benchmarks/flow_coverage.py --seeds 5 --jobs 2

## closest_pairs speed and memory table (benchmarks/results/birthday_bench.md), on both
## cores like a user's one-off audit (about 10 minutes).
bench-birthday: $(STAMP)
	OMP_NUM_THREADS=2 MKL_NUM_THREADS=2 $(BIN)/python benchmarks/birthday_bench.py

clean:
	rm -rf _build _webassets $(COLAB_RUN)
