"""container module: API call budget, image rebuilds, pulls from the local registry, a systemd host.

Each test names everything ``<prefix>-...``, labels it ``dockerapi.test=<prefix>`` and removes it
at the end. The docker CLI is the witness.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

import pytest

from conftest import ROOT, daemon_connection, docker_cli, harness
from conftest import run_module as run

TRACE = {'DOCKERAPI_ENGINE_TRACE': '1'}


def _prefix(tag: str) -> str:
    return 'pt-%s-%s' % (tag, uuid.uuid4().hex[:6])


def _cleanup(daemon: dict, prefix: str) -> None:
    ids = docker_cli(daemon, 'ps', '-aq', '--filter', 'label=dockerapi.test=%s' % prefix, check=False).stdout.split()
    if ids:
        docker_cli(daemon, 'rm', '-f', *ids, check=False)
    images = docker_cli(daemon, 'images', '-q', '--filter', 'label=dockerapi.test=%s' % prefix, check=False).stdout.split()
    if images:
        docker_cli(daemon, 'rmi', '-f', *sorted(set(images)), check=False)


def _build(daemon: dict, tag: str, prefix: str, content: str) -> str:
    """Build a small image from the test image with the classic builder; returns its ID."""
    with tempfile.TemporaryDirectory() as ctx:
        Path(ctx, 'Dockerfile').write_text('FROM %s\nLABEL dockerapi.test=%s\nRUN echo %s > /content\n'
                                           % (harness()['test_image'], prefix, content))
        env = dict(os.environ, DOCKER_BUILDKIT='0')
        env['DOCKER_HOST'] = daemon.get('unix_host') or daemon['docker_host']
        subprocess.run(['docker', 'build', '-q', '-t', tag, ctx], env=env, check=True, capture_output=True, text=True)
    return docker_cli(daemon, 'image', 'inspect', '--format', '{{.Id}}', tag).stdout.strip()


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_unchanged_run_reads_three_times_and_writes_nothing(daemon_name: str) -> None:
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('calls-' + daemon_name)
    image = harness()['test_image']
    env_file = tempfile.NamedTemporaryFile('w', prefix='dockerapi-calls-', suffix='.env', delete=False)
    env_file.write('FROM_FILE=1\n')
    env_file.close()
    # 40+ options of docker_container's set (no container:NAME reference: that one costs a read of its own).
    args = dict(daemon_connection(daemon), name=prefix + '-c', image=image, command=['300'], entrypoint=['sleep'],
                labels={'dockerapi.test': prefix}, env={'A': '1'}, env_file=env_file.name, published_ports=['127.0.0.1::80'],
                exposed_ports=['81'], memory='64m', memory_reservation='32m', memory_swap='128m', memory_swappiness=10,
                cpu_shares=512, cpu_period=100000, cpu_quota=50000, cpuset_cpus='0', pids_limit=50,
                restart_policy='on-failure', restart_retries=2, capabilities=['NET_ADMIN'], cap_drop=['NET_RAW'],
                security_opts=['no-new-privileges'], stop_timeout=1, stop_signal='SIGTERM', hostname='calls',
                domainname='calls.test', user='0:0', groups=['1234'], working_dir='/wd', init=True, tty=True, interactive=True,
                shm_size='32m', ulimits=['nofile:1024:2048'], sysctls={'net.ipv4.ip_forward': '1'}, dns_servers=['10.0.0.53'],
                dns_search_domains=['calls.test'], dns_opts=['ndots:2'], etc_hosts={'calls.test': '10.1.2.3'},
                oom_score_adj=100, ipc_mode='shareable', tmpfs=['/t'], devices=['/dev/null:/dev/xnull:rwm'],
                device_cgroup_rules=['c 1:3 r'], log_driver='json-file', log_options={'max-size': '1m'},
                healthcheck={'test': ['CMD', 'true'], 'interval': '1h'},
                mounts=[{'type': 'tmpfs', 'target': '/m', 'tmpfs_size': '1m'}], read_only=False, privileged=False,
                auto_remove=False, publish_all_ports=False, cgroupns_mode='private', debug=True)
    assert len(set(args) - set(daemon_connection(daemon)) - {'debug'}) >= 30
    try:
        first = run('container', args, env=TRACE)
        assert first['actions'] == ['create', 'start'], first
        expected = ['GET /version', 'GET /containers/%s-c/json' % prefix, 'GET /images/%s/json' % image]
        checked = run('container', args, env=TRACE, check=True)
        again = run('container', args)  # debug: true alone asks for the trace
        for result in (checked, again):
            assert result['changed'] is False and result['actions'] == [] and not result.get('changes')
            # The exact calls of an unchanged run: the version check and two reads. No list of every container.
            assert result['api_calls'] == expected
        assert again['container']['Id'] == first['container']['Id']
        # A write-free run of an existing container with no image given is even cheaper.
        bare = run('container', dict(daemon_connection(daemon), name=prefix + '-c'), env=TRACE)
        assert bare['api_calls'] == expected[:2] and not bare['changed']
    finally:
        _cleanup(daemon, prefix)
        os.unlink(env_file.name)


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_rebuilt_image_recreates_the_container(daemon_name: str) -> None:
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('rebuild-' + daemon_name)
    tag = '%s-img:latest' % prefix
    args = dict(daemon_connection(daemon), name=prefix + '-c', image=tag, command='sleep 300',
                labels={'dockerapi.test': prefix}, stop_timeout=1)
    try:
        old = _build(daemon, tag, prefix, 'one')
        first = run('container', args)
        assert first['actions'] == ['create', 'start'] and first['container']['Image'] == old
        assert run('container', args)['changed'] is False
        new = _build(daemon, tag, prefix, 'two')
        assert new != old
        predicted = run('container', args, check=True)
        assert predicted['actions'] == ['create', 'stop', 'rename', 'start', 'remove']
        done = run('container', args)
        assert done['actions'] == predicted['actions']
        assert docker_cli(daemon, 'inspect', '--format', '{{.Image}} {{.State.Running}}', prefix + '-c').stdout.split() \
            == [new, 'true']
        assert docker_cli(daemon, 'exec', prefix + '-c', 'cat', '/content').stdout.strip() == 'two'
        assert run('container', args)['changed'] is False
    finally:
        _cleanup(daemon, prefix)


def test_pull_missing_and_always_from_the_local_registry() -> None:
    info = harness()
    daemon = info['daemons']['d28']
    registry = info['registry']['plain']
    prefix = _prefix('pull')
    repo = '%s/%s/app' % (registry, prefix)
    conn = daemon_connection(daemon)
    args = dict(conn, name=prefix + '-c', image=repo + ':latest', command='sleep 300', labels={'dockerapi.test': prefix},
                stop_timeout=1)
    try:
        first_id = _build(daemon, repo + ':latest', prefix, 'one')
        docker_cli(daemon, 'push', repo + ':latest')
        docker_cli(daemon, 'rmi', repo + ':latest')
        # pull: never fails and names the image; pull: missing (the default) pulls it.
        never = run('container', dict(args, pull='never'))
        assert never['failed'] and repo + ':latest' in never['msg'] and 'pull is never' in never['msg']
        assert docker_cli(daemon, 'ps', '-aq', '--filter', 'name=%s-c' % prefix).stdout.strip() == ''
        predicted = run('container', args, check=True)
        assert predicted['actions'] == ['pull', 'create', 'start']
        pulled = run('container', args)
        assert pulled['actions'] == ['pull', 'create', 'start']
        assert pulled['container']['Image'] == first_id
        # pull: always with nothing new in the registry changes nothing (check mode asks the registry).
        assert run('container', dict(args, pull='always'), check=True)['actions'] == []
        assert run('container', dict(args, pull='always'))['actions'] == []
        # A new image behind the same tag: check mode predicts the pull and the recreate; the real run does them.
        second_id = _build(daemon, repo + ':latest', prefix, 'two')
        docker_cli(daemon, 'push', repo + ':latest')
        docker_cli(daemon, 'tag', first_id, repo + ':latest')  # the daemon's tag points at the old image again
        predicted = run('container', dict(args, pull='always'), check=True)
        assert predicted['actions'] == ['pull', 'create', 'stop', 'rename', 'start', 'remove']
        done = run('container', dict(args, pull='always'))
        assert done['actions'] == predicted['actions']
        assert done['container']['Image'] == second_id
        assert docker_cli(daemon, 'exec', prefix + '-c', 'cat', '/content').stdout.strip() == 'two'
    finally:
        _cleanup(daemon, prefix)
        docker_cli(daemon, 'rmi', '-f', repo + ':latest', check=False)


@pytest.mark.parametrize('daemon_name', ['d20', 'd28'])
def test_systemd_host_with_the_capability_set_of_environment_md(daemon_name: str) -> None:
    """--privileged fails on this machine; this set boots systemd (the role's test hosts are made so).

    Docker 20.10 expands ALL to every capability it knows, so SYS_RESOURCE (missing from this machine's
    bounding set) must be dropped; Docker 28 expands ALL to the available ones and refuses to drop an
    unavailable capability, so there cap_drop is left out.
    """
    daemon = harness()['daemons'][daemon_name]
    prefix = _prefix('systemd-' + daemon_name)
    env = dict(os.environ, DOCKER_HOST=daemon['docker_host'])
    build = subprocess.run([str(ROOT / 'tests' / 'harness' / 'testhost' / 'build-image')], env=env,
                           capture_output=True, text=True, timeout=900, check=False)
    assert build.returncode == 0, build.stderr[-3000:]
    image = build.stdout.strip().splitlines()[-1]
    args = dict(daemon_connection(daemon), name=prefix + '-host', image=image, pull='never',
                labels={'dockerapi.test': prefix}, cap_add=['ALL'],
                security_opts=['seccomp=unconfined', 'apparmor=unconfined'], device_cgroup_rules=['a *:* rwm'],
                cgroupns_mode='host', volumes=['/sys/fs/cgroup:/sys/fs/cgroup:rw'], tmpfs=['/run', '/run/lock'],
                stop_signal='SIGRTMIN+3', stop_timeout=5)
    if daemon_name == 'd20':
        args['cap_drop'] = ['SYS_RESOURCE']
    try:
        first = run('container', args)
        assert first.get('actions') == ['create', 'start'], first
        assert run('container', args)['changed'] is False
        state = None
        deadline = time.time() + 60
        while time.time() < deadline:
            result = run('container_exec', dict(daemon_connection(daemon), container=prefix + '-host',
                                                argv=['systemctl', 'is-system-running']))
            state = result.get('stdout')
            if state in ('running', 'degraded'):
                break
            time.sleep(2)
        assert state in ('running', 'degraded'), result
        assert docker_cli(daemon, 'exec', prefix + '-host', 'cat', '/proc/1/comm').stdout.strip() == 'systemd'
        caps = docker_cli(daemon, 'inspect', '--format', '{{json .HostConfig.CapAdd}} {{json .HostConfig.CapDrop}} '
                          '{{.HostConfig.CgroupnsMode}}', prefix + '-host').stdout.strip()
        assert 'ALL' in caps and caps.endswith('host')
        assert ('SYS_RESOURCE' in caps) == (daemon_name == 'd20')
    finally:
        _cleanup(daemon, prefix)
