"""login and the docker CLI's credentials, against the harness's auth registry (htpasswd).

One playbook per daemon (``-vvv --diff``; 20.10 through the shipped module, 28.5 through the fast
path): log in -> the config holds the right ``auths`` entry, mode 0600 -> a second login is
unchanged -> ``image`` pulls a private image (pushed with the docker CLI under a config of its
own) with no ``registry_auth`` in the task, from ``DOCKER_CONFIG`` -> logout -> the pull fails with
the registry's message. Then the same through a credential helper of our own
(``tests/integration/credhelper/docker-credential-dkapitest``, ``credsStore``), check mode, and
a wrong password (failed, nothing written). The whole output is grepped for the secrets.
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

from conftest import BIN, HERE, ansible_env, cli_environment, daemon_connection, harness

HELPER_DIR = HERE / 'credhelper'


def must(*conditions: str) -> dict:
    return {'ansible.builtin.assert': {'that': list(conditions), 'quiet': True}}


def push_private_image(daemon: dict, registry: dict, image: str, repo: str, cli_config: Path) -> None:
    """Push the test image to ``repo`` on the auth registry with the docker CLI (its own config), then drop the tag."""
    env = dict(os.environ)
    env.update(cli_environment(daemon))
    env['DOCKER_CONFIG'] = str(cli_config)

    def cli(*args: str, stdin: str | None = None) -> None:
        proc = subprocess.run(['docker'] + list(args), env=env, input=stdin, capture_output=True, text=True, timeout=120, check=False)
        assert proc.returncode == 0, 'docker %s failed: %s' % (args[0], proc.stderr)
    cli('login', '--username', registry['username'], '--password-stdin', registry['auth'], stdin=registry['password'])
    cli('tag', image, repo + ':latest')
    cli('push', repo + ':latest')
    cli('image', 'rm', repo + ':latest')


def playbook(info: dict, daemon: dict, repo: str, tmp: Path, wrong: str) -> list[dict]:
    registry = info['registry']
    reg = registry['auth']
    c = 'dockerapi.engine.'
    plain, helper, never = tmp / 'plain', tmp / 'helper', tmp / 'never'
    store = str(tmp / 'helper-store.json')
    creds = {'registry_url': reg, 'username': '{{ reg_user }}', 'password': '{{ reg_password }}'}
    plain_env = {'DOCKER_CONFIG': str(plain)}
    helper_env = {'DOCKER_CONFIG': str(helper), 'DKAPI_CREDHELPER_STORE': store}
    entry = "(lookup('file', '%s/config.json') | from_json).auths" % plain
    tasks = [
        # ---- auths in the file ----
        {'name': 'login in check mode: validated, nothing written', c + 'login': dict(creds, config_path=str(plain / 'config.json')),
         'check_mode': True, 'register': 'checked'},
        {'ansible.builtin.stat': {'path': str(plain / 'config.json')}, 'register': 'after_check'},
        must('checked is changed', 'not after_check.stat.exists'),
        {'name': 'login', c + 'login': dict(creds, config_path=str(plain / 'config.json')), 'register': 'first'},
        {'ansible.builtin.stat': {'path': str(plain / 'config.json')}, 'register': 'written'},
        must('first is changed', "first.login_result.serveraddress == '%s'" % reg, "first.login_result.username == reg_user",
             "written.stat.mode == '0600'",
             "(%s)['%s'].auth | b64decode == reg_user ~ ':' ~ reg_password" % (entry, reg)),
        {'name': 'login again (dockercfg_path alias)', c + 'login': dict(creds, dockercfg_path=str(plain / 'config.json')), 'register': 'second'},
        {'name': 'login again, reauthorize', c + 'login': dict(creds, config_path=str(plain / 'config.json'), reauthorize=True),
         'register': 'third'},
        must('second is not changed', 'third is not changed'),
        {'name': 'the docker CLI pulls with the config login wrote',
         'ansible.builtin.command': 'docker --config %s pull -q %s:latest' % (plain, repo), 'changed_when': False},
        {'ansible.builtin.command': 'docker image rm %s:latest' % repo, 'changed_when': False},
        {'name': 'pull the private image without registry_auth (DOCKER_CONFIG)', c + 'image': {'name': repo + ':latest'},
         'environment': plain_env, 'register': 'pulled'},
        {'ansible.builtin.command': 'docker image inspect --format "{{ \'{{\' }}.Id{{ \'}}\' }}" %s:latest' % repo,
         'register': 'witness', 'changed_when': False},
        must('pulled is changed', 'pulled.image.Id == witness.stdout'),
        {'name': 'logout', c + 'login': {'registry_url': reg, 'config_path': str(plain / 'config.json'), 'state': 'absent'},
         'register': 'logout'},
        {'name': 'logout again', c + 'login': {'registry_url': reg, 'config_path': str(plain / 'config.json'), 'state': 'absent'},
         'register': 'logout_again'},
        must('logout is changed', 'logout_again is not changed', "'%s' not in %s" % (reg, entry)),
        {'ansible.builtin.command': 'docker image rm %s:latest' % repo},
        {'name': 'pull after logout', c + 'image': {'name': repo + ':latest'}, 'environment': plain_env,
         'register': 'refused', 'ignore_errors': True},
        must('refused is failed',
             "'no basic auth credentials' in refused.msg or 'unauthorized' in refused.msg or 'denied' in refused.msg"),
        # ---- a credential helper (credsStore) ----
        {'ansible.builtin.file': {'path': str(helper), 'state': 'directory', 'mode': '0700'}},
        {'ansible.builtin.copy': {'dest': str(helper / 'config.json'), 'content': json.dumps({'credsStore': 'dkapitest'}),
                                  'mode': '0600'}},
        {'name': 'login through the helper', c + 'login': dict(creds, config_path=str(helper / 'config.json')),
         'environment': {'DKAPI_CREDHELPER_STORE': store}, 'register': 'h_first'},
        {'name': 'login through the helper again', c + 'login': dict(creds, config_path=str(helper / 'config.json')),
         'environment': {'DKAPI_CREDHELPER_STORE': store}, 'register': 'h_second'},
        must('h_first is changed', 'h_second is not changed',
             "(lookup('file', '%s/config.json') | from_json) == {'credsStore': 'dkapitest', 'auths': {'%s': {}}}" % (helper, reg),
             "(lookup('file', '%s') | from_json)['%s'].Username == reg_user" % (store, reg),
             "(lookup('file', '%s') | from_json)['%s'].Secret == reg_password" % (store, reg)),
        {'name': 'pull through the helper', c + 'image': {'name': repo + ':latest'}, 'environment': helper_env, 'register': 'h_pulled'},
        {'name': 'push through the helper', c + 'image': {'name': repo + ':latest', 'repository': repo + ':pushed', 'push': True},
         'environment': helper_env, 'register': 'h_pushed'},
        {'name': 'the registry has the pushed tag',
         'ansible.builtin.uri': {'url': 'http://%s/v2/%s/tags/list' % (reg, repo.split('/', 1)[1]), 'url_username': '{{ reg_user }}',
                                 'url_password': '{{ reg_password }}', 'force_basic_auth': True, 'return_content': True},
         'register': 'tags'},
        must('h_pulled is changed', 'h_pushed is changed', "'pushed' in tags.json.tags",
             "'get %s' in lookup('file', '%s.log').splitlines()" % (reg, store)),
        {'name': 'logout through the helper', c + 'login': {'registry_url': reg, 'config_path': str(helper / 'config.json'),
                                                            'state': 'absent'},
         'environment': {'DKAPI_CREDHELPER_STORE': store}, 'register': 'h_logout'},
        must('h_logout is changed', "lookup('file', '%s') | from_json == {}" % store),
        # ---- a wrong password ----
        {'name': 'wrong password', c + 'login': dict(creds, password='{{ wrong_password }}', config_path=str(never / 'config.json')),
         'register': 'wrong', 'ignore_errors': True},
        {'ansible.builtin.stat': {'path': str(never)}, 'register': 'never_dir'},
        must('wrong is failed', "'401' in wrong.msg or 'nauthorized' in wrong.msg", 'not never_dir.stat.exists'),
    ]
    return [{
        'name': 'login on %s' % daemon['version'], 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
        'module_defaults': {'group/dockerapi.engine.engine': daemon_connection(daemon)},
        'environment': cli_environment(daemon),
        'tasks': [{'block': tasks, 'always': [
            {'ansible.builtin.command': 'docker image rm %s:latest %s:pushed' % (repo, repo), 'failed_when': False, 'changed_when': False},
        ]}],
    }]


@pytest.mark.parametrize(('daemon_name', 'fast_path'), [('d20', False), ('d28', True)], ids=['d20-module', 'd28-fastpath'])
def test_login_pull_logout_helper_wrong_password(daemon_name: str, fast_path: bool) -> None:
    info = harness()
    registry = info['registry']
    if not registry:
        pytest.skip('the harness registries are down')
    daemon = info['daemons'][daemon_name]
    repo = '%s/dkapi-c-login-%s/busybox' % (registry['auth'], uuid.uuid4().hex[:10])
    wrong = 'dkapiWrongPw%s' % uuid.uuid4().hex
    with tempfile.TemporaryDirectory(prefix='dockerapi-login-') as name:
        tmp = Path(name)
        push_private_image(daemon, registry, info['test_image'], repo, tmp / 'cli')
        variables = {'reg_user': registry['username'], 'reg_password': registry['password'], 'wrong_password': wrong,
                     'dockerapi_engine_fast_path': fast_path}
        (tmp / 'play.yml').write_text(json.dumps(playbook(info, daemon, repo, tmp, wrong)))
        (tmp / 'vars.json').write_text(json.dumps(variables))
        env = ansible_env({'PATH': '%s:%s' % (HELPER_DIR, ansible_env()['PATH'])})
        proc = subprocess.run([str(BIN / 'ansible-playbook'), '-vvv', '--diff', str(tmp / 'play.yml'), '-e', '@' + str(tmp / 'vars.json')],
                              env=env, capture_output=True, text=True, timeout=300, check=False)
    output = proc.stdout + '\n' + proc.stderr
    assert proc.returncode == 0, output[-12000:]
    encoded = base64.b64encode(('%s:%s' % (registry['username'], registry['password'])).encode()).decode()
    for label, value in (('the registry password', registry['password']), ('the wrong password', wrong),
                         ('the auth entry', encoded)):
        assert value not in output, '%s leaked:\n%s' % (label, output[max(0, output.find(value) - 600):output.find(value) + 100])


def test_container_pulls_with_the_login_credentials() -> None:
    """login, then ``container`` pulls a private image for its create with no credentials in the task."""
    info = harness()
    registry = info['registry']
    if not registry:
        pytest.skip('the harness registries are down')
    daemon = info['daemons']['d28']
    unique = 'dkapi-c-login-%s' % uuid.uuid4().hex[:10]
    repo = '%s/%s/busybox' % (registry['auth'], unique)
    c = 'dockerapi.engine.'
    with tempfile.TemporaryDirectory(prefix='dockerapi-login-') as name:
        tmp = Path(name)
        push_private_image(daemon, registry, info['test_image'], repo, tmp / 'cli')
        config = str(tmp / 'cfg' / 'config.json')
        tasks = [
            {c + 'login': {'registry_url': registry['auth'], 'username': '{{ reg_user }}', 'password': '{{ reg_password }}',
                           'config_path': config}},
            {c + 'container': {'name': unique, 'image': repo + ':latest', 'command': ['sleep', '60'], 'state': 'present',
                               'labels': {'dockerapi.test': unique}},
             'environment': {'DOCKER_CONFIG': str(tmp / 'cfg')}, 'register': 'created'},
            must('created is changed'),
        ]
        play = [{'name': 'container pull with login credentials', 'hosts': 'localhost', 'connection': 'local', 'gather_facts': False,
                 'module_defaults': {'group/dockerapi.engine.engine': daemon_connection(daemon)},
                 'environment': cli_environment(daemon),
                 'tasks': [{'block': tasks, 'always': [
                     {'ansible.builtin.command': 'docker rm -f %s' % unique, 'failed_when': False, 'changed_when': False},
                     {'ansible.builtin.command': 'docker image rm %s:latest' % repo, 'failed_when': False, 'changed_when': False},
                 ]}]}]
        (tmp / 'play.yml').write_text(json.dumps(play))
        (tmp / 'vars.json').write_text(json.dumps({'reg_user': registry['username'], 'reg_password': registry['password']}))
        proc = subprocess.run([str(BIN / 'ansible-playbook'), '-vvv', str(tmp / 'play.yml'), '-e', '@' + str(tmp / 'vars.json')],
                              env=ansible_env(), capture_output=True, text=True, timeout=300, check=False)
    output = proc.stdout + '\n' + proc.stderr
    assert proc.returncode == 0, output[-12000:]
    assert registry['password'] not in output
