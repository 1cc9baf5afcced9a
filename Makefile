# dockerapi.engine — developer entry points. `make demo` and `make test` work from a fresh
# Debian 12 machine as root: they install what they need (Debian packages, a venv, daemons).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BUILD := build
COLLECTIONS := $(BUILD)/collections
INSTALLED := $(COLLECTIONS)/ansible_collections/dockerapi/engine
SANITY_TREE := $(BUILD)/sanity/ansible_collections/dockerapi/engine
HARNESS := tests/harness/harness
PYTEST_ARGS ?=
TEST_SUITES ?= sanity units integration molecule matrix lint importer ee docs-lint
export ANSIBLE_COLLECTIONS_PATH := $(CURDIR)/$(COLLECTIONS)
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH := false
export PATH := $(CURDIR)/$(BIN):$(PATH)

.PHONY: demo test venv collection dev-collections harness harness-down sanity units integration molecule matrix lint importer ee clean docs docs-lint docs-sync changelog

## demo: run playbooks/walkthrough.yml (the seed article) against a real daemon
demo: collection
	@bash tests/demo.sh

## test: everything — sanity, unit and integration tests against real daemons
test: venv collection harness
	@start=$$(date +%s); failed=""; \
	for suite in $(TEST_SUITES); do \
	  echo "==== make $$suite"; suite_start=$$(date +%s); \
	  $(MAKE) --no-print-directory $$suite || failed="$$failed $$suite"; \
	  echo "==== make $$suite: $$(( $$(date +%s) - suite_start )) s"; \
	done; \
	echo "make test: $$(( $$(date +%s) - start )) s"; \
	if [ -n "$$failed" ]; then echo "make test: FAILED:$$failed"; exit 1; fi; \
	echo "make test: all suites passed ($(TEST_SUITES))"

$(VENV)/.stamp: tests/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r tests/requirements.txt
	touch $@

venv: $(VENV)/.stamp

## collection: build the tarball and install it where the tests look for it
collection: venv
	@rm -rf $(BUILD)/dist $(COLLECTIONS).new && mkdir -p $(BUILD)/dist
	$(BIN)/ansible-galaxy collection build --force --output-path $(BUILD)/dist . >/dev/null
	ANSIBLE_COLLECTIONS_PATH=$(CURDIR)/$(COLLECTIONS).new $(BIN)/ansible-galaxy collection install --force -p $(COLLECTIONS).new $(BUILD)/dist/dockerapi-engine-*.tar.gz >/dev/null
	@rm -rf $(COLLECTIONS).old; [ ! -e $(COLLECTIONS) ] || mv $(COLLECTIONS) $(COLLECTIONS).old; \
	  mv $(COLLECTIONS).new $(COLLECTIONS); rm -rf $(COLLECTIONS).old
	@echo "installed $$(ls $(BUILD)/dist/) into $(COLLECTIONS)"

## dev-collections: build/dev/ansible_collections/dockerapi/engine -> this tree (no rebuild needed)
dev-collections:
	@mkdir -p $(BUILD)/dev/ansible_collections/dockerapi && ln -sfn ../../../.. $(BUILD)/dev/ansible_collections/dockerapi/engine

harness:
	$(HARNESS) up

harness-down:
	$(HARNESS) down

## sanity: ansible-test sanity on a copy of the tree laid out as ansible_collections/dockerapi/engine
sanity: venv
	@mkdir -p ~/.ansible/test/cache
	@for f in get_pip_24_2.py get_pip_23_1.py get_pip_25_0.py; do \
	  [ -e ~/.ansible/test/cache/$$f ] || cp tests/sanity/bootstrap_pip.py ~/.ansible/test/cache/$$f; done
	@rm -rf $(SANITY_TREE) && mkdir -p $(SANITY_TREE)
	@git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t $(SANITY_TREE)
	cd $(SANITY_TREE) && git init -q && git add -A && \
	  $(CURDIR)/$(BIN)/ansible-test sanity --venv --python 3.11 --color no

units: venv
	$(BIN)/pytest -q tests/unit $(PYTEST_ARGS)

integration: venv collection harness
	$(BIN)/pytest -q -n 2 tests/integration $(PYTEST_ARGS)

## molecule: roles/remote_api's scenarios (default, rotate, rollback) on systemd test hosts
molecule: venv collection harness
	tests/molecule.sh

## matrix: integration selection and fast-path parity on ansible-core 2.17-2.21 and the newest pre-release,
## each in its own venv (build/matrix/<core>/); 2.19 (whole suite in make integration) the parity test only;
## the role's default scenario on the oldest and newest core, beside the other cores' runs
## (MATRIX_CORES="2.17 2.21 pre" picks cores; the default is all of them)
matrix: collection harness
	tests/matrix/run.sh $(MATRIX_CORES)

## lint: ansible-lint, profile production (.ansible-lint), pinned in build/lint-venv, offline
lint:
	tests/ecosystem/lint.sh

## importer: galaxy-importer with Automation Hub's settings on a freshly built tarball (build/importer-venv)
importer:
	tests/ecosystem/importer.sh

## ee: ansible-builder introspect (meta/execution-environment.yml) and create (docs/execution-environment/)
ee:
	tests/ecosystem/ee.sh

## docs: the docs site (antsibull-docs + Sphinx, offline, warnings as errors) in build/docs-site/build/html
docs:
	docs/docsite/build-site.sh site

## docs-lint: antsibull-docs lint-collection-docs --plugin-docs, guides in sync with docs/*.md, changelog lint and up to date
docs-lint:
	docs/docsite/build-site.sh lint

## docs-sync: regenerate docs/docsite/rst/guide_*.rst and extra-docs.yml from the Markdown guides in docs/
docs-sync:
	docs/docsite/build-site.sh sync

## changelog: (re)write the release VERSION (default: galaxy.yml's) in changelogs/changelog.yaml, CHANGELOG.md/.rst
changelog:
	docs/docsite/build-site.sh changelog $(VERSION)

clean:
	rm -rf $(BUILD) tests/output
