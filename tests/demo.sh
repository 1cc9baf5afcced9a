#!/usr/bin/env bash
# `make demo`: run the walkthrough (dockerapi.engine.walkthrough, playbooks/walkthrough.yml) against a real daemon. Uses DOCKER_HOST (with its
# TLS variables) or the default socket when one answers; otherwise starts a private daemon
# with the test harness. Expects the collection to be built and installed (make collection).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
export ANSIBLE_LOCALHOST_WARNING=false ANSIBLE_INVENTORY_UNPARSED_WARNING=false
export ANSIBLE_COLLECTIONS_PATH="${ANSIBLE_COLLECTIONS_PATH:-$PWD/build/collections}"

answers() {
    ansible localhost -m dockerapi.engine.host_info >/dev/null 2>&1
}

if [ -n "${DOCKER_HOST:-}" ] && answers; then
    echo "demo: using the daemon at DOCKER_HOST=$DOCKER_HOST"
elif [ -z "${DOCKER_HOST:-}" ] && [ -S /var/run/docker.sock ] && answers; then
    echo "demo: using the daemon at unix:///var/run/docker.sock"
else
    [ -n "${DOCKER_HOST:-}" ] && echo "demo: DOCKER_HOST=$DOCKER_HOST does not answer; starting a private daemon instead"
    tests/harness/harness up d20
    eval "$(tests/harness/harness env d20)"
    echo "demo: using the private daemon at $DOCKER_HOST"
fi
# The walkthrough builds its small image from a static busybox when the daemon lacks it.
if [ ! -x /bin/busybox ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    apt-get install -y -qq busybox-static >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq busybox-static; }
fi
# By name, from the installed collection (playbooks/walkthrough.yml and its walkthrough_tasks/).
exec ansible-playbook dockerapi.engine.walkthrough "$@"
