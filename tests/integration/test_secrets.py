"""Secrets stay out of output: planted values are grepped in the COMPLETE output of real playbook runs.

Every scenario plants unique secret values in the options that carry secrets, runs a playbook
with ``ansible-playbook -vvv --diff`` (then again with ``--check``), in the shipped module and in
the in-process fast path, with successful AND failing tasks (``ignore_errors``: a failure prints
its whole result too), and fails if any planted value appears anywhere in stdout or stderr.
The playbook asserts that each secret was really used (the task ran, succeeded or failed as
expected), so a scenario cannot pass by never reaching the module.

The one place a value may legitimately appear is the daemon's own inspect of a container that
was created with it: ``Config.Env`` holds ``KEY=value`` as ``docker inspect`` shows it (and
community.docker's ``docker_container`` returns it). The check removes the ``"Env": [...]``
arrays of the returned inspect before grepping; everything else (``diff``, ``differences``,
``actions``, ``msg``, ``warnings``, ``invocation``, error messages) must not carry the value.
"""

from __future__ import annotations

import base64
import json
import re
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from conftest import BIN, ansible_env, cli_environment, daemon_connection, harness

RUNS = [pytest.param(False, id='module'), pytest.param(True, id='fastpath')]


def secret(label: str) -> str:
    """A value that occurs nowhere but where it was planted."""
    return 'dkapiS3cret%s%s' % (label, uuid.uuid4().hex)


