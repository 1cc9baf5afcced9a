#!/usr/bin/env bash
# The ansible-core matrix: a representative part of the integration suite on every supported
# ansible-core, each in its own venv (build/matrix/<core>/venv) on a Python that core supports,
# plus the role's default molecule scenario on the oldest and the newest core (`make molecule` runs all scenarios on 2.19;
# MATRIX_MOLECULE="2.17 2.18 2.20 2.21" adds the cores between, about 90 s each, outside the 45-minute budget of make test).
# 2.19 on Python 3.13 runs the parity test only: `make integration` runs the whole suite on 2.19 (Python 3.11) and
# 2.21 the selection on Python 3.13 (MATRIX_FULL="2.19" gives 2.19 the whole selection here too).
# The molecule runs start as soon as their core's venv is ready and overlap the other cores' pytest runs.
#
#   tests/matrix/run.sh [core...]     (default: every core below, then the newest pre-release)
#
# Environment:
#   MATRIX_JOBS=2           cores tested at the same time
#   MATRIX_MOLECULE="2.17 2.21"   cores that also run `tests/molecule.sh default` (one after the other:
#                           the scenario's test hosts have fixed names), each once its core's pytest run
#                           is over, beside the other cores' runs; "" skips molecule
#   MATRIX_FULL=""          cores of PARITY_ONLY or NO_TARGETS that get the whole selection all the same
#   MATRIX_PRE=1            also test the newest ansible-core pre-release on the package index (0: skip)
#   ANSIBLE_COLLECTIONS_PATH  where dockerapi.engine is found (make: the installed tarball;
#                           by hand the default is the source tree, through build/dev)
# Logs: build/matrix/<core>/{install,pytest,molecule}.log; summary: build/matrix/summary.txt
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=$ROOT/build/matrix
cd "$ROOT" || exit 1

# core  python  daemon (the controller Pythons each core supports, from its release notes / python_requires;
# the engine its module targets run on: cores tested at the same time use different engines, so that two runs
# of one target never share a daemon)
MATRIX=(
    "2.17 3.12 d28"   # 3.10 - 3.12
    "2.18 3.11 d26"   # 3.11 - 3.13
    "2.19 3.13 d20"   # 3.11 - 3.13
    "2.20 3.12 d28"   # 3.12 - 3.14
    "2.21 3.13 d26"   # 3.12 - 3.14
)
PRE_PYTHON=3.13
JOBS=${MATRIX_JOBS:-2}
MOLECULE_CORES=${MATRIX_MOLECULE-2.17 2.21}  # 2.19 runs every scenario in `make molecule`
# Cores whose selection `make integration` (the whole suite on 2.19) and 2.21 (the same selection on Python 3.13)
# already cover: the fast-path parity test only, which compares the core's own handling of both paths.
PARITY_ONLY=(2.19)
# The cores between the oldest and the newest supported (whose module targets run here, and on 2.19 in `make
# integration`) run the selection without the targets: the oldest-and-newest rule molecule follows too.
NO_TARGETS=(2.18 2.20)
FULL=" ${MATRIX_FULL:-} "

# What every core runs (about 25 playbooks): every module's target on its engine (DAEMON, fast path); the fast path
# against the shipped module key by key (invocation, warnings, deprecations) and an unexpected
# exception in both; secret masking in both paths (container env, a pasted client key,
# tls_certificates' keys); tls_certificates' check/diff/real run; mutual TLS through a shipped module.
SELECTION=(
    tests/integration/test_fast_path.py tests/integration/test_targets.py tests/integration/test_secrets.py
    tests/integration/test_pki.py tests/integration/test_connection.py
)
SELECTION_K='(test_fast_path and not d20) or (test_targets and DAEMON) or engines or (test_secrets and run and (container_env or client_key or tls_certificates)) or test_check_mode_diff_then_real_run_then_nothing or test_mutual_tls_succeeds_with_the_client_bundle'
# The pre-release runs the parity test only (it is not a supported core yet); so do the cores in PARITY_ONLY.
PRE_SELECTION=(tests/integration/test_fast_path.py)
PRE_SELECTION_K='test_fast_path and not d20'

say() { printf '[matrix %4ss] %s\n' "$SECONDS" "$*"; }

find_python() {  # find_python 3.12 -> path of a python3.12 (pyenv's first, then PATH)
    local version=$1 root candidate
    root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
    for candidate in "$root"/versions/"$version".*/bin/python"$version"; do
        [ -x "$candidate" ] && { echo "$candidate"; return 0; }
    done
    command -v "python$version" && return 0
    return 1
}

