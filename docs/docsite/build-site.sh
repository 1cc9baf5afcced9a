#!/usr/bin/env bash
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
#
# Build the collection's docs site (antsibull-docs + Sphinx) offline, warnings as errors.
#   docs/docsite/build-site.sh lint   antsibull-docs lint-collection-docs --plugin-docs, and the guides in sync
#   docs/docsite/build-site.sh site   the HTML site in build/docs-site/build/html (index.html)
#   docs/docsite/build-site.sh sync   regenerate docs/docsite/rst/* and extra-docs.yml from the Markdown guides
#   docs/docsite/build-site.sh changelog [VERSION]   antsibull-changelog release (see docs/developing.md)
# Run from the repository root (the Makefile does). Tools live in their own venv, build/docs-venv,
# pinned by docs/docsite/requirements.txt. The collection is documented from this source tree
# (build/dev/ansible_collections/dockerapi/engine links to it), so no rebuild is needed.
set -euo pipefail

ROOT=$(pwd)
VENV=${DOCS_VENV:-$ROOT/build/docs-venv}
SITE=$ROOT/build/docs-site
PYTHON=${PYTHON:-python3}
REQS=$ROOT/docs/docsite/requirements.txt

if [ ! -e "$VENV/.stamp" ] || [ "$REQS" -nt "$VENV/.stamp" ]; then
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --upgrade pip 2>&1 | grep -v '^WARNING: Location' || true
  "$VENV/bin/pip" install --quiet -r "$REQS" 2>&1 | grep -v '^WARNING: Location' || true
  "$VENV/bin/antsibull-docs" --version >/dev/null
  touch "$VENV/.stamp"
fi

if [ "${1:-}" = release-in-place ]; then
  # a scratch copy laid out as <dir>/ansible_collections/dockerapi/engine
  ANSIBLE_COLLECTIONS_PATH=$(cd ../../.. && pwd)
else
  mkdir -p build/dev/ansible_collections/dockerapi
  ln -sfn ../../../.. build/dev/ansible_collections/dockerapi/engine
  ANSIBLE_COLLECTIONS_PATH=$ROOT/build/dev
fi
export ANSIBLE_COLLECTIONS_PATH
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
export PATH=$VENV/bin:$PATH

case "${1:-site}" in
  sync)
    python docs/docsite/sync_guides.py
    ;;
  release-in-place)
    # Internal: antsibull-changelog release in the current directory (a scratch copy of the tree).
    # With keep_fragments: true (changelogs/config.yaml) the fragments stay; a release that already
    # exists is rewritten from them (new fragments added, edited ones refreshed, plugin descriptions
    # updated) with its recorded date, so the notes of the coming release can be regenerated until it is tagged.
    version=${2:-$(python -c "import yaml; print(yaml.safe_load(open('galaxy.yml'))['version'])")}
    args=(--reload-plugins --version "$version")
    date=$(python - "$version" <<'PYEOF'
import os, sys, yaml
path = 'changelogs/changelog.yaml'
data = (yaml.safe_load(open(path)) if os.path.exists(path) else None) or {}
print(((data.get('releases') or {}).get(sys.argv[1]) or {}).get('release_date') or '')
PYEOF
)
    if [ -n "$date" ]; then
      args+=(--update-existing --refresh-fragments --refresh-plugins --date "${RELEASE_DATE:-$date}")
    elif [ -n "${RELEASE_DATE:-}" ]; then
      args+=(--date "$RELEASE_DATE")
    fi
    antsibull-changelog release "${args[@]}"
    ;;
  changelog|lint)
    status=0
    if [ "$1" = lint ]; then
      python docs/docsite/sync_guides.py --check || status=1
    fi
    antsibull-changelog lint || status=1
    version=${2:-$(python -c "import yaml; print(yaml.safe_load(open('galaxy.yml'))['version'])")}
    if [ -n "$(git tag -l "$version")" ]; then
      # Released: its notes are frozen; new fragments belong to the next version.
      if [ "$1" = changelog ]; then
        echo "$version is tagged already: set the next version in galaxy.yml first (docs/developing.md)" >&2
        exit 1
      fi
      antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs \
        --validate-collection-refs self . || status=1
      exit $status
    fi
    # antsibull-changelog release runs in a scratch copy of the tree's files (git ls-files): it copies the
    # whole collection directory, and this one holds venvs. `changelog` copies the three files it writes
    # back; `lint` only checks that the committed ones are what the fragments give.
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    copy=$scratch/ansible_collections/dockerapi/engine
    mkdir -p "$copy"
    # (files deleted in the work tree but still in the index are skipped)
    git ls-files -z --cached --others --exclude-standard \
      | xargs -0 sh -c 'for f; do if [ -e "$f" ]; then printf "%s\0" "$f"; fi; done' _ \
      | xargs -0 cp --parents -t "$copy"
    if [ "$1" = changelog ]; then
      ( cd "$copy" && DOCS_VENV=$VENV "$ROOT/docs/docsite/build-site.sh" release-in-place "$version" )
      for file in changelogs/changelog.yaml CHANGELOG.md CHANGELOG.rst; do
        cp "$copy/$file" "$file"
      done
      echo "wrote changelogs/changelog.yaml CHANGELOG.md CHANGELOG.rst"
      exit $status
    fi
    ( cd "$copy" && DOCS_VENV=$VENV "$ROOT/docs/docsite/build-site.sh" release-in-place "$version" >"$scratch/release.log" 2>&1 ) \
      || { cat "$scratch/release.log"; status=1; }
    for file in changelogs/changelog.yaml CHANGELOG.md CHANGELOG.rst; do
      if ! cmp -s "$file" "$copy/$file"; then
        echo "$file: not what the changelog fragments give; run \`make changelog\` and commit the result"
        status=1
      fi
    done
    antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs \
      --validate-collection-refs self . || status=1
    exit $status
    ;;
  site)
    rm -rf "$SITE"
    mkdir -m 700 -p "$SITE"
    antsibull-docs sphinx-init --use-current --squash-hierarchy --fail-on-error \
      --project dockerapi.engine --copyright 'dockerapi.engine contributors' \
      --title 'dockerapi.engine' --dest-dir "$SITE" dockerapi.engine >/dev/null
    # Offline: Sphinx fetches no intersphinx inventory. The Ansible docs' one is replaced by a local
    # stand-in holding just the labels our pages use (docs/docsite/offline_inventory.py); any other
    # reference into another project's docs fails the build below (nitpicky, -W).
    python "$ROOT/docs/docsite/offline_inventory.py" --patch-conf "$SITE/conf.py"
    cd "$SITE"
    chmod og-w rst
    antsibull-docs --config-file antsibull-docs.cfg collection --cleanup everything --use-current \
      --squash-hierarchy --fail-on-error --dest-dir rst dockerapi.engine
    python "$ROOT/docs/docsite/envvar_index.py" "$ROOT" rst
    python "$ROOT/docs/docsite/offline_inventory.py" rst ansible_devel.inv
    sphinx-build -M html rst build -c . -W --keep-going -q
    echo "docs site: $SITE/build/html/index.html"
    ;;
  *)
    echo "usage: $0 site|lint|sync" >&2
    exit 2
    ;;
esac
