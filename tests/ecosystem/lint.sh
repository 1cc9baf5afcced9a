#!/usr/bin/env bash
# `make lint`: ansible-lint (profile production, from .ansible-lint) on the source tree, with a
# pinned ansible-lint in its own venv (build/lint-venv), offline.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=build/lint-venv
PINS=("ansible-lint==${ANSIBLE_LINT_VERSION:-26.10.1}" "ansible-core>=2.19,<2.20")
if [ "$(cat "$VENV/.pins" 2>/dev/null)" != "${PINS[*]}" ]; then
    rm -rf "$VENV"
    "${PYTHON:-python3}" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet "${PINS[@]}"
    echo "${PINS[*]}" > "$VENV/.pins"
fi
# The collection as ansible-lint's playbook syntax checks see it: this tree, through build/dev.
mkdir -p build/dev/ansible_collections/dockerapi
ln -sfn ../../../.. build/dev/ansible_collections/dockerapi/engine
unset ANSIBLE_COLLECTIONS_SCAN_SYS_PATH  # ansible-lint isolates the collection paths itself
export PATH=$ROOT/$VENV/bin:$PATH ANSIBLE_COLLECTIONS_PATH=$ROOT/build/dev
ansible-lint --version
ansible-lint --nocolor --format pep8 --strict
