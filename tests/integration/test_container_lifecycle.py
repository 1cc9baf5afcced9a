"""container module: the lifecycle as docker_container runs it, and the ``changes`` it reports.

States (``healthy``), run-to-completion (``detach: false`` with ``status``, ``container.Output``,
``cleanup``), ``force_kill``/``kill_signal``, ``paused``, ``restart``, ``removal_wait_timeout``,
``pull`` true/false and ``pull_check_mode_behavior``, the image knobs, and ``changes``/``--diff``
(check mode predicts what the real run does). The docker CLI is the witness; every test names
everything ``<prefix>-...``, labels it ``dockerapi.test=<prefix>`` and removes it at the end.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import cli_environment, daemon_connection, docker_cli, harness
from conftest import run_module

DAEMONS = ['d20', 'd28']


def run(module: str, args: dict, **kw: object) -> dict:
    """The in-process fast path (cheaper; test_fast_path checks it equals the shipped module)."""
    kw.setdefault('fast_path', True)
    return run_module(module, args, **kw)  # type: ignore[arg-type]


def _prefix(tag: str) -> str:
    return 'lc-%s-%s' % (tag, uuid.uuid4().hex[:6])


def _cleanup(daemon: dict, prefix: str) -> None:
    ids = docker_cli(daemon, 'ps', '-aq', '--filter', 'label=dockerapi.test=%s' % prefix, check=False).stdout.split()
    if ids:
        docker_cli(daemon, 'rm', '-f', *ids, check=False)


def _base(daemon: dict, prefix: str, **kw: object) -> dict:
    args = dict(daemon_connection(daemon), name=prefix + '-c', image=harness()['test_image'],
                labels={'dockerapi.test': prefix}, stop_timeout=1)
    args.update(kw)
    return args


def _inspect(daemon: dict, name: str, fmt: str) -> str:
    return docker_cli(daemon, 'inspect', '--format', fmt, name).stdout.strip()


def _exists(daemon: dict, name: str) -> bool:
    return docker_cli(daemon, 'inspect', name, check=False).returncode == 0


def _build_labelled(daemon: dict, tag: str, base: str) -> bool:
    """An image with a label of its own (classic builder, no network)."""
    with tempfile.TemporaryDirectory() as ctx:
        Path(ctx, 'Dockerfile').write_text('FROM %s\nLABEL from.image=yes\n' % base)
        env = dict(os.environ, DOCKER_BUILDKIT='0')
        env.update(cli_environment(daemon))
        return subprocess.run(['docker', 'build', '-q', '-t', tag, ctx], env=env, capture_output=True, text=True,
                              check=False, timeout=120).returncode == 0


def _actions(result: dict) -> list:
    return [(c['option'], c['action']) for c in result['changes']]


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_detach_false_returns_status_and_output_and_cleans_up(daemon_name: str) -> None:
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('run-' + daemon_name)
    try:
        # output_logs also writes the output to the system log of the host the module runs on.
        ok = run('container', _base(daemon, prefix, detach=False, output_logs=True,
                                    command=['sh', '-c', 'echo to-out; echo to-err >&2']))
        assert ok['changed'] and ok['status'] == 0, ok
        assert 'to-out' in ok['container']['Output'] and 'to-err' in ok['container']['Output']
        assert ok['container']['State']['Status'] == 'exited'
        assert _inspect(daemon, prefix + '-c', '{{.State.Status}} {{.State.ExitCode}}') == 'exited 0'
        # An exited container the task does not start again: nothing to wait for, no change.
        again = run('container', _base(daemon, prefix, detach=False, command=['sh', '-c', 'echo to-out; echo to-err >&2'],
                                       state='present'))
        assert again['changed'] is False and 'status' not in again
        # A non-zero exit fails with the output as message; cleanup removes the container anyway.
        failed = run('container', _base(daemon, prefix, name=prefix + '-f', detach=False, cleanup=True,
                                        command=['sh', '-c', 'echo the-job-broke; exit 3']))
        assert failed['failed'] and failed['status'] == 3 and 'the-job-broke' in failed['msg'], failed
        assert failed['container'] == {'Output': 'the-job-broke\n'}
        assert not _exists(daemon, prefix + '-f')
        # A log driver the daemon cannot read back: Output says where the output went.
        driver = run('container', _base(daemon, prefix, name=prefix + '-n', detach=False, cleanup=True, log_driver='none',
                                        command=['true']))
        assert driver['status'] == 0 and driver['container']['Output'] == 'Result logged using `none` driver', driver
        assert ('state', 'removed') in _actions(driver) and not _exists(daemon, prefix + '-n')
        # auto_remove: the daemon removes it; the status is still known, the output is not (docker_container).
        auto = run('container', _base(daemon, prefix, name=prefix + '-a', detach=False, auto_remove=True,
                                      command=['sh', '-c', 'exit 0']))
        assert auto['status'] == 0 and auto['container']['Output'] == 'Cannot retrieve result as auto_remove is enabled', auto
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_state_healthy_waits_and_fails_clearly(daemon_name: str) -> None:
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('health-' + daemon_name)
    sleeper = ['sleep', '300']
    try:
        good = run('container', _base(daemon, prefix, state='healthy', command=sleeper,
                                      healthcheck={'test': ['CMD', 'true'], 'interval': '1s', 'start_period': '0s'}))
        assert good['changed'] and good['container']['State']['Health']['Status'] == 'healthy', good
        assert _inspect(daemon, prefix + '-c', '{{.State.Health.Status}}') == 'healthy'
        assert run('container', _base(daemon, prefix, state='healthy', command=sleeper,
                                      healthcheck={'test': ['CMD', 'true'], 'interval': '1s'}))['changed'] is False
        # No health check counts as healthy once it runs.
        plain = run('container', _base(daemon, prefix, name=prefix + '-p', state='healthy', command=sleeper))
        assert plain['changed'] and plain['container']['State']['Running'] and 'Health' not in plain['container']['State']
        bad = run('container', _base(daemon, prefix, name=prefix + '-u', state='healthy', command=sleeper,
                                     healthcheck={'test': ['CMD-SHELL', 'echo probe-says-no; exit 1'], 'interval': '1s',
                                                  'retries': 1}))
        assert bad['failed'] and 'unhealthy' in bad['msg'] and 'probe-says-no' in bad['msg'], bad
        slow = run('container', _base(daemon, prefix, name=prefix + '-t', state='healthy', command=sleeper,
                                      healthy_wait_timeout=2,
                                      healthcheck={'test': ['CMD', 'sleep', '60'], 'interval': '30s', 'timeout': '50s'}))
        assert slow['failed'] and 'did not become healthy within healthy_wait_timeout (2.0 s)' in slow['msg'], slow
        assert 'starting' in slow['msg']
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_force_kill_sends_kill_signal(daemon_name: str) -> None:
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('kill-' + daemon_name)
    # The process exits 7 on SIGUSR1 and ignores SIGTERM: only the kill signal can have stopped it with 7.
    command = ['sh', '-c', "trap 'exit 7' USR1; trap '' TERM; while true; do sleep 0.1; done"]
    try:
        run('container', _base(daemon, prefix, command=command))
        killed = run('container', _base(daemon, prefix, command=command, state='stopped', force_kill=True,
                                        kill_signal='SIGUSR1'))
        assert killed['actions'] == ['kill'] and ('state', 'stopped') in _actions(killed), killed
        for dummy in range(50):
            if _inspect(daemon, prefix + '-c', '{{.State.Running}}') == 'false':
                break
            time.sleep(0.1)
        assert _inspect(daemon, prefix + '-c', '{{.State.ExitCode}}') == '7'
        # forcekill (the old alias) on state absent: killed with SIGKILL and removed.
        run('container', _base(daemon, prefix, command=command))
        gone = run('container', _base(daemon, prefix, command=command, state='absent', forcekill=True))
        assert gone['actions'] == ['kill', 'remove'] and not _exists(daemon, prefix + '-c'), gone
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_paused_with_updates_restart_and_removal(daemon_name: str) -> None:
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('pause-' + daemon_name)
    sleeper = ['sleep', '300']
    try:
        paused = run('container', _base(daemon, prefix, command=sleeper, paused=True, memory='32m'))
        assert paused['actions'] == ['create', 'start', 'pause'], paused
        assert _inspect(daemon, prefix + '-c', '{{.State.Paused}}') == 'true'
        assert run('container', _base(daemon, prefix, command=sleeper, paused=True, memory='32m'))['changed'] is False
        # An update in place works on a paused container and leaves it paused.
        updated = run('container', _base(daemon, prefix, command=sleeper, paused=True, memory='48m'))
        assert updated['actions'] == ['update'] and _actions(updated) == [('memory', 'updated')], updated
        assert _inspect(daemon, prefix + '-c', '{{.HostConfig.Memory}} {{.State.Paused}}') == '%d true' % (48 << 20)
        resumed = run('container', _base(daemon, prefix, command=sleeper, paused=False, memory='48m'))
        assert resumed['actions'] == ['unpause'] and _actions(resumed) == [('paused', 'unpaused')]
        assert _inspect(daemon, prefix + '-c', '{{.State.Paused}}') == 'false'
        # restart: a running container is restarted (a new StartedAt)
        started = _inspect(daemon, prefix + '-c', '{{.State.StartedAt}}')
        restarted = run('container', _base(daemon, prefix, command=sleeper, memory='48m', restart=True))
        assert restarted['actions'] == ['restart'] and _actions(restarted) == [('restart', 'restarted')]
        assert _inspect(daemon, prefix + '-c', '{{.State.StartedAt}}') != started
        # A paused container is unpaused, stopped and removed (removal_wait_timeout bounds the wait).
        run('container', _base(daemon, prefix, command=sleeper, paused=True, memory='48m'))
        gone = run('container', _base(daemon, prefix, state='absent', removal_wait_timeout=20))
        assert gone['actions'] == ['unpause', 'stop', 'remove'] and not _exists(daemon, prefix + '-c'), gone
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_changes_say_why_and_check_mode_predicts_them(daemon_name: str) -> None:
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('changes-' + daemon_name)
    sleeper = ['sleep', '300']
    args = _base(daemon, prefix, command=sleeper, memory='32m', env={'TOKEN': 'secret-%s' % prefix})
    try:
        created = run('container', dict(args, state='present'))
        assert _actions(created) == [('state', 'created')], created
        started = run('container', args)
        assert _actions(started) == [('state', 'started')] and started['changes'][0]['actual'] == 'created'
        # An updatable option: updated in place (the unit tests check the --diff built from these entries).
        change = dict(args, memory='48m')
        predicted = run('container', change, check=True, diff=True)
        done = run('container', change, diff=True)
        assert predicted['changes'] == done['changes'] == [
            {'option': 'memory', 'wanted': 48 << 20, 'actual': 32 << 20, 'comparison': 'strict', 'action': 'updated'}]
        # Anything else recreates; env values never show.
        secret = dict(change, env={'TOKEN': 'other-%s' % prefix})
        predicted = run('container', secret, check=True, diff=True)
        done = run('container', secret, diff=True)
        assert predicted['changes'] == done['changes']
        assert [(c['option'], c['action']) for c in done['changes']] == [('env', 'recreated')]
        assert done['changes'][0]['wanted'] == {'TOKEN': '<hidden, changed>'}
        assert done['changes'][0]['actual'] == {'TOKEN': '<hidden>'}
        assert 'secret-' not in str(done) and 'other-' not in str(done['changes'])
        # state: present recreates a running container without starting the new one (docker_container).
        present = run('container', dict(secret, state='present', command=['sleep', '301']))
        assert _actions(present) == [('command', 'recreated')] and 'start' not in present['actions'], present
        assert _inspect(daemon, prefix + '-c', '{{.State.Status}}') == 'created'
        # recreate: true says so
        forced = run('container', dict(secret, command=['sleep', '301'], recreate=True))
        assert ('recreate', 'recreated') in _actions(forced)
        assert run('container', dict(secret, command=['sleep', '301']))['changes'] == []
    finally:
        _cleanup(daemon, prefix)


@pytest.mark.parametrize('daemon_name', DAEMONS)
def test_image_knobs(daemon_name: str) -> None:
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('image-' + daemon_name)
    image = harness()['test_image']
    alias = '%s-img:v1' % prefix  # the same image ID under another name
    sleeper = ['sleep', '300']
    try:
        docker_cli(daemon, 'tag', image, alias)
        run('container', _base(daemon, prefix, command=sleeper))
        ignored = run('container', _base(daemon, prefix, command=sleeper, image=alias, image_name_mismatch='ignore'))
        assert ignored['changed'] is False, ignored
        renamed = run('container', _base(daemon, prefix, command=sleeper, image=alias))
        assert _actions(renamed) == [('image_name', 'recreated')], renamed
        assert _inspect(daemon, prefix + '-c', '{{.Config.Image}}') == alias
        # comparisons: image: ignore keeps the container whatever the image (and its name) is.
        other = '%s-other:v1' % prefix
        docker_cli(daemon, 'tag', image, other)
        assert run('container', _base(daemon, prefix, command=sleeper, image=other,
                                      comparisons={'image': 'ignore'}))['changed'] is False
        # image_label_mismatch: fail, with labels compared strict, names the image's labels the task does not set.
        if _build_labelled(daemon, '%s-lbl:v1' % prefix, image):
            failed = run('container', _base(daemon, prefix, name=prefix + '-l', command=sleeper, image='%s-lbl:v1' % prefix,
                                            comparisons={'labels': 'strict'}, image_label_mismatch='fail'))
            assert failed['failed'] and 'from.image' in failed['msg'], failed
            assert not _exists(daemon, prefix + '-l')
        # image_comparison: current-image is accepted and changes nothing on an unchanged container.
        assert run('container', _base(daemon, prefix, command=sleeper, image=alias,
                                      image_comparison='current-image'))['changed'] is False
    finally:
        _cleanup(daemon, prefix)
        docker_cli(daemon, 'rmi', alias, '%s-other:v1' % prefix, '%s-lbl:v1' % prefix, check=False)


def test_pull_true_false_and_check_mode_behavior() -> None:
    info = harness()
    daemon = info['daemons']['d28']
    prefix = _prefix('pull')
    repo = '%s/%s' % (info['registry']['plain'], info['registry']['images']['plain'][0])
    sleeper = ['sleep', '300']
    args = _base(daemon, prefix, image=repo, command=sleeper)
    try:
        docker_cli(daemon, 'rmi', repo, check=False)
        # pull: false is missing: the absent image is pulled once.
        first = run('container', dict(args, pull=False))
        assert first['actions'][0] == 'pull' and ('image', 'pulled') in _actions(first), first
        assert run('container', dict(args, pull=False))['changed'] is False
        # pull: true is always: the registry has nothing new, so nothing changes.
        assert run('container', dict(args, pull=True))['changed'] is False
        # check mode: image_not_present asks the registry (nothing new); always assumes a new image.
        assert run('container', dict(args, pull=True), check=True)['changed'] is False
        always = run('container', dict(args, pull=True, pull_check_mode_behavior='always'), check=True)
        assert always['changed'] and always['actions'][0] == 'pull', always
        assert ('image', 'pulled') in _actions(always) and ('image', 'recreated') in _actions(always)
        bad = run('container', dict(args, pull='sometimes'))
        assert bad['failed'] and 'pull' in bad['msg']
    finally:
        _cleanup(daemon, prefix)
        docker_cli(daemon, 'rmi', repo, check=False)
