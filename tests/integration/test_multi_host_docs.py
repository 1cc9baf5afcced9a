"""The runnable examples of docs/multi-host.md, run as written against real daemons.

Every fenced YAML block of the guide preceded by ``<!-- example: NAME -->`` is an example. The test
writes it to a file and runs it with ansible-playbook / ansible-inventory, after replacing only values
that the guide marks ``# placeholder`` (host names, ports, certificate paths, image, names): each
replacement must be found, and only on lines carrying that mark, so the text a reader copies is the
text that runs. What differs between this machine and a reader's is given the way a reader gives it,
through the environment: the private ssh configuration of the test host (``DOCKERAPI_SSH_OPTS`` for
``ssh://``, ``ANSIBLE_SSH_COMMON_ARGS`` for Ansible's ssh connection; a reader has ``~/.ssh/config``),
a private docker CLI configuration for the contexts (``DOCKER_CONFIG``), ``su`` as the become
method (the test host has no sudo), and the pipelining the guide recommends for pattern 2.

The docker CLI on each engine is the witness of what the plays did.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ROOT, ansible_env, docker_cli, harness

GUIDE = ROOT / 'docs' / 'multi-host.md'
IMAGE = 'dockerapi-test/busybox:latest'
PYTHON_IMAGE = 'dockerapi-test/python:latest'
PLACEHOLDER = '# placeholder'


def examples() -> dict[str, str]:
    text = GUIDE.read_text(encoding='utf-8')
    found: dict[str, str] = {}
    for name, body in re.findall(r'<!-- example: ([\w-]+) -->\n```yaml\n(.*?)\n```', text, re.S):
        assert name not in found, 'two examples named %s' % name
        found[name] = body + '\n'
    return found


def example(name: str, replacements: dict[str, str]) -> str:
    """The example's text with the placeholders replaced; each one must be there, on marked lines only."""
    text = examples()[name]
    for old, new in replacements.items():
        lines = [line for line in text.splitlines() if old in line]
        assert lines, 'example %s no longer contains the placeholder %r: update the test with the guide' % (name, old)
        unmarked = [line for line in lines if PLACEHOLDER not in line]
        assert not unmarked, 'example %s: %r is replaced by the test on lines not marked %r: %s' % (name, old, PLACEHOLDER, unmarked)
        text = text.replace(old, new)
    return text


def run(argv: list[str], env: dict, cwd: Path, timeout: float = 300) -> subprocess.CompletedProcess:
    proc = subprocess.run(argv, env=ansible_env(env), cwd=str(cwd), capture_output=True, text=True, timeout=timeout, check=False)
    return proc


def played(proc: subprocess.CompletedProcess) -> str:
    assert proc.returncode == 0, 'rc %d\n%s\n%s' % (proc.returncode, proc.stdout[-8000:], proc.stderr[-3000:])
    assert 'failed=0' in proc.stdout and 'unreachable=0' in proc.stdout, proc.stdout[-4000:]
    return proc.stdout


def inspect(daemon: dict, name: str) -> dict | None:
    proc = docker_cli(daemon, 'inspect', name, check=False)
    return json.loads(proc.stdout)[0] if proc.returncode == 0 else None


def test_guide_has_the_examples() -> None:
    assert sorted(examples()) == sorted(['context-play', 'controller-inventory', 'controller-play', 'shipped-inventory', 'shipped-play',
                                         'containers-inventory', 'containers-play'])


@pytest.fixture(scope='module')
def ssh_engine(ssh_host):
    """The session's ssh test host, with the example's image in its own dockerd."""
    ssh_host.ensure_image(IMAGE)
    return ssh_host