def key_lines(pem: str) -> list[str]:
    """First, middle and last base64 lines of a PEM body: any one of them in the output is a leaked key."""
    lines = [line for line in pem.splitlines() if line and not line.startswith('-----') and ':' not in line]
    return [lines[0], lines[len(lines) // 2], lines[-2]] if len(lines) > 3 else lines


INSPECT_ENV = re.compile(r'"Env": \[[^\]]*\]')
INVOCATION = re.compile(r'^( *)"invocation": \{.*?^\1\}', re.MULTILINE | re.DOTALL)


def leaks(output: str, secrets: dict[str, str], allow_inspect_env: bool = False) -> list[str]:
    """Where planted values occur in the output (with some context), as messages; [] when nowhere.

    With ``allow_inspect_env`` (container ``env`` only, see the module docstring), the daemon's
    ``"Env": [...]`` arrays and the echo of the task's own arguments (``invocation``) are left out.
    """
    visible = output
    if allow_inspect_env:
        visible = INVOCATION.sub('"invocation": <the task arguments: allowed for container env>', visible)
        visible = INSPECT_ENV.sub('"Env": [<the daemon inspect: allowed>]', visible)
    found = []
    for label, value in secrets.items():
        for match in re.finditer(re.escape(value), visible):
            start = max(0, match.start() - 200)
            found.append('%s leaked: ...%s...' % (label, visible[start:match.start()] + '<<SECRET>>' + visible[match.end():match.end() + 60]))
            break
    return found


def play(name: str, daemon: dict | None, tasks: list[dict]) -> dict:
    entry = {'name': name, 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False, 'tasks': tasks}
    if daemon is not None:
        entry['module_defaults'] = {'group/dockerapi.engine.engine': daemon_connection(daemon)}
        entry['environment'] = cli_environment(daemon)
    return entry


def run_playbook(plays: list[dict], variables: dict, fast_path: bool, check: bool) -> subprocess.CompletedProcess:
    with tempfile.TemporaryDirectory(prefix='dockerapi-secrets-') as tmp:
        (Path(tmp) / 'play.yml').write_text(json.dumps(plays))
        (Path(tmp) / 'vars.json').write_text(json.dumps(dict(variables, dockerapi_engine_fast_path=fast_path)))
        cmd = [str(BIN / 'ansible-playbook'), '-vvv', '--diff', str(Path(tmp) / 'play.yml'), '-e', '@' + str(Path(tmp) / 'vars.json')]
        if check:
            cmd.append('--check')
        return subprocess.run(cmd, env=ansible_env(), capture_output=True, text=True, timeout=900, check=False)


def assert_no_leak(plays: list[dict], variables: dict, secrets: dict[str, str], fast_path: bool, check: bool,
                   allow_inspect_env: bool = False) -> None:
    proc = run_playbook(plays, variables, fast_path, check)
    output = proc.stdout + '\n' + proc.stderr
    assert proc.returncode == 0, 'the playbook itself failed (its assertions say which secret was not exercised):\n%s' % output[-15000:]
    found = leaks(output, secrets, allow_inspect_env)
    assert not found, '\n\n'.join(found)


def must(*conditions: str) -> dict:
    return {'ansible.builtin.assert': {'that': list(conditions)}}


# ---- container env -------------------------------------------------------------------------


@pytest.mark.parametrize('fast_path', RUNS)
@pytest.mark.parametrize('check', [False, True], ids=['run', 'check'])
def test_container_env_values(fast_path, check):
    d = harness()['daemons']['d28']
    prefix = 'dkapi-e-sec-%s' % uuid.uuid4().hex[:8]
    secrets = {'env value at create': secret('EnvA'), 'env value changed': secret('EnvB'),
               'env value of a refused create': secret('EnvC')}
    values = list(secrets.values())
    # stop_timeout: the recreate stops a sleep that ignores SIGTERM (PID 1); 1 s instead of the daemon's 10 s wait
    base = {'name': '%s-c' % prefix, 'image': harness()['test_image'], 'command': ['sleep', '600'],
            'labels': {'dockerapi.test': prefix}, 'stop_timeout': 1}
    tasks = [{'block': [
        {'name': 'create with a secret env value', 'dockerapi.engine.container': dict(base, env={'DKAPI_TOKEN': values[0], 'PLAIN': 'visible'}),
         'register': 'created'},
        {'name': 'change the secret (recreate, diff before/after)',
         'dockerapi.engine.container': dict(base, env={'DKAPI_TOKEN': values[1], 'PLAIN': 'visible'}),
         'register': 'changed_env'},
        {'name': 'a create the daemon refuses (bind source missing)',
         'dockerapi.engine.container': dict(base, name='%s-refused' % prefix, env={'DKAPI_TOKEN': values[2]},
                                            mounts=[{'type': 'bind', 'source': '/nonexistent-%s' % prefix, 'target': '/data'}]),
         'register': 'refused', 'ignore_errors': True},
        must('created is changed', 'changed_env is changed', 'ansible_check_mode or refused is failed'),
    ], 'always': [
        {'name': 'cleanup', 'ansible.builtin.command': 'docker rm -f %s-c %s-refused' % (prefix, prefix), 'failed_when': False,
         'check_mode': False},
    ]}]
    assert_no_leak([play('secrets: container env', d, tasks)], {}, secrets, fast_path, check, allow_inspect_env=True)


# ---- container_exec env and stdin -----------------------------------------------------------


@pytest.mark.parametrize('fast_path', RUNS)
@pytest.mark.parametrize('check', [False, True], ids=['run', 'check'])
def test_exec_env_and_stdin(fast_path, check):
    info = harness()
    d, t = info['daemons']['d28'], info['daemons']['tls']
    prefix = 'dkapi-e-sec-%s' % uuid.uuid4().hex[:8]
    secrets = {'exec env value': secret('ExecEnv'), 'exec stdin': secret('ExecIn'),
               'exec env of a failing exec': secret('ExecEnvF'), 'exec stdin of a failing exec': secret('ExecInF'),
               'exec stdin over TLS': secret('ExecInTls'), 'exec env over TLS': secret('ExecEnvTls')}
    v = secrets
    box = '%s-box' % prefix
    start = {'name': 'a running container (CLI)', 'check_mode': False, 'changed_when': False,
             'ansible.builtin.command': 'docker run -d --name %s --label dockerapi.test=%s --pull=never %s sleep 600'
                                        % (box, prefix, info['test_image'])}
    cleanup = {'name': 'cleanup', 'ansible.builtin.command': 'docker rm -f %s' % box, 'failed_when': False, 'check_mode': False}
    local = [{'block': [
        start,
        {'name': 'env value used, not printed by the command',
         'dockerapi.engine.container_exec': {'container': box, 'argv': ['sh', '-c', 'test -n "$DKAPI_TOKEN"'],
                                             'env': {'DKAPI_TOKEN': v['exec env value']}},
         'register': 'with_env'},
        {'name': 'stdin consumed, not echoed',
         'dockerapi.engine.container_exec': {'container': box, 'argv': ['sh', '-c', 'wc -c >/dev/null'],
                                             'stdin': v['exec stdin']},
         'register': 'with_stdin'},
        {'name': 'a failing exec with both (no such container)',
         'dockerapi.engine.container_exec': {'container': '%s-missing' % prefix, 'argv': ['true'],
                                             'env': {'DKAPI_TOKEN': v['exec env of a failing exec']},
                                             'stdin': v['exec stdin of a failing exec']},
         'register': 'missing', 'ignore_errors': True},
        must('ansible_check_mode or with_env.rc == 0', 'ansible_check_mode or with_stdin.rc == 0', 'missing is failed'),
    ], 'always': [cleanup]}]
    over_tls = [{'block': [
        start,
        {'name': 'stdin and env over TLS (works, or is refused clearly)',
         'dockerapi.engine.container_exec': {'container': box, 'argv': ['sh', '-c', 'wc -c >/dev/null'],
                                             'env': {'DKAPI_TOKEN': v['exec env over TLS']}, 'stdin': v['exec stdin over TLS']},
         'register': 'tls_stdin', 'ignore_errors': True},
        must('tls_stdin is not skipped'),
    ], 'always': [cleanup]}]
    assert_no_leak([play('secrets: exec on d28', d, local), play('secrets: exec over TLS', t, over_tls)], {}, secrets,
                   fast_path, check)


# ---- image_build buildargs ------------------------------------------------------------------


@pytest.mark.parametrize('fast_path', RUNS)
@pytest.mark.parametrize('check', [False, True], ids=['run', 'check'])
def test_build_buildargs(tmp_path, fast_path, check):
    info = harness()
    d = info['daemons']['d28']
    name = 'dkapi-e-sec-%s' % uuid.uuid4().hex[:8]
    secrets = {'buildarg': secret('Arg'), 'buildarg of a failing build': secret('ArgF')}
    good, bad = tmp_path / 'good', tmp_path / 'bad'
    good.mkdir()
    bad.mkdir()
    (good / 'Dockerfile').write_text('FROM %s\nARG DKAPI_TOKEN\nRUN test -n "$DKAPI_TOKEN"\n' % info['test_image'])
    (bad / 'Dockerfile').write_text('FROM %s\nARG DKAPI_TOKEN\nRUN test -n "$DKAPI_TOKEN" && false\n' % info['test_image'])
    tasks = [{'block': [
        {'name': 'build with a secret build argument',
         'dockerapi.engine.image_build': {'name': name, 'path': str(good), 'buildargs': {'DKAPI_TOKEN': secrets['buildarg']},
                                          'labels': {'dockerapi.test': name}},
         'register': 'built'},
        {'name': 'a failing build with a secret build argument',
         'dockerapi.engine.image_build': {'name': name + '-bad', 'path': str(bad),
                                          'buildargs': {'DKAPI_TOKEN': secrets['buildarg of a failing build']}},
         'register': 'failed_build', 'ignore_errors': True},
        must('built is changed', 'ansible_check_mode or failed_build is failed'),
    ], 'always': [
        {'name': 'cleanup', 'ansible.builtin.command': 'docker image rm -f %s:latest' % name, 'failed_when': False, 'check_mode': False},
    ]}]
    assert_no_leak([play('secrets: buildargs', d, tasks)], {}, secrets, fast_path, check)


# ---- image registry_auth (dict and string) ----------------------------------------------------


@pytest.mark.parametrize('fast_path', RUNS)
@pytest.mark.parametrize('check', [False, True], ids=['run', 'check'])
def test_registry_auth(fast_path, check):
    info = harness()
    d = info['daemons']['d28']
    registry = info['registry']
    repo = '%s/dkapi-e-sec-%s/busybox' % (registry['auth'], uuid.uuid4().hex[:8])
    wrong = secret('Pw')
    as_json = json.dumps({'username': registry['username'], 'password': secret('PwJson')})
    as_b64 = base64.urlsafe_b64encode(json.dumps({'username': registry['username'], 'password': secret('PwB64'),
                                                  'serveraddress': registry['auth']}).encode()).decode()
    secrets = {'the registry password': registry['password'], 'a wrong password': wrong,
               'registry_auth as a JSON string': as_json, 'password inside the JSON string': json.loads(as_json)['password'],
               'registry_auth as base64': as_b64,
               'password inside the base64 string': json.loads(base64.urlsafe_b64decode(as_b64))['password']}
    good = {'username': registry['username'], 'password': registry['password']}
    tasks = [{'block': [
        {'name': 'push with the right credentials (dict)',
         'dockerapi.engine.image': {'name': info['test_image'], 'repository': repo + ':latest', 'push': True, 'registry_auth': good},
         'register': 'pushed'},
        {'name': 'pull with a wrong password (dict)',
         'dockerapi.engine.image': {'name': repo + ':other', 'registry_auth': {'username': registry['username'], 'password': wrong}},
         'register': 'refused', 'ignore_errors': True},
        {'name': 'registry_auth as a JSON string (wrong password)',
         'dockerapi.engine.image': {'name': repo + ':other', 'registry_auth': as_json},
         'register': 'json_string', 'ignore_errors': True},
        {'name': 'registry_auth as a base64 X-Registry-Auth string (wrong password)',
         'dockerapi.engine.image': {'name': repo + ':other', 'registry_auth': as_b64},
         'register': 'b64_string', 'ignore_errors': True},
        must('pushed is changed', 'ansible_check_mode or refused is failed', 'ansible_check_mode or json_string is failed',
             'ansible_check_mode or b64_string is failed'),
    ], 'always': [
        {'name': 'cleanup', 'ansible.builtin.command': 'docker image rm %s:latest' % repo, 'failed_when': False, 'check_mode': False},
    ]}]
    assert_no_leak([play('secrets: registry_auth', d, tasks)], {}, secrets, fast_path, check)


# ---- connection: client_key and its passphrase ------------------------------------------------


def encrypted_copy(key_file: str, passphrase: str, dest: Path) -> str:
    from cryptography.hazmat.primitives import serialization
    key = serialization.load_pem_private_key(Path(key_file).read_bytes(), password=None)
    dest.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                       serialization.BestAvailableEncryption(passphrase.encode())))
    dest.chmod(0o600)
    return dest.read_text()


