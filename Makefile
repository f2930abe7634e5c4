# maildns: `make` sets everything up (uv, .venv from uv.lock, generated clients);
# `make test` replays the recorded cassettes offline.
SHELL := /bin/bash
.DEFAULT_GOAL := all

UV_VERSION := 0.13.8
# uv from PATH, else a private copy bootstrapped with pip into .tools/
UV ?= $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
VENV := .venv
# The interpreter .venv is made with: of the python3.N builds of the version python3 runs, the
# first with libpython linked in, not shared (scripts/venv_python.py says why: about a fifth of
# the suite's CPU). Chosen when .venv is made and recorded in its stamp, then kept;
# `make VENV_PYTHON=...` chooses another and remakes .venv.
VENV_RECORDED := $(file < $(VENV)/.synced)
ifndef VENV_PYTHON
VENV_PYTHON := $(or $(VENV_RECORDED),$(shell python3 scripts/venv_python.py),python3)
endif
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
GEN ?= generated
TESTS ?= tests

# Every spec in specs/: its id is the file name with '-' and '.' as '_'
# (specs/ciirus-v2024.07.31.yaml -> ciirus_v2024_07_31_client, vendor_models.ciirus_v2024_07_31).
SPECS := $(sort $(wildcard specs/*.yaml))

# Make's own jobs: both cores by default (every rule is safe in parallel); `make -j1` for one.
NPROC := $(shell nproc 2>/dev/null || echo 2)
MAKEFLAGS += --jobs=$(NPROC) --output-sync=target

.PHONY: FORCE all setup generate check-generated lint test record bench conformance clean dist watch

all: setup generate docs

# --- set-up -----------------------------------------------------------------
.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

setup: $(VENV)/.synced

# Bytecode compiled once here: where PYTHONDONTWRITEBYTECODE is set (as on CI machines) no
# process writes it, and each of the suite's many interpreters would compile every module it
# imports again.
$(VENV)/.synced: pyproject.toml uv.lock $(if $(filter $(VENV_PYTHON),$(VENV_RECORDED)),,FORCE) \
  | $(filter .tools/bin/uv,$(UV))
	$(UV) sync --frozen --all-extras --compile-bytecode --python "$(VENV_PYTHON)"
	@echo "$(VENV_PYTHON)" > $@

FORCE:

# --- generation ---------------------------------------------------------------
# Keyed by content, not mtime (scripts/generate.py, generated/KEYS.json): a fresh clone
# generates nothing; a changed spec, config, template or generator version regenerates exactly
# what it feeds, the stale outputs in parallel (GEN_JOBS, default every core). ALL=1 makes
# every output, stale or not (rather than make -B, which would also redo the uv sync).
GEN_JOBS ?= $(NPROC)
generate: | $(VENV)/.synced
	$(PY) scripts/generate.py --jobs $(GEN_JOBS) $(if $(ALL),--all) $(if $(filter-out generated,$(GEN)),--out $(GEN))

# Regenerate everything into a temporary directory and compare byte for byte; then the keys.
check-generated: $(VENV)/.synced
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PY) scripts/generate.py --all --jobs $(GEN_JOBS) --out $$tmp/generated >/dev/null && \
	if diff -r -x __pycache__ -x KEYS.json $(GEN) $$tmp/generated; then echo "generated/ matches specs/"; \
	else echo "generated/ is stale: run 'make generate' and commit the result" >&2; exit 1; fi
	@stale=$$($(PY) scripts/generate.py --dry-run); if [ -n "$$stale" ]; then \
	  echo "generated/KEYS.json is stale for: $$stale (run 'make generate' and commit)" >&2; exit 1; fi
	@$(PY) scripts/twins.py --check && echo "the vendor clients match their operations"

# --- quality ------------------------------------------------------------------
lint: $(VENV)/.synced spec-lint
	$(BIN)/ruff check src tests $(wildcard scripts)
	$(BIN)/ruff format --check src tests $(wildcard scripts)
	$(BIN)/mypy
	$(BIN)/lint-imports --no-cache
	@for s in $(SPECS); do $(BIN)/openapi-spec-validator $$s || exit 1; done

# In parallel (pytest-xdist; TEST_JOBS=0 for one process): two workers per core, because most
# of the suite's time is spent waiting (on servers starting, on subprocesses, on timeouts it
# provokes), and a waiting worker leaves its core to the other. A file whose tests share an
# expensive fixture is kept on one worker with pytest.mark.xdist_group (--dist loadgroup); the
# tests marked long are handed out first (tests/conftest.py).
# PYTHONDONTWRITEBYTECODE is emptied for the run: pytest imports the test modules rewritten for
# its assertions, and where the variable is set each worker rewrote and compiled all of tests/
# again at every run (a worker's collection: 13 s of CPU instead of 5). The bytecode goes to
# __pycache__ folders, which git ignores.
TEST_JOBS ?= $(shell echo $$(( $(NPROC) * 2 )))
test: all
	@$(PY) -m compileall -q -j 0 src generated >/dev/null
	PYTHONDONTWRITEBYTECODE= $(BIN)/pytest --record-mode=none --block-network --allowed-hosts=127.0.0.1 \
	  -n $(TEST_JOBS) --dist loadgroup $(TESTS) $(PYTEST_ARGS)

# Re-record cassettes against the local sandbox, or, with VENDOR=<name>, against
# that vendor's own sandbox with credentials from the environment.
# Serial (-n 0, whatever PYTEST_ARGS says): tests recording in parallel would interleave the
# sandbox's ids and the shared cassettes/targets.json.
record: all
	MAILDNS_RECORD_VENDOR="$(VENDOR)" $(BIN)/pytest --record-mode=rewrite \
	  $(if $(VENDOR),-m "not sandbox_only" tests/test_$(VENDOR)*.py,$(TESTS)) $(PYTEST_ARGS) -n 0

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache dist

# Regenerate and rebuild the docs on every change to specs/ or config/ (watchfiles), until Ctrl+C.
watch: generate docs
	$(PY) scripts/watch.py

# dist/: the maildns sdist and wheel, and one wheel per generated client (scripts/dist.py).
dist: generate
	UV="$(abspath $(UV))" $(PY) scripts/dist.py --out dist

# schemathesis over every spec against a seeded sandbox; fails on anything outside the
# reasoned allow-lists in conformance/. CONFORMANCE_EXAMPLES bounds the cases per operation.
CONFORMANCE_EXAMPLES ?= 25
conformance: $(VENV)/.synced
	$(BIN)/python scripts/conformance.py --max-examples $(CONFORMANCE_EXAMPLES)

# Speed goals as ratios against raw httpx, measured in one run; writes BENCHMARKS.md.
bench: all
	$(BIN)/python scripts/bench.py

include mk/docs.mk