make_venv() {  # make_venv core python requirements [pip options] -> build/matrix/<core>/venv, reused while unchanged
    local core=$1 version=$2 requirements=$3 dir=$OUT/$1 python stamp
    shift 3
    python=$(find_python "$version") || { echo "no python$version found (pyenv or PATH)"; return 1; }
    stamp="$python $(sha256sum "$requirements" | cut -c1-16) $*"
    if [ -x "$dir/venv/bin/pytest" ] && [ "$(cat "$dir/venv/.stamp" 2>/dev/null)" = "$stamp" ]; then
        return 0
    fi
    rm -rf "$dir/venv"
    "$python" -m venv "$dir/venv" || return 1
    "$dir/venv/bin/pip" install --quiet --upgrade pip &&
        "$dir/venv/bin/pip" install --quiet "$@" -r "$requirements" || return 1
    echo "$stamp" >"$dir/venv/.stamp"
}

run_core() {  # run_core core python -> build/matrix/<core>/result: "core python ansible-core rc seconds passed failed"
    local core=$1 version=$2 dir=$OUT/$1 t0=$SECONDS rc requirements selection keywords pip_options=()
    mkdir -p "$dir"
    rm -f "$dir/result"
    if [ "$core" = pre ]; then
        requirements=tests/matrix/requirements-pre.txt
        pip_options=(--pre)
        selection=("${PRE_SELECTION[@]}")
        keywords=$PRE_SELECTION_K
    elif [[ " ${PARITY_ONLY[*]} " == *" $core "* && "$FULL" != *" $core "* ]]; then
        requirements=tests/matrix/requirements-$core.txt
        selection=("${PRE_SELECTION[@]}")
        keywords=$PRE_SELECTION_K
    else
        requirements=tests/matrix/requirements-$core.txt
        selection=("${SELECTION[@]}")
        keywords=${SELECTION_K/DAEMON/$(daemon_of "$core")}
        if [[ " ${NO_TARGETS[*]} " == *" $core "* && "$FULL" != *" $core "* ]]; then
            keywords=${keywords/ or (test_targets and $(daemon_of "$core"))/}
        fi
    fi
    if ! make_venv "$core" "$version" "$requirements" "${pip_options[@]}" >"$dir/install.log" 2>&1; then
        echo "$core $version ? 1 $((SECONDS - t0)) 0 0" >"$dir/result"
        return 1
    fi
    local have python_version
    have=$("$dir/venv/bin/python" -c 'from ansible.release import __version__; print(__version__)')
    python_version=$("$dir/venv/bin/python" -c 'import platform; print(platform.python_version())')
    "$dir/venv/bin/pytest" -q -p no:cacheprovider -rfE --durations=40 "${selection[@]}" -k "$keywords" >"$dir/pytest.log" 2>&1
    rc=$?
    local passed failed
    local summary  # pytest's last line: "2 failed, 23 passed, 1 skipped, 76 deselected in 410.20s"
    summary=$(tail -n 1 "$dir/pytest.log")
    passed=$(grep -Eo '[0-9]+ passed' <<<"$summary" | awk '{s += $1} END {print s + 0}')
    failed=$(grep -Eo '[0-9]+ (failed|errors?)' <<<"$summary" | awk '{s += $1} END {print s + 0}')
    echo "$core $python_version $have $rc $((SECONDS - t0)) $passed $failed" >"$dir/result"
    return $rc
}

run_molecule() {  # run_molecule core -> build/matrix/<core>/molecule.result
    local core=$1 dir=$OUT/$1 t0=$SECONDS rc
    if [ ! -x "$dir/venv/bin/molecule" ]; then
        echo "molecule $core not-installed 0" >"$dir/molecule.result"
        return 1
    fi
    "$dir/venv/bin/ansible-playbook" --version >"$dir/molecule.log" 2>&1  # the core molecule drives (first on its PATH)
    MOLECULE_VENV=$dir/venv MOLECULE_LOGS=$dir/molecule MOLECULE_JOBS=1 tests/molecule.sh default >>"$dir/molecule.log" 2>&1
    rc=$?
    echo "molecule $core $rc $((SECONDS - t0))" >"$dir/molecule.result"
    return $rc
}

if [ -z "${ANSIBLE_COLLECTIONS_PATH:-}" ]; then
    make --no-print-directory dev-collections >/dev/null
    export ANSIBLE_COLLECTIONS_PATH=$ROOT/build/dev