@pytest.mark.parametrize('fast_path', RUNS)
@pytest.mark.parametrize('check', [False, True], ids=['run', 'check'])
def test_client_key_and_passphrase(tmp_path, fast_path, check):
    t = harness()['daemons']['tls']
    conn = daemon_connection(t)
    key_pem = Path(conn['client_key']).read_text()
    passphrase = secret('KeyPass')
    encrypted = encrypted_copy(conn['client_key'], passphrase, tmp_path / 'key-encrypted.pem')
    secrets = {'client key passphrase': passphrase, 'wrong client key passphrase': secret('KeyPassWrong')}
    secrets.update(('client_key line %d' % i, line) for i, line in enumerate(key_lines(key_pem)))
    secrets.update(('encrypted client_key line %d' % i, line) for i, line in enumerate(key_lines(encrypted)))
    tasks = [
        {'name': 'the bundle', 'dockerapi.engine.host_info': {}, 'register': 'plain'},
        {'name': 'the key content given instead of a path (a user error)',
         'dockerapi.engine.host_info': {'client_key': key_pem}, 'register': 'content', 'ignore_errors': True},
        {'name': 'an encrypted key with its passphrase',
         'dockerapi.engine.host_info': {'client_key': str(tmp_path / 'key-encrypted.pem'), 'client_key_passphrase': passphrase},
         'register': 'encrypted'},
        {'name': 'an encrypted key with a wrong passphrase',
         'dockerapi.engine.host_info': {'client_key': str(tmp_path / 'key-encrypted.pem'),
                                        'client_key_passphrase': secrets['wrong client key passphrase']},
         'register': 'wrong', 'ignore_errors': True},
        must('plain is not failed', 'content is failed', 'encrypted is not failed', 'wrong is failed'),
    ]
    assert_no_leak([play('secrets: client_key', t, tasks)], {}, secrets, fast_path, check)