def test_pattern_1_modules_on_the_controller(ssh_engine, tmp_path: Path) -> None:
    """TLS tcp:// with per-host certificates, ssh:// as a user of the docker group, a docker context: one play."""
    info = harness()
    tls, d28 = info['daemons']['tls'], info['daemons']['d28']
    name = 'dkapi13-f-%s' % uuid.uuid4().hex[:8]
    docker_config = tmp_path / 'docker-config'
    docker_config.mkdir()
    ctx = subprocess.run(['docker', 'context', 'create', 'prod-eu', '--docker', 'host=%s' % d28['docker_host']],
                         env=dict(os.environ, DOCKER_CONFIG=str(docker_config)), capture_output=True, text=True, timeout=60, check=False)
    assert ctx.returncode == 0, ctx.stderr
    (tmp_path / 'inventory.yml').write_text(example('controller-inventory', {
        'tcp://docker1.example.com:2376': tls['docker_host'],
        '/etc/ansible/pki/docker1.example.com': tls['cert_dir'],
        'ssh://alice@docker2.example.com': 'ssh://alice@%s' % ssh_engine.alias,
    }))
    (tmp_path / 'controller.yml').write_text(example('controller-play', {'app_name: hello': 'app_name: %s' % name,
                                                                         'busybox:1.36': IMAGE}))
    env = dict(ssh_engine.env(), DOCKER_CONFIG=str(docker_config))
    try:
        proc = run([str(BIN / 'ansible-playbook'), '-i', 'inventory.yml', 'controller.yml'], env, tmp_path)
        played(proc)
        on_tls = inspect(tls, name)
        on_d28 = inspect(d28, name)
        on_ssh = ssh_engine.docker('inspect', name, check=False)
        assert on_tls and on_tls['State']['Running'], 'docker1 (mutual TLS) has no running %s' % name
        assert on_d28 and on_d28['State']['Running'], 'docker3 (context prod-eu -> d28) has no running %s' % name
        assert on_ssh.returncode == 0 and json.loads(on_ssh.stdout)[0]['State']['Running'], on_ssh.stderr
        for other in ('d20', 'd26'):
            assert inspect(info['daemons'][other], name) is None, 'the play reached %s, which no host names' % other
        # context_info's config as module_defaults reaches the context's engine (d28; no daemon at the default socket).
        (tmp_path / 'context.yml').write_text(example('context-play', {}))
        said = played(run([str(BIN / 'ansible-playbook'), 'context.yml'], {'DOCKER_CONFIG': str(docker_config)}, tmp_path))
        assert 'prod-eu runs Docker %s' % d28['version'] in said, said[-3000:]
    finally:
        docker_cli(tls, 'rm', '-f', name, check=False)
        docker_cli(d28, 'rm', '-f', name, check=False)
        ssh_engine.docker('rm', '-f', name, check=False)


def test_pattern_2_modules_shipped_to_the_host(ssh_engine, tmp_path: Path) -> None:
    """connection: ssh with become: the module runs on the host with its python3 and uses its own socket."""
    name = 'dkapi13-f-%s' % uuid.uuid4().hex[:8]
    (tmp_path / 'inventory.yml').write_text(example('shipped-inventory', {'docker1.example.com:': '%s:' % ssh_engine.alias}))
    (tmp_path / 'shipped.yml').write_text(example('shipped-play', {'app_name: hello': 'app_name: %s' % name, 'busybox:1.36': IMAGE}))
    env = {'ANSIBLE_SSH_COMMON_ARGS': '-F %s' % ssh_engine.config, 'ANSIBLE_BECOME_METHOD': 'su', 'ANSIBLE_PIPELINING': 'true',
           'ANSIBLE_PYTHON_INTERPRETER': 'auto_silent', 'ANSIBLE_HOST_KEY_CHECKING': 'true'}
    try:
        out = played(run([str(BIN / 'ansible-playbook'), '-i', 'inventory.yml', 'shipped.yml'], env, tmp_path))
        assert 'changed=1' in out, out[-3000:]
        state = ssh_engine.docker('inspect', '--format', '{{.State.Running}} {{.Config.Image}}', name)
        assert state.stdout.split() == ['true', IMAGE]
    finally:
        ssh_engine.docker('rm', '-f', name, check=False)


