#!/usr/bin/env bash
# `make ee`: ansible-builder (pinned, own venv build/ee-venv), no container build.
#  1. introspect: the collection's meta/execution-environment.yml, read from the installed tarball as
#     ansible-builder reads it when it builds an image, yields exactly requirements.txt and bindep.txt;
#  2. create: the sample EE definition (docs/execution-environment/execution-environment.yml) gives a
#     build context that installs dockerapi.engine.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=build/ee-venv
OUT=build/ee
PINS=("ansible-builder==${ANSIBLE_BUILDER_VERSION:-3.2.0}")
if [ "$(cat "$VENV/.pins" 2>/dev/null)" != "${PINS[*]}" ]; then
    rm -rf "$VENV"
    "${PYTHON:-python3}" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet "${PINS[@]}" "ansible-core>=2.19,<2.20"
    echo "${PINS[*]}" > "$VENV/.pins"
fi
export PATH=$ROOT/$VENV/bin:$PATH
rm -rf "$OUT" && mkdir -p "$OUT"
ansible-galaxy collection build --force --output-path "$OUT" . >/dev/null
ANSIBLE_COLLECTIONS_PATH=$ROOT/$OUT/collections ansible-galaxy collection install --force -p "$OUT/collections" "$OUT"/dockerapi-engine-*.tar.gz >/dev/null
fail() { echo "ee: FAILED: $*"; exit 1; }

# 1. What the collection declares, as ansible-builder sees it.
ansible-builder introspect --write-pip "$OUT/pip.txt" --write-bindep "$OUT/bindep.txt" "$OUT/collections" | tee "$OUT/introspect.yml"
want() { sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1" | sort; }
got() { [ -e "$1" ] && sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$1" | sort || true; }
[ "$(got "$OUT/pip.txt")" = "$(want requirements.txt)" ] || fail "Python requirements seen by ansible-builder ($(got "$OUT/pip.txt" | xargs)) differ from requirements.txt ($(want requirements.txt | xargs))"
[ "$(got "$OUT/bindep.txt")" = "$(want bindep.txt)" ] || fail "system requirements seen by ansible-builder ($(got "$OUT/bindep.txt" | xargs)) differ from bindep.txt ($(want bindep.txt | xargs))"
grep -q "from collection dockerapi.engine" "$OUT/introspect.yml" || fail "ansible-builder found no requirement of dockerapi.engine"

# 2. The sample EE definition.
ansible-builder create -f docs/execution-environment/execution-environment.yml -c "$OUT/context"
containerfile=$(ls "$OUT"/context/Containerfile "$OUT"/context/Dockerfile 2>/dev/null | head -1 || true)
[ -n "$containerfile" ] || fail "no Containerfile in $OUT/context"
grep -q 'ansible-galaxy collection install' "$containerfile" || fail "$containerfile installs no collection"
grep -q 'introspect' "$containerfile" || fail "$containerfile does not read the collections' requirements"
grep -q 'name: dockerapi.engine' "$OUT/context/_build/requirements.yml" || fail "the context's requirements.yml does not name dockerapi.engine"
system=$(got "$OUT/bindep.txt" | xargs)
echo "ee: passed (Python requirements: $(got "$OUT/pip.txt" | xargs); system requirements: ${system:-none}; build context: $OUT/context)"
