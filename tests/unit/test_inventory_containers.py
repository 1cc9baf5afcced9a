"""Pure logic of the inventory plugin dockerapi.engine.containers, and its parse() with the engines faked."""

from __future__ import annotations

import typing as t

import pytest
from ansible.errors import AnsibleError, AnsibleParserError
from ansible.inventory.data import InventoryData
from ansible.parsing.dataloader import DataLoader

from ansible_collections.dockerapi.engine.plugins.inventory import containers as inv

try:
    from ansible.template import trust_as_template  # ansible-core 2.19+: templates from the config file are trusted
except ImportError:  # older ansible-core: every string is a template
    def trust_as_template(value):
        return value
from ansible_collections.dockerapi.engine.plugins.module_utils._connection import resolve_settings

TLS = {'docker_host': 'tcp://127.0.0.1:22376', 'ca_path': '/pki/ca.pem', 'client_cert': '/pki/cert.pem',
       'client_key': '/pki/key.pem'}


def _inspect(name: str, cid: str, running: bool = True, labels: dict | None = None, image: str = 'busybox:latest',
             ports: dict | None = None) -> dict:
    return {
        'Id': cid, 'Name': '/' + name, 'Image': 'sha256:' + 'ab' * 32,
        'State': {'Status': 'running' if running else 'exited', 'Running': running},
        'Config': {'Image': image, 'Labels': labels or {}},
        'HostConfig': {'NetworkMode': 'bridge'},
        'NetworkSettings': {'Networks': {'bridge': {'IPAddress': '10.0.0.2' if running else '', 'MacAddress': 'm'}},
                            'Ports': ports or {}},
    }


# ---- engines -----------------------------------------------------------------------------------------------


def test_single_engine_form_uses_the_top_level_options():
    engines = inv.parse_engines(None, dict(TLS, tls_hostname='h'))
    assert [(e.name, e.options['docker_host'], e.options['tls_hostname']) for e in engines] == [
        ('default', TLS['docker_host'], 'h')]


def test_engines_inherit_top_level_settings_and_take_aliases():
    top = {'ca_path': '/pki/ca.pem', 'timeout': 30, 'tls_hostname': None}
    engines = inv.parse_engines([
        {'name': 'eu1', 'docker_url': 'tcp://eu1:2376', 'tls_verify': 'yes', 'cert_path': '~/c.pem', 'key_path': '/k.pem'},
        {'name': 'local', 'docker_host': 'unix:///run/docker.sock', 'timeout': '5', 'default_ip': '192.0.2.1'},
    ], top)
    eu1, local = engines
    assert eu1.options['docker_host'] == 'tcp://eu1:2376' and eu1.options['validate_certs'] is True
    assert eu1.options['client_cert'].endswith('/c.pem') and not eu1.options['client_cert'].startswith('~')
    assert eu1.options['ca_path'] == '/pki/ca.pem' and eu1.options['timeout'] == 30
    assert local.options['timeout'] == 5 and local.default_ip == '192.0.2.1'


@pytest.mark.parametrize('entries, top, message', [
    ([{'name': 'a', 'docker_hots': 'x'}], {}, "engines[0] has an unknown key 'docker_hots'. Known keys:"),
    ([{'docker_host': 'unix:///x'}], {}, 'engines[0] has no name'),
    ([{'name': 'a b'}], {}, "engines[0].name 'a b' may hold only letters"),
    ([{'name': 'a'}, {'name': 'a'}], {}, "engine name 'a' is used twice"),
    ([{'name': 'a', 'docker_host': 'unix:///x', 'context': 'c'}], {}, "engine 'a' sets both docker_host and context"),
    ([{'name': 'a'}], {'docker_host': 'unix:///x'}, 'The top-level docker_host names one engine'),
    ([{'name': 'a', 'tls': 'maybe'}], {}, 'engines[0].tls must be a boolean'),
    ([{'name': 'a', 'timeout': 'soon'}], {}, 'engines[0].timeout must be a whole number'),
    ([{'name': 'a', 'docker_host': ['x']}], {}, 'engines[0].docker_host must be a string'),
    (['a'], {}, 'engines[0] must be a dictionary'),
    ([], {}, 'engines must be a non-empty list'),
    ({'a': {}}, {}, 'engines must be a non-empty list'),
])
def test_bad_engines_fail_with_the_fix(entries, top, message):
    with pytest.raises(AnsibleParserError) as caught:
        inv.parse_engines(entries, top)
    assert message in str(caught.value)


