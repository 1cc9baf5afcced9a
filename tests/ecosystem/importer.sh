#!/usr/bin/env bash
# `make importer`: galaxy-importer with Automation Hub's settings (tests/ecosystem/galaxy-importer.cfg)
# on a tarball built from this tree, with a pinned galaxy-importer in its own venv
# (build/importer-venv). Fails on any warning or error the importer reports.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
VENV=build/importer-venv
OUT=build/importer
PINS=("galaxy-importer==${GALAXY_IMPORTER_VERSION:-0.4.44}")
if [ "$(cat "$VENV/.pins" 2>/dev/null)" != "${PINS[*]}" ]; then
    rm -rf "$VENV"
    "${PYTHON:-python3}" -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --upgrade pip
    "$VENV/bin/pip" install --quiet "${PINS[@]}"
    echo "${PINS[*]}" > "$VENV/.pins"
fi
rm -rf "$OUT" && mkdir -p "$OUT"
"$VENV/bin/ansible-galaxy" collection build --force --output-path "$OUT" . >/dev/null
tarball=$(ls "$OUT"/dockerapi-engine-*.tar.gz)
echo "importer: $tarball"
# The importer runs ansible-doc and ansible-lint from PATH.
export PATH=$ROOT/$VENV/bin:$PATH GALAXY_IMPORTER_CONFIG=$ROOT/tests/ecosystem/galaxy-importer.cfg
cd "$OUT"
status=0
python -m galaxy_importer.main "$(basename "$tarball")" > importer.log 2>&1 || status=$?
problems=$(grep -cE '^(WARNING|ERROR|CRITICAL)' importer.log || true)
grep -E '^(WARNING|ERROR|CRITICAL)|Importer processing|ansible-lint run|Linting collection' importer.log || true
if [ "$status" != 0 ] || [ "$problems" != 0 ] || ! grep -q '^Importer processing completed successfully' importer.log; then
    echo "importer: FAILED (exit $status, $problems warnings/errors; full log: $OUT/importer.log)"
    exit 1
fi
echo "importer: passed with Automation Hub's settings, no warning ($OUT/importer.log, $OUT/importer_result.json)"
