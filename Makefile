# Two commands a reader needs:  make book   (HTML under _build/html, works offline)
#                               make test   (unit tests, nbval, -W book build,
#                                            browser checks, Colab-like run)
# Each creates the virtual environment .venv from requirements.txt when missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

COLAB_VENV  ?= .venv-colab
COLAB_STAMP := $(COLAB_VENV)/.installed
COLAB_RUN   ?= /tmp/gentheory-colab-run

.PHONY: book assets browser-deps test test-unit test-notebooks test-book test-browser test-colab venv clean times bench-gan

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
	rm -rf _build
	$(BIN)/jupyter-book build . -W -n --keep-going

## MathJax, require.js and the widget manager, pinned in web/package-lock.json,
## copied into _webassets/ so the HTML needs no network. Without npm the book
## still builds and loads them from CDNs (the build log says which).
assets:
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix web --no-audit --no-fund --loglevel=error && $(BIN)/python tools/vendor_assets.py; \
	else \
	  echo "npm not found: the book will load MathJax, require.js and the widget manager from CDNs"; \
	fi

## Headless Chromium for the browser checks (Debian's package).
browser-deps:
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	@chromium --version

## Every test, three layers; any failure fails the command.
test: test-unit test-notebooks test-book test-browser test-colab

test-unit: $(STAMP) browser-deps assets
	$(BIN)/python -m pytest tests -q

# Two notebooks run at once (one per core), so each kernel gets one math thread:
# two multi-threaded kernels on two cores thrash and run ten times slower.
test-notebooks: $(STAMP)
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest --nbval-lax --nbval-current-env -n 2 --dist loadfile -p no:cacheprovider chapters

test-book: book

## Every built page in headless Chromium: no external request, no JavaScript
## error, math rendered, widgets in their default state, alt text; screenshots
## of the chapters under _build/screenshots/.
test-browser: browser-deps
	$(BIN)/python tools/check_html.py --json _build/browser_report.json

## Every chapter under nbval in a Colab-like environment (ipywidgets 7.7.1 and
## friends), gentheory-utils pip-installed from the repository, run from a
## folder outside the repository.
$(COLAB_STAMP): requirements-colab.txt pyproject.toml $(wildcard gentheory_utils/*.py gentheory_utils/_results/*)
	rm -rf $(COLAB_VENV)
	$(PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(COLAB_VENV)/bin/python -m pip install --quiet -r requirements-colab.txt
	$(COLAB_VENV)/bin/python -m pip install --quiet .
	rm -rf build
	touch $(COLAB_STAMP)

test-colab: $(COLAB_STAMP)
	rm -rf $(COLAB_RUN) && mkdir -p $(COLAB_RUN) && cp chapters/*.ipynb $(COLAB_RUN)/
	cd $(COLAB_RUN) && OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(CURDIR)/$(COLAB_VENV)/bin/python -m pytest \
	  --nbval-lax --nbval-current-env -n 2 --dist loadfile -p no:cacheprovider -q .

## Runtime table shown on the intro page (benchmarks/results/notebook_times.md).
times: $(STAMP)
	$(BIN)/python benchmarks/notebook_times.py

## GAN mode-coverage benchmark (about half an hour): rewrites gentheory_utils/_results/mode_coverage.*
bench-gan: $(STAMP)
	$(BIN)/python benchmarks/mode_coverage.py --seeds 5 --threads 1

clean:
	rm -rf _build _webassets $(COLAB_RUN)