def test_single_engine_docker_host_and_context_exclusive():
    with pytest.raises(AnsibleParserError, match='mutually exclusive'):
        inv.parse_engines(None, {'docker_host': 'unix:///x', 'context': 'c'})


# ---- host names ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize('mode, count, expected', [
    ('auto', 1, False), ('auto', 2, True), ('always', 1, True), ('never', 3, False)])
def test_uses_prefix(mode, count, expected):
    assert inv.uses_prefix(mode, count) is expected


def test_same_container_name_on_two_engines_gives_two_hosts():
    items = [('d20', _inspect('web', 'a' * 64)), ('d28', _inspect('web', 'b' * 64))]
    assert [h for h, dummy, dummy2 in inv.assign_host_names(items, prefix=True)] == ['d20-web', 'd28-web']


def test_clash_without_prefix_names_both_engines():
    items = [('d20', _inspect('web', 'a' * 64)), ('d28', _inspect('web', 'b' * 64))]
    with pytest.raises(AnsibleParserError) as caught:
        inv.assign_host_names(items, prefix=False)
    text = str(caught.value)
    assert "'web' on engine 'd20'" in text and "'web' on engine 'd28'" in text and 'engine_prefix' in text


def test_ambiguous_engine_names_clash_is_caught():
    items = [('a-b', _inspect('c', 'a' * 64)), ('a', _inspect('b-c', 'b' * 64))]
    with pytest.raises(AnsibleParserError, match='rename one of the engines'):
        inv.assign_host_names(items, prefix=True)


def test_container_without_name_uses_short_id():
    assert inv.container_name({'Id': 'f' * 64, 'Name': ''}) == 'f' * 13


# ---- facts and connection variables -------------------------------------------------------------------------


def test_container_facts():
    facts = inv.container_facts('eu1', _inspect('web', 'c' * 64, labels={'role': 'web', 'com.docker.stack.namespace': 's'}))
    assert facts['docker_name'] == 'web' and facts['docker_short_id'] == 'c' * 13 and facts['docker_id'] == 'c' * 64
    assert facts['docker_image_name'] == 'busybox:latest' and facts['docker_image'].startswith('sha256:')
    assert facts['docker_status'] == 'running' and facts['docker_running'] is True
    assert facts['docker_state'] == {'Status': 'running', 'Running': True}
    assert facts['docker_labels']['role'] == 'web' and facts['docker_engine'] == 'eu1' and facts['docker_stack'] == 's'
    assert facts['docker_networks']['bridge']['IPAddress'] == '10.0.0.2' and facts['docker_ip'] == '10.0.0.2'
    assert 'docker_service' not in facts


def test_inspect_facts_as_community_docker_names_them():
    assert inv.inspect_facts({'HostConfig': 1, 'NetworkSettings': 2, 'Id': 3}) == {
        'docker_hostconfig': 1, 'docker_networksettings': 2, 'docker_id': 3}


def test_api_connection_vars_for_tls_never_hold_the_passphrase():
    settings = resolve_settings(dict(TLS, client_key_passphrase='secret', api_version='1.43'), {})
    result = inv.api_connection_vars(settings, {'timeout': 20})
    assert result == {
        'ansible_docker_docker_host': TLS['docker_host'], 'ansible_docker_tls': True, 'ansible_docker_validate_certs': True,
        'ansible_docker_ca_path': '/pki/ca.pem', 'ansible_docker_client_cert': '/pki/cert.pem',
        'ansible_docker_client_key': '/pki/key.pem', 'ansible_docker_api_version': '1.43', 'ansible_docker_timeout': 20}
    assert 'secret' not in repr(result)


