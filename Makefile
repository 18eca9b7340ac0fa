# Two commands a reader needs:  make book   (HTML under _build/html)
#                               make test   (unit tests + nbval + -W book build)
# Each creates the virtual environment .venv from requirements.txt when missing.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: book test test-unit test-notebooks test-book venv clean times bench-gan

venv: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

## The book, from a clean _build, warnings as errors (a failing notebook, a
## broken reference or a missing citation stops it).
book: $(STAMP)
	rm -rf _build
	$(BIN)/jupyter-book build . -W -n --keep-going

## Every test, three layers; any failure fails the command.
test: test-unit test-notebooks test-book

test-unit: $(STAMP)
	$(BIN)/python -m pytest tests -q

# Two notebooks run at once (one per core), so each kernel gets one math thread:
# two multi-threaded kernels on two cores thrash and run ten times slower.
test-notebooks: $(STAMP)
	OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 $(BIN)/python -m pytest --nbval-lax --nbval-current-env -n 2 --dist loadfile -p no:cacheprovider chapters

test-book: book

## Runtime table shown on the intro page (benchmarks/results/notebook_times.md).
times: $(STAMP)
	$(BIN)/python benchmarks/notebook_times.py

## GAN mode-coverage benchmark (about half an hour): rewrites gentheory_utils/_results/mode_coverage.*
bench-gan: $(STAMP)
	$(BIN)/python benchmarks/mode_coverage.py --seeds 5 --threads 1

clean:
	rm -rf _build
