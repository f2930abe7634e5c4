# Documentation site and spec guards (issue 4). Included from the Makefile after its
# variables (UV, VENV, BIN, PY, SPECS): `include mk/docs.mk`.
#
#   make docs                 build the static site into site/ (offline, mkdocs build --strict);
#                             does nothing when mkdocs.yml, docs/, specs/ and src/maildns are unchanged
#   make spec-lint            lint the specs with Spectral and .spectral.yaml
#   make spec-diff BASE=<ref> what changed in each spec since <ref>, drafted into CHANGELOG.md;
#                             fails on a breaking change unless INTENDED=1
#   make docs-serve           serve the site with live reload on 127.0.0.1:8000 (search needs a
#                             server; pages are <page>.html, so site/ also reads from disk)

.PHONY: docs docs-tools docs-serve spec-lint spec-diff

# The docs tools are the `docs` dependency group, a default group: the set-up sync installs them.
DOCS_SYNCED := $(VENV)/.synced

docs-tools: $(DOCS_SYNCED)

# --- the site -------------------------------------------------------------------------------
DOCS_STAMP := site/.built
# Folders are listed too: adding or removing a page changes its folder's mtime.
DOCS_SOURCES := mkdocs.yml $(wildcard scripts/docs_*.py) $(SPECS) \
  docs/. $(shell find docs -mindepth 1 -path docs/dev -prune -o -print 2>/dev/null) \
  $(shell find src/maildns -name '*.py' 2>/dev/null)

docs: $(DOCS_STAMP)

# uv.lock: a new version of a docs tool rebuilds the site; a mere re-sync does not.
# MkDocs Material's banner about MkDocs 2 goes to the terminal on every build; it is not a
# warning of this build, so it is silenced. (No --quiet: it hides the warnings --strict counts.)
# After generate (order only, for make -j): the Python API pages read generated/.
$(DOCS_STAMP): $(DOCS_SOURCES) uv.lock | $(DOCS_SYNCED) generate
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict
	@touch $@

docs-serve: $(DOCS_SYNCED)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs serve --strict --dev-addr 127.0.0.1:8000

# --- spec lint (Spectral, from package-lock.json) ---------------------------------------------
# --ignore-scripts: no package here needs an install script, and it keeps install-time
# analytics (@scarf/scarf, pulled in by Spectral) from running.
NODE_STAMP := node_modules/.installed
$(NODE_STAMP): package.json package-lock.json
	SCARF_ANALYTICS=false npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	@touch $@

spec-lint: $(NODE_STAMP)
	node_modules/.bin/spectral lint --ruleset .spectral.yaml --fail-severity warn \
	  --display-only-failures $(SPECS)

# --- breaking changes against a git ref --------------------------------------------------------
BASE ?= HEAD
# Also drafts CHANGELOG.md's entry for each changed spec. INTENDED=1: a breaking change is meant
# (listed, exit 0); CI sets it for a pull request labelled breaking-change-intended.
spec-diff: $(VENV)/.synced
	$(PY) scripts/spec_diff.py --base "$(BASE)" --changelog CHANGELOG.md $(if $(INTENDED),--intended) $(SPECS)