def test_api_connection_vars_for_unix_and_plain_loopback():
    assert inv.api_connection_vars(resolve_settings({'docker_host': 'unix:///s.sock'}, {}), {}) == {
        'ansible_docker_docker_host': 'unix:///s.sock'}
    # An explicit tls: false keeps DOCKER_TLS_VERIFY in the play's environment from turning TLS on.
    assert inv.api_connection_vars(resolve_settings({'docker_host': 'tcp://127.0.0.1:2375'}, {}), {}) == {
        'ansible_docker_docker_host': 'tcp://127.0.0.1:2375', 'ansible_docker_tls': False}


def test_cli_extra_args():
    settings = resolve_settings(TLS, {})
    assert inv.cli_extra_args(settings, 'e') == (
        '-H tcp://127.0.0.1:22376 --tlsverify --tlscacert /pki/ca.pem --tlscert /pki/cert.pem --tlskey /pki/key.pem')
    with pytest.raises(AnsibleParserError, match='splits at spaces'):
        inv.cli_extra_args(resolve_settings(dict(TLS, ca_path='/my pki/ca.pem'), {}), 'e')


@pytest.mark.parametrize('ports, default_ip, expected', [
    ({'22/tcp': [{'HostIp': '0.0.0.0', 'HostPort': '2222'}]}, '127.0.0.1', ('127.0.0.1', 2222)),
    ({'22/tcp': [{'HostIp': '10.1.1.1', 'HostPort': '2200'}]}, '127.0.0.1', ('10.1.1.1', 2200)),
    ({'22/tcp': None}, '127.0.0.1', ('', 0)),
    ({}, 'x', ('', 0)),
])
def test_ssh_vars(ports, default_ip, expected):
    result = inv.ssh_vars(_inspect('s', 'd' * 64, ports=ports), 22, default_ip)
    assert (result['ansible_ssh_host'], result['ansible_ssh_port']) == expected


def test_legacy_groups():
    facts = inv.container_facts('e', _inspect('web', 'e' * 64, running=False, labels={'com.docker.swarm.service.name': 'svc'}))
    assert inv.legacy_groups(facts, 'unix:///s.sock') == [
        'e' * 64, 'web', 'e' * 13, 'image_busybox:latest', 'service_svc', 'unix:///s.sock', 'stopped']


# ---- include/exclude filters --------------------------------------------------------------------------------


def test_filters_first_true_condition_decides():
    def evaluate(value: t.Any) -> bool:
        return bool(value)
    assert inv.evaluate_filters([{'include': False}, {'exclude': True}], evaluate) is False
    assert inv.evaluate_filters([{'include': True}, {'exclude': True}], evaluate) is True
    assert inv.evaluate_filters([{'exclude': False}], evaluate) is True
    assert inv.evaluate_filters([], evaluate) is True


@pytest.mark.parametrize('filters, message', [
    ('x', 'filters must be a list'),
    ([{'include': 'a', 'exclude': 'b'}], 'filters[0] must be a dictionary with exactly one key'),
    ([{'keep': 'a'}], "filters[0] has the key 'keep'"),
    ([{'include': 3}], 'filters[0].include must be a Jinja2 condition'),
])
def test_bad_filters(filters, message):
    with pytest.raises(AnsibleParserError) as caught:
        inv.check_filters(filters)
    assert message in str(caught.value)


def test_fingerprint_ignores_passphrase_but_not_hosts():
    one = inv.parse_engines([{'name': 'a', 'docker_host': 'unix:///x', 'client_key_passphrase': 'p1'}], {})
    two = inv.parse_engines([{'name': 'a', 'docker_host': 'unix:///x', 'client_key_passphrase': 'p2'}], {})
    three = inv.parse_engines([{'name': 'a', 'docker_host': 'unix:///y'}], {})
    assert inv.fingerprint(one, False, None) == inv.fingerprint(two, False, None)
    assert inv.fingerprint(one, False, None) != inv.fingerprint(three, False, None)
    assert inv.fingerprint(one, False, None) != inv.fingerprint(one, True, None)


# ---- parse() with the engines faked -------------------------------------------------------------------------