# ---- tls_certificates -----------------------------------------------------------------------


@pytest.mark.parametrize('fast_path', RUNS)
@pytest.mark.parametrize('check', [False, True], ids=['run', 'check'])
def test_tls_certificates_keys(tmp_path, fast_path, check):
    pki = tmp_path / 'pki'
    passphrase = secret('CaPass')
    ca = {'ca_cert': str(pki / 'ca' / 'ca.pem'), 'ca_key': str(pki / 'ca' / 'ca-key.pem'), 'ca_passphrase': passphrase}
    if check:
        # check mode writes nothing: make the CA for real first, then preview issuing with it
        setup = [play('setup: the CA', None, [{'dockerapi.engine.tls_certificates': ca}])]
        proc = run_playbook(setup, {}, fast_path, False)
        assert proc.returncode == 0, proc.stdout[-5000:]
    wrong = secret('CaPassWrong')
    tasks = [
        {'name': 'the CA (encrypted key)', 'dockerapi.engine.tls_certificates': ca, 'register': 'made_ca'},
        {'name': 'a server bundle',
         'dockerapi.engine.tls_certificates': dict(ca, kind='server', dest=str(pki / 'server'), subject_alt_names=['DNS:secrets.test']),
         'register': 'server'},
        {'name': 'a client bundle', 'dockerapi.engine.tls_certificates': dict(ca, kind='client', dest=str(pki / 'client')),
         'register': 'client'},
        {'name': 'a wrong CA passphrase',
         'dockerapi.engine.tls_certificates': dict(ca, ca_passphrase=wrong, kind='client', dest=str(pki / 'client2')),
         'register': 'wrong', 'ignore_errors': True},
        must('made_ca is not failed', 'server is changed', 'client is changed', 'wrong is failed'),
    ]
    proc = run_playbook([play('secrets: tls_certificates', None, tasks)], {}, fast_path, check)
    output = proc.stdout + '\n' + proc.stderr
    assert proc.returncode == 0, output[-15000:]
    secrets = {'CA passphrase': passphrase, 'wrong CA passphrase': wrong}
    key_files = sorted(str(p.relative_to(pki)) for p in pki.glob('**/*key*.pem'))
    assert key_files == (['ca/ca-key.pem'] if check else ['ca/ca-key.pem', 'client/key.pem', 'server/key.pem']), key_files
    for key_file in key_files:
        secrets.update(('%s line %d' % (key_file, i), line) for i, line in enumerate(key_lines((pki / key_file).read_text())))
    found = leaks(output, secrets)
    assert not found, '\n\n'.join(found)


def test_leak_detector_finds_a_planted_value():
    """The grep itself works: a value printed by a debug task is found, one in an inspect Env is allowed."""
    value = secret('Probe')
    tasks = [{'ansible.builtin.debug': {'msg': 'token is %s' % value}}]
    proc = run_playbook([play('probe', None, tasks)], {}, False, False)
    assert leaks(proc.stdout + proc.stderr, {'probe': value})
    assert not leaks('"Env": [\n "A=%s"\n ]' % value, {'probe': value}, allow_inspect_env=True)
    assert leaks('"Env": [\n "A=%s"\n ]' % value, {'probe': value})
    invocation = '{\n    "invocation": {\n        "module_args": {\n            "env": {"A": "%s"}\n        }\n    },\n    "msg": "%s"\n}'
    assert not leaks(invocation % (value, 'x'), {'probe': value}, allow_inspect_env=True)
    assert leaks(invocation % ('x', value), {'probe': value}, allow_inspect_env=True)
    assert leaks('"diff": {"env": {"A": "%s"}}' % value, {'probe': value})