fi
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=false
[ -s "${DOCKERAPI_HARNESS_DIR:-/var/tmp/dockerapi-harness}/harness.json" ] || tests/harness/harness up || exit 1

WANTED=("$@")
if [ ${#WANTED[@]} -eq 0 ]; then
    for entry in "${MATRIX[@]}"; do WANTED+=("${entry%% *}"); done
    [ "${MATRIX_PRE:-1}" = 0 ] || WANTED+=(pre)
fi
python_of() {
    local entry name python daemon
    [ "$1" = pre ] && { echo "$PRE_PYTHON"; return 0; }
    for entry in "${MATRIX[@]}"; do
        read -r name python daemon <<<"$entry"
        [ "$name" = "$1" ] && { echo "$python"; return 0; }
    done
    return 1
}
daemon_of() {
    local entry name python daemon
    for entry in "${MATRIX[@]}"; do
        read -r name python daemon <<<"$entry"
        [ "$name" = "$1" ] && { echo "$daemon"; return 0; }
    done
    echo d28
}

mkdir -p "$OUT"
start=$SECONDS
# The cores with a molecule run first, so that molecule can start early beside the other cores' pytest runs.
ORDERED=()
for core in $MOLECULE_CORES; do [[ " ${WANTED[*]} " == *" $core "* ]] && ORDERED+=("$core"); done
for core in "${WANTED[@]}"; do [[ " ${ORDERED[*]} " == *" $core "* ]] || ORDERED+=("$core"); done
for core in "${ORDERED[@]}"; do
    python_of "$core" >/dev/null || { say "unknown core $core (known: ${MATRIX[*]%% *} pre)"; exit 2; }
    rm -f "$OUT/$core/result" "$OUT/$core/molecule.result"
done

molecule_runs() {  # one after the other (fixed host names), each once its core's pytest run is over (its venv is ready)
    local core
    for core in $MOLECULE_CORES; do
        [[ " ${WANTED[*]} " == *" $core "* ]] || continue
        while [ ! -e "$OUT/$core/result" ]; do sleep 2; done
        say "molecule default on ansible-core $core: started"
        run_molecule "$core"
        say "molecule default on ansible-core $core: done"
    done
}
molecule_runs &
molecule_pid=$!

running() {  # how many of the cores' pytest runs are still going
    local pid n=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && n=$((n + 1)); done
    echo "$n"
}
pids=()
for core in "${ORDERED[@]}"; do
    version=$(python_of "$core")
    say "ansible-core $core on Python $version: started"
    run_core "$core" "$version" &
    pids+=($!)
    while [ "$(running)" -ge "$JOBS" ]; do sleep 1; done
done
wait "${pids[@]}"
say "integration selection done in $((SECONDS - start)) s"
wait "$molecule_pid"

failed=0
summary() {
    printf '%-6s %-8s %-12s %-8s %6s %6s %6s\n' core python ansible-core result seconds passed failed
    for core in "${WANTED[@]}"; do
        if read -r c py have rc seconds passed nfailed <"$OUT/$core/result" 2>/dev/null; then :; else
            c=$core py=? have=? rc=99 seconds=? passed=0 nfailed=0
        fi
        [ "$rc" = 0 ] && status=passed || { status=FAILED; failed=1; }
        printf '%-6s %-8s %-12s %-8s %6s %6s %6s\n' "$c" "$py" "$have" "$status" "$seconds" "$passed" "$nfailed"
    done
    for core in $MOLECULE_CORES; do
        [[ " ${WANTED[*]} " == *" $core "* ]] || continue
        if read -r _ c rc seconds <"$OUT/$core/molecule.result" 2>/dev/null; then :; else c=$core rc=99 seconds=?; fi
        [ "$rc" = 0 ] && status=passed || { status=FAILED; failed=1; }
        printf 'molecule default on %-6s %-8s %6s s\n' "$c" "$status" "$seconds"
    done
    echo "matrix wall time: $((SECONDS - start)) s"
}
summary >"$OUT/summary.txt"  # not in a pipeline: it sets $failed
cat "$OUT/summary.txt"
if [ "$failed" != 0 ]; then
    for core in "${WANTED[@]}"; do
        grep -q ' 0 [0-9]* [0-9]* 0$' "$OUT/$core/result" 2>/dev/null && continue
        say "ansible-core $core: end of build/matrix/$core/pytest.log (install.log if empty):"
        tail -n 40 "$OUT/$core/pytest.log" 2>/dev/null || tail -n 20 "$OUT/$core/install.log"
    done
fi
exit $failed