@pytest.fixture(scope='module')
def fleet_containers():
    """One python-image container with the example's labels on d20 (unix socket) and on the tls daemon."""
    info = harness()
    subprocess.run([str(ROOT / 'tests' / 'harness' / 'python-image'), 'd20', 'tls'], capture_output=True, text=True, timeout=600, check=True)
    app = 'dkapi13-f-%s' % uuid.uuid4().hex[:8]
    made = []
    try:
        for engine, daemon_name in (('eu1', 'd20'), ('eu2', 'tls')):
            daemon = info['daemons'][daemon_name]
            name = '%s-%s-web' % (app, engine)
            docker_cli(daemon, 'run', '-d', '--pull=never', '--name', name, '--label', 'app=%s' % app, '--label', 'role=web', PYTHON_IMAGE)
            made.append((engine, daemon, name))
        yield app, made
    finally:
        for _engine, daemon, name in made:
            docker_cli(daemon, 'rm', '-f', name, check=False)


def test_pattern_3_tasks_inside_containers(fleet_containers, tmp_path: Path) -> None:
    """The inventory plugin over two engines (unix and mutual TLS) + the connection plugin: copy, command."""
    app, made = fleet_containers
    info = harness()
    tls = info['daemons']['tls']
    (tmp_path / 'fleet.containers.yml').write_text(example('containers-inventory', {
        'unix:///var/run/docker.sock': info['daemons']['d20']['docker_host'],
        'tcp://docker1.example.com:2376': tls['docker_host'],
        '/etc/ansible/pki/docker1.example.com': tls['cert_dir'],
        'app=shop': 'app=%s' % app,
    }))
    (tmp_path / 'containers.yml').write_text(example('containers-play', {}))
    env = {'ANSIBLE_PYTHON_INTERPRETER': 'auto_silent'}
    graph = run([str(BIN / 'ansible-inventory'), '-i', 'fleet.containers.yml', '--graph'], env, tmp_path)
    assert graph.returncode == 0, graph.stderr
    for group in ('@role_web', '@engine_eu1', '@engine_eu2'):
        assert group in graph.stdout, graph.stdout
    out = played(run([str(BIN / 'ansible-playbook'), '-i', 'fleet.containers.yml', 'containers.yml'], env, tmp_path))
    assert out.count('changed=1') == 2, out[-3000:]
    for engine, daemon, name in made:
        content = docker_cli(daemon, 'exec', name, 'cat', '/etc/site.conf').stdout
        assert content == 'served by %s-%s on %s\n' % (engine, name, engine), content
        mode = docker_cli(daemon, 'exec', name, 'stat', '-c', '%a', '/etc/site.conf').stdout.strip()
        assert mode == '644'


def _source_strings() -> list[str]:
    """Every string constant of the collection's plugins (implicit concatenations are one constant)."""
    import ast  # pylint: disable=import-outside-toplevel
    strings = []
    for path in (ROOT / 'plugins').rglob('*.py'):
        for node in ast.walk(ast.parse(path.read_text(encoding='utf-8'))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                strings.append(node.value)
    return strings


def test_troubleshooting_messages_are_the_codes() -> None:
    """Each message of the guide's troubleshooting table is what the code says: its literal parts (between the
    <placeholders> and ...) are found in the plugins' strings."""
    section = GUIDE.read_text(encoding='utf-8').split('## Troubleshooting', 1)[1]
    rows = re.findall(r'^\| `([^`]+)` \|', section, re.M)
    assert len(rows) >= 15, rows
    strings = _source_strings()
    missing = []
    for message in rows:
        for part in re.split(r'<[\w ]+>|ssh://\.\.\.|\.\.\.', message):
            part = part.strip()
            if len(part) >= 4 and not any(part in text for text in strings):
                missing.append('%r (from %r)' % (part, message))
    assert not missing, 'the troubleshooting table quotes messages the code does not give: %s' % missing