DEFAULTS = {
    'plugin': 'dockerapi.engine.containers', 'engines': None, 'docker_host': None, 'context': None, 'tls': None,
    'validate_certs': None, 'ca_path': None, 'client_cert': None, 'client_key': None, 'client_key_passphrase': None,
    'tls_hostname': None, 'api_version': None, 'timeout': None, 'allow_insecure_tcp': None, 'use_ssh_client': None,
    'debug': False, 'connection_type': 'docker-api', 'configure_docker_daemon': True, 'verbose_output': False,
    'default_ip': '127.0.0.1', 'private_ssh_port': 22, 'add_legacy_groups': False, 'running_only': False,
    'containers_filters': None, 'filters': [], 'engine_prefix': 'auto', 'unreachable_engines': 'warn',
    'strict': False, 'compose': {}, 'groups': {}, 'keyed_groups': [], 'leading_separator': True, 'use_extra_vars': False,
    'cache': False, 'cache_plugin': 'memory', 'cache_timeout': 3600, 'cache_connection': None, 'cache_prefix': 'x',
}


class FakeEngines:
    """fetch_engines stand-in: canned answers per engine name, and the calls."""

    def __init__(self, answers: dict[str, t.Any]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, targets, running_only, containers_filters):
        self.calls.append([name for name, dummy in targets])
        return {name: self.answers[name] for name, dummy in targets}


def _trusted(value: t.Any) -> t.Any:
    """As the loader gives the inventory file's content (trusted_as_template=True)."""
    if isinstance(value, str):
        return trust_as_template(value)
    if isinstance(value, dict):
        return {k: _trusted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_trusted(v) for v in value]
    return value


def _parse(monkeypatch, options: dict, answers: dict, cache: dict | None = None, use_cache: bool = True):
    plugin = inv.InventoryModule()
    values = _trusted(dict(DEFAULTS, **options))
    fake = FakeEngines(answers)
    monkeypatch.setattr(inv, 'fetch_engines', fake)

    def read_config(path):
        plugin._options = dict(values)  # pylint: disable=protected-access
        return values
    monkeypatch.setattr(plugin, '_read_config_data', read_config)
    if cache is not None:
        plugin._cache = cache  # pylint: disable=protected-access
    inventory = InventoryData()
    plugin.parse(inventory, DataLoader(), '/nowhere/test.containers.yml', cache=use_cache)
    return inventory, fake


def _vars(inventory: InventoryData, host: str) -> dict:
    return inventory.get_host(host).get_vars()


ENGINES = [{'name': 'd20', 'docker_host': 'unix:///d20.sock'}, dict(TLS, name='tls')]
ANSWERS = {
    'd20': {'containers': [_inspect('web', '1' * 64, labels={'role': 'web'}), _inspect('old', '2' * 64, running=False)]},
    'tls': {'containers': [_inspect('web', '3' * 64, labels={'role': 'web', 'evil': '{{ lookup("pipe", "id") }}'})]},
}


def test_parse_two_engines(monkeypatch):
    inventory, dummy = _parse(monkeypatch, {
        'engines': ENGINES,
        'keyed_groups': [{'key': 'docker_labels.role', 'prefix': 'role'}, {'key': 'docker_engine', 'prefix': 'engine'}],
        'groups': {'down': 'not docker_running'},
        'compose': {'net_mode': 'docker_hostconfig.NetworkMode', 'evil': 'docker_labels.evil'},
    }, ANSWERS)
    assert sorted(inventory.hosts) == ['d20-old', 'd20-web', 'tls-web']
    assert sorted(h.name for h in inventory.groups['role_web'].get_hosts()) == ['d20-web', 'tls-web']
    assert [h.name for h in inventory.groups['engine_tls'].get_hosts()] == ['tls-web']
    assert [h.name for h in inventory.groups['down'].get_hosts()] == ['d20-old']
    tls_web = _vars(inventory, 'tls-web')
    assert tls_web['ansible_connection'] == 'dockerapi.engine.engine_api' and tls_web['ansible_host'] == '3' * 64
    assert tls_web['ansible_docker_ca_path'] == '/pki/ca.pem' and tls_web['net_mode'] == 'bridge'
    assert tls_web['evil'] == '{{ lookup("pipe", "id") }}'
    assert 'docker_hostconfig' not in tls_web
    assert _vars(inventory, 'd20-web')['ansible_docker_docker_host'] == 'unix:///d20.sock'


