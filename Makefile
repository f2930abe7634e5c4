# maildns: `make` sets everything up (uv, .venv from uv.lock, generated clients);
# `make test` replays the recorded cassettes offline.
SHELL := /bin/bash
.DEFAULT_GOAL := all

UV_VERSION := 0.13.8
# uv from PATH, else a private copy bootstrapped with pip into .tools/
UV ?= $(or $(shell command -v uv 2>/dev/null),.tools/bin/uv)
VENV := .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
GEN ?= generated
TESTS ?= tests

OPC_CONFIG := config/openapi-python-client.yaml
# Our templates override openapi-python-client's of the same name (endpoint_module.py.jinja adds
# the public sans-IO names); editing one regenerates every client.
OPC_TEMPLATE_DIR := config/templates
OPC_TEMPLATES := $(wildcard $(OPC_TEMPLATE_DIR)/*.jinja)
DMCG_ARGS_FILE := config/datamodel-codegen.args
DMCG_ARGS = $(shell cat $(DMCG_ARGS_FILE))

# Every spec in specs/: its id is the file name with '-' and '.' as '_'
# (specs/ciirus-v2024.07.31.yaml -> ciirus_v2024_07_31_client, vendor_models.ciirus_v2024_07_31).
SPECS := $(sort $(wildcard specs/*.yaml))
spec_id = $(subst .,_,$(subst -,_,$(basename $(notdir $(1)))))
VENDORS := $(foreach s,$(SPECS),$(call spec_id,$(s)))
$(foreach s,$(SPECS),$(eval spec_$(call spec_id,$(s)) := $(s)))

CLIENT_STAMPS := $(foreach v,$(VENDORS),$(GEN)/$(v)_client/py.typed)
MODEL_FILES := $(foreach v,$(VENDORS),$(GEN)/vendor_models/$(v).py)

# The facade's sync/async clients, generated from each vendor's operations (scripts/twins.py).
VENDOR_DIRS := $(patsubst %/__init__.py,%,$(wildcard src/maildns/vendors/*/__init__.py))
TWINS := $(addsuffix /_clients.py,$(VENDOR_DIRS))
# What the twins are written from: the declaration, the operations' signatures, the settings.
TWIN_INPUTS := scripts/twins.py src/maildns/_core/declaration.py \
  $(foreach d,$(VENDOR_DIRS),$(wildcard $(addprefix $(d)/,__init__.py _operations.py _settings.py _implementation.py)))

.PHONY: all setup generate check-generated lint test record bench conformance clean

all: setup generate docs

# --- set-up -----------------------------------------------------------------
.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

setup: $(VENV)/.synced

$(VENV)/.synced: pyproject.toml uv.lock | $(filter .tools/bin/uv,$(UV))
	$(UV) sync --frozen --all-extras
	@touch $@

# --- generation ---------------------------------------------------------------
generate: $(CLIENT_STAMPS) $(MODEL_FILES) $(GEN)/vendor_models/__init__.py $(GEN)/vendor_models/py.typed
ifeq ($(GEN),generated)
generate: $(TWINS)

# One run writes every vendor's twins (and the names in maildns/__init__.py).
$(TWINS) &: $(TWIN_INPUTS) $(CLIENT_STAMPS) | $(VENV)/.synced
	$(PY) scripts/twins.py
	@touch $(TWINS)
endif

# One client per spec. openapi-python-client writes py.typed itself; it is the
# target so that make sees a file whose mtime follows each regeneration.
define client_rule
$(GEN)/$(1)_client/py.typed: $(spec_$(1)) $(OPC_CONFIG) $(OPC_TEMPLATES) | $(VENV)/.synced
	@rm -rf $(GEN)/$(1)_client
	@mkdir -p $(GEN)
	PATH="$(abspath $(BIN)):$$$$PATH" $(BIN)/openapi-python-client generate --path $(spec_$(1)) \
	  --meta none --config $(OPC_CONFIG) --custom-template-path $(OPC_TEMPLATE_DIR) \
	  --output-path $(GEN)/$(1)_client --fail-on-warning >/dev/null
	@touch $$@

$(GEN)/vendor_models/$(1).py: $(spec_$(1)) $(DMCG_ARGS_FILE) | $(VENV)/.synced
	@mkdir -p $(GEN)/vendor_models
	$(BIN)/datamodel-codegen --input $(spec_$(1)) --output $$@ $$(DMCG_ARGS) 2>/dev/null
endef
$(foreach v,$(VENDORS),$(eval $(call client_rule,$(v))))

$(GEN)/vendor_models/__init__.py:
	@mkdir -p $(GEN)/vendor_models
	@printf '"""Pydantic v2 models generated from specs/ by datamodel-code-generator."""\n' > $@

$(GEN)/vendor_models/py.typed:
	@mkdir -p $(GEN)/vendor_models
	@touch $@

# Regenerate into a temporary directory and compare byte for byte.
check-generated: $(VENV)/.synced
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(MAKE) --no-print-directory -B generate GEN=$$tmp/generated >/dev/null && \
	if diff -r -x __pycache__ $(GEN) $$tmp/generated; then echo "generated/ matches specs/"; \
	else echo "generated/ is stale: run 'make generate' and commit the result" >&2; exit 1; fi
	@$(PY) scripts/twins.py --check && echo "the vendor clients match their operations"

# --- quality ------------------------------------------------------------------
lint: $(VENV)/.synced spec-lint
	$(BIN)/ruff check src tests $(wildcard scripts)
	$(BIN)/ruff format --check src tests $(wildcard scripts)
	$(BIN)/mypy
	@for s in $(SPECS); do $(BIN)/openapi-spec-validator $$s || exit 1; done

test: all
	$(BIN)/pytest --record-mode=none --block-network --allowed-hosts=127.0.0.1 $(TESTS) $(PYTEST_ARGS)

# Re-record cassettes against the local sandbox, or, with VENDOR=<name>, against
# that vendor's own sandbox with credentials from the environment.
record: all
	MAILDNS_RECORD_VENDOR="$(VENDOR)" $(BIN)/pytest --record-mode=rewrite \
	  $(if $(VENDOR),-m "not sandbox_only" tests/test_$(VENDOR)*.py,$(TESTS)) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) .tools .pytest_cache .mypy_cache .ruff_cache

# schemathesis over every spec against a seeded sandbox; fails on anything outside the
# reasoned allow-lists in conformance/. CONFORMANCE_EXAMPLES bounds the cases per operation.
CONFORMANCE_EXAMPLES ?= 25
conformance: $(VENV)/.synced
	$(BIN)/python scripts/conformance.py --max-examples $(CONFORMANCE_EXAMPLES)

# Speed goals as ratios against raw httpx, measured in one run; writes BENCHMARKS.md.
bench: all
	$(BIN)/python scripts/bench.py

include mk/docs.mk
