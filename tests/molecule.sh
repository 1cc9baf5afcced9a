#!/usr/bin/env bash
# Run the molecule scenarios of roles/remote_api (default, rotate, rollback, unitshapes) against systemd
# test hosts on a harness daemon; exit non-zero if any fails.
#
#   tests/molecule.sh [scenario...]        (default: all four)
#
# Environment:
#   MOLECULE_JOBS=3            scenarios run at the same time (1 = one after the other)
#   TESTHOST_DAEMON=d26        harness daemon that runs the test hosts (see harness.json)
#   ANSIBLE_COLLECTIONS_PATH   where dockerapi.engine is found (make sets the installed tarball's;
#                              by hand the default is the source tree, through build/dev)
#   DOCKERAPI_HARNESS_DIR      harness state directory (default /var/tmp/dockerapi-harness)
# Logs: build/molecule/<scenario>.log
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ROLE=$ROOT/roles/remote_api
LOGS=$ROOT/build/molecule
HARNESS_DIR=${DOCKERAPI_HARNESS_DIR:-/var/tmp/dockerapi-harness}
export TESTHOST_DAEMON=${TESTHOST_DAEMON:-d26}
JOBS=${MOLECULE_JOBS:-3}
SCENARIOS=("$@")
[ ${#SCENARIOS[@]} -gt 0 ] || SCENARIOS=(default rotate rollback unitshapes)

say() { printf '[molecule.sh %4ss] %s\n' "$SECONDS" "$*"; }

# molecule calls ansible-config & co: the venv's bin/ must come first on PATH.
# MOLECULE_VENV picks another venv (tests/matrix/run.sh: one per ansible-core), MOLECULE_LOGS its log directory.
export PATH=${MOLECULE_VENV:-$ROOT/.venv}/bin:$PATH
LOGS=${MOLECULE_LOGS:-$LOGS}
if ! command -v molecule >/dev/null; then
    say "molecule is not installed in $ROOT/.venv (it is in tests/requirements.txt: run make venv)"
    exit 1
fi
if [ -z "${ANSIBLE_COLLECTIONS_PATH:-}" ]; then
    # By hand: the source tree. (`make` exports the installed tarball's path instead.)
    make -C "$ROOT" --no-print-directory dev-collections >/dev/null
    export ANSIBLE_COLLECTIONS_PATH=$ROOT/build/dev
fi
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0 PY_COLORS=0
# The controller's own daemon settings must not leak into the scenarios.
unset DOCKER_HOST DOCKER_TLS_VERIFY DOCKER_CERT_PATH DOCKER_TLS DOCKER_TLS_HOSTNAME DOCKER_API_VERSION

[ -s "$HARNESS_DIR/harness.json" ] || "$ROOT/tests/harness/harness" up || exit 1
DAEMON_HOST=$(python3 - "$HARNESS_DIR/harness.json" "$TESTHOST_DAEMON" <<'EOF'
import json, sys
daemon = json.load(open(sys.argv[1]))['daemons'][sys.argv[2]]
print(daemon.get('unix_host') or daemon['docker_host'])
EOF
) || { say "no daemon $TESTHOST_DAEMON in $HARNESS_DIR/harness.json"; exit 1; }

mkdir -p "$LOGS"
start=$SECONDS
if ! DOCKER_HOST=$DAEMON_HOST "$ROOT/tests/harness/testhost/build-image" >"$LOGS/build-image.log" 2>&1; then
    cat "$LOGS/build-image.log"
    say "building the test-host image failed"
    exit 1
fi
say "test-host image ready on $TESTHOST_DAEMON in $((SECONDS - start)) s"

run_scenario() {
    local scenario=$1 t0=$SECONDS rc
    # DOCKERAPI_MOLECULE_LOG: the scenario's own log, which a scenario may check (unitshapes: no secret in it).
    (cd "$ROLE" && DOCKERAPI_MOLECULE_LOG="$LOGS/$scenario.log" molecule test -s "$scenario") >"$LOGS/$scenario.log" 2>&1
    rc=$?
    echo "$scenario $rc $((SECONDS - t0))" >"$LOGS/$scenario.result"
    return $rc
}

pids=()
for scenario in "${SCENARIOS[@]}"; do
    [ -f "$ROLE/molecule/$scenario/molecule.yml" ] || { say "no scenario $scenario"; exit 1; }
    rm -f "$LOGS/$scenario.result"
    run_scenario "$scenario" &
    pids+=($!)
    while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do sleep 1; done
done
wait "${pids[@]}"

failed=0
for scenario in "${SCENARIOS[@]}"; do
    read -r name rc seconds <"$LOGS/$scenario.result" 2>/dev/null || { name=$scenario; rc=99; seconds='?'; }
    if [ "$rc" = 0 ]; then
        say "scenario $name: passed in $seconds s"
    else
        failed=1
        say "scenario $name: FAILED (rc $rc) in $seconds s; end of $LOGS/$name.log:"
        tail -n 60 "$LOGS/$name.log"
    fi
done
say "all scenarios done in $((SECONDS - start)) s"
exit $failed