def test_parse_filters_verbose_running_only_ssh(monkeypatch):
    ports = {'22/tcp': [{'HostIp': '0.0.0.0', 'HostPort': '2022'}]}
    answers = {'default': {'containers': [_inspect('a1', '4' * 64, ports=ports), _inspect('b1', '5' * 64, labels={'keep': ''})]}}
    inventory, dummy = _parse(monkeypatch, {
        'docker_host': 'unix:///x.sock', 'verbose_output': True, 'connection_type': 'ssh', 'default_ip': '192.0.2.7',
        'filters': [{'include': 'inventory_hostname.startswith("a")'}, {'include': '"keep" in docker_labels'}, {'exclude': True}],
    }, answers)
    assert sorted(inventory.hosts) == ['a1', 'b1']
    a1 = _vars(inventory, 'a1')
    assert (a1['ansible_ssh_host'], a1['ansible_ssh_port']) == ('192.0.2.7', 2022)
    assert 'ansible_connection' not in a1 and a1['docker_hostconfig'] == {'NetworkMode': 'bridge'}
    assert a1['docker_name'] == 'a1'  # not the inspection's "/a1"

    inventory, dummy = _parse(monkeypatch, {'docker_host': 'unix:///x.sock', 'filters': [{'exclude': 'docker_name == "b1"'}]}, answers)
    assert sorted(inventory.hosts) == ['a1']


def test_parse_legacy_groups(monkeypatch):
    inventory, dummy = _parse(monkeypatch, {'engines': ENGINES[:1], 'add_legacy_groups': True}, {'d20': ANSWERS['d20']})
    assert [h.name for h in inventory.groups['stopped'].get_hosts()] == ['old']
    assert [h.name for h in inventory.groups['unix:///d20.sock'].get_hosts()] == ['web', 'old']
    assert _vars(inventory, 'web')['docker_engine'] == 'd20'  # the group named like the host did not take its vars


def test_parse_unreachable_engine_warns_or_fails(monkeypatch):
    answers = {'d20': ANSWERS['d20'], 'tls': {'error': 'TLS handshake with 127.0.0.1:22376 failed.'}}
    inventory, dummy = _parse(monkeypatch, {'engines': ENGINES}, answers)
    assert sorted(inventory.hosts) == ['d20-old', 'd20-web']
    with pytest.raises(AnsibleError, match="engine 'tls' could not be listed: TLS handshake with 127.0.0.1:22376 failed. The"):
        _parse(monkeypatch, {'engines': ENGINES, 'unreachable_engines': 'fail'}, answers)


def test_parse_configuration_errors(monkeypatch):
    with pytest.raises(AnsibleParserError, match="engine 'far': Refusing plain TCP to 192.0.2.10:2375"):
        _parse(monkeypatch, {'engines': [{'name': 'far', 'docker_host': 'tcp://192.0.2.10:2375'}]}, {})
    with pytest.raises(AnsibleParserError, match='containers_filters: Filter'):
        _parse(monkeypatch, {'docker_host': 'unix:///x', 'containers_filters': {'label': [{'a': 'b'}]}}, {})
    with pytest.raises(AnsibleParserError, match="Two containers would both be the host 'web'"):
        _parse(monkeypatch, {'engines': ENGINES, 'engine_prefix': 'never'}, ANSWERS)


def test_parse_cache(monkeypatch):
    cache: dict = {}
    options = {'engines': ENGINES, 'cache': True}
    inventory, fake = _parse(monkeypatch, options, ANSWERS, cache=cache)
    assert fake.calls == [['d20', 'tls']] and len(cache) == 1
    inventory, fake = _parse(monkeypatch, options, {}, cache=cache)  # nothing to answer with: must come from the cache
    assert fake.calls == [] and sorted(inventory.hosts) == ['d20-old', 'd20-web', 'tls-web']
    # --flush-cache (cache=False from the inventory manager) asks the engines again
    inventory, fake = _parse(monkeypatch, options, ANSWERS, cache=cache, use_cache=False)
    assert fake.calls == [['d20', 'tls']]
    # another engine list is another question: the cached answer is not used
    inventory, fake = _parse(monkeypatch, dict(options, engines=ENGINES[:1]), {'d20': ANSWERS['d20']}, cache=cache)
    assert fake.calls == [['d20']]


def test_parse_does_not_cache_a_failed_engine(monkeypatch):
    cache: dict = {}
    _parse(monkeypatch, {'engines': ENGINES, 'cache': True}, {'d20': ANSWERS['d20'], 'tls': {'error': 'down'}}, cache=cache)
    assert not cache


# ---- contexts and ssh:// ------------------------------------------------------------------------------------


@pytest.fixture
def fake_contexts(monkeypatch):
    """Part B's context_connection_params(name, environ), faked: one context 'lab' with TLS material."""
    import sys
    import types
    from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError

    def context_connection_params(name, environ):
        if name == 'default':
            return {}
        if name != 'lab':
            raise ConfigurationError('docker context %r not found' % name)
        return {'docker_host': 'tcp://lab.example:2376', 'tls': True, 'validate_certs': True, 'ca_path': '/ctx/ca.pem',
                'client_cert': '/ctx/cert.pem', 'client_key': '/ctx/key.pem'}
    module = types.ModuleType('_dockercontext')
    module.context_connection_params = context_connection_params
    monkeypatch.setitem(sys.modules, 'ansible_collections.dockerapi.engine.plugins.module_utils._dockercontext', module)


def test_context_engine_entry_wins_then_context_then_top_level(fake_contexts):
    engines = inv.parse_engines([{'name': 'lab', 'context': 'lab', 'client_cert': '/mine/cert.pem', 'client_key': '/mine/key.pem'}],
                                {'ca_path': '/top/ca.pem', 'tls_hostname': 'lab.internal'})
    params = inv.engine_params(engines[0], {})
    assert params['docker_host'] == 'tcp://lab.example:2376'
    assert params['client_cert'] == '/mine/cert.pem' and params['client_key'] == '/mine/key.pem'  # the entry's own
    assert params['ca_path'] == '/ctx/ca.pem'  # the context's beats the top-level default
    assert params['tls_hostname'] == 'lab.internal'  # the context has none: the top-level default
    settings = resolve_settings(params, {})
    assert inv.api_connection_vars(settings, {})['ansible_docker_ca_path'] == '/ctx/ca.pem'


def test_missing_context_fails_naming_the_engine(monkeypatch, fake_contexts):
    with pytest.raises(AnsibleParserError, match="engine 'x': docker context 'nope' not found"):
        _parse(monkeypatch, {'engines': [{'name': 'x', 'context': 'nope'}]}, {})


def test_ssh_engine_passes_only_the_url():
    settings = resolve_settings({'docker_host': 'ssh://deploy@host.example:2222'}, {})
    assert inv.api_connection_vars(settings, {}) == {'ansible_docker_docker_host': 'ssh://deploy@host.example:2222'}


def test_engines_are_asked_in_parallel(monkeypatch):
    import threading
    import time
    active = []
    peak = []
    lock = threading.Lock()

    def slow_list(settings, running_only, containers_filters):
        with lock:
            active.append(1)
            peak.append(len(active))
        time.sleep(0.2)
        with lock:
            active.pop()
        if settings.address == '/e3.sock':
            raise ValueError('boom')
        return [_inspect('c', settings.address.strip('/')[:2] * 32)]
    monkeypatch.setattr(inv, 'list_containers', slow_list)
    targets = [('e%d' % i, resolve_settings({'docker_host': 'unix:///e%d.sock' % i}, {})) for i in range(10)]
    started = time.monotonic()
    result = inv.fetch_engines(targets, False, None)
    assert time.monotonic() - started < 1.0  # ten engines of 0.2 s each: about 0.2 s, not 2 s
    assert max(peak) == 10
    assert result['e3'] == {'error': 'ValueError: boom'}
    assert len(result['e1']['containers']) == 1


def test_default_context_is_docker_host_or_the_default_socket(fake_contexts):
    engine = inv.parse_engines([{'name': 'here', 'context': 'default'}], {})[0]
    assert inv.engine_params(engine, {})['docker_host'] == 'unix:///var/run/docker.sock'
    assert inv.engine_params(engine, {'DOCKER_HOST': 'unix:///x.sock'})['docker_host'] == 'unix:///x.sock'
