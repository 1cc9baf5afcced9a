"""roles/remote_api: the filters that parse listen addresses, dockerd's command line and PEM bundles,
and quote values for systemd (plugins/filter/remote_api.py)."""

from __future__ import annotations

import os

import pytest

from ansible_collections.dockerapi.engine.plugins.filter import remote_api as f


@pytest.mark.parametrize('entry, host, port, loopback', [
    ('tcp://0.0.0.0:2376', '0.0.0.0', 2376, False),
    ('tcp://127.0.0.1:2375', '127.0.0.1', 2375, True),
    ('tcp://127.8.9.10:2375', '127.8.9.10', 2375, True),
    ('tcp://localhost:2375', 'localhost', 2375, True),
    ('tcp://LocalHost:2375', 'LocalHost', 2375, True),
    ('tcp://[::1]:2375', '::1', 2375, True),
    ('tcp://[::]:2376', '::', 2376, False),
    ('tcp://[2001:db8::5]:2376', '2001:db8::5', 2376, False),
    ('tcp://192.0.2.10:2376', '192.0.2.10', 2376, False),
    ('tcp://docker1.example.org:2376', 'docker1.example.org', 2376, False),
    # A name is a name: only literal loopback addresses and "localhost" are loopback.
    ('tcp://127.attacker.example:2375', '127.attacker.example', 2375, False),
    ('tcp://localhost.attacker.example:2375', 'localhost.attacker.example', 2375, False),
    ('tcp://127.0.0.1.nip.io:2375', '127.0.0.1.nip.io', 2375, False),
])
def test_valid_listen_addresses(entry, host, port, loopback):
    parsed = f.parse_listen(entry)
    assert parsed['ok'], parsed
    assert (parsed['host'], parsed['port'], parsed['loopback']) == (host, port, loopback)
    assert parsed['url'] == entry


@pytest.mark.parametrize('entry, error', [
    ('tcp://0.0.0.0:2376\n', 'U+000A'),
    ('tcp://0.0.0.0:2376 --tls=false', 'U+0020'),
    ('tcp://0.0.0.0:2376\r', 'U+000D'),
    ('tcp://0.0.0.0:\t2376', 'U+0009'),
    (' tcp://0.0.0.0:2376', 'U+0020'),
    ('tcp://0.0.0.0:2376\x00', 'U+0000'),
    ('tcp://0.0.0.0:2376\u2028', 'U+2028'),
    ('0.0.0.0:2376', 'tcp://'),
    ('unix:///var/run/docker.sock', 'tcp://'),
    ('TCP://0.0.0.0:2376', 'tcp://'),
    ('tcp://:2376', 'no ADDRESS:PORT'),
    ('tcp://0.0.0.0', 'no ADDRESS:PORT'),
    ('tcp://0.0.0.0:', 'port'),
    ('tcp://0.0.0.0:0', 'port'),
    ('tcp://0.0.0.0:65536', 'port'),
    ('tcp://0.0.0.0:+80', 'port'),
    ('tcp://0.0.0.0:2376/path', 'path'),
    ('tcp://user@0.0.0.0:2376', 'user'),
    ('tcp://999.0.0.1:2376', 'not an IPv4 address'),
    ('tcp://::1:2376', 'without brackets'),
    ('tcp://[::1:2376', 'IPV6'),
    ('tcp://[nope]:2376', 'not an IPv6 address'),
    ('tcp://-bad.example:2376', 'neither an IP address nor a host name'),
    ('tcp://bad_name.example:2376', 'neither an IP address nor a host name'),
    ('tcp://a"b:2376', 'neither an IP address nor a host name'),
    ('tcp://%n:2376', 'neither an IP address nor a host name'),
    ('tcp://$HOST:2376', 'neither an IP address nor a host name'),
    (2376, 'not a string'),
    (None, 'not a string'),
])
def test_invalid_listen_addresses(entry, error):
    parsed = f.parse_listen(entry)
    assert not parsed['ok']
    assert error in parsed['error']


def test_listen_list_and_port():
    assert [p['ok'] for p in f.remote_api_listen(['tcp://0.0.0.0:2376', 'x'])] == [True, False]
    assert not f.remote_api_listen('tcp://0.0.0.0:2376')[0]['ok']
    assert f.remote_api_listen_port(['tcp://10.0.0.5:12376', 'tcp://0.0.0.0:2376']) == 12376
    assert f.remote_api_listen_port(['bad', 'tcp://[::]:3000']) == 3000
    assert f.remote_api_listen_port(['bad']) == 2376
    assert f.remote_api_listen_port(None) == 2376


def systemd_split(line):
    """What systemd makes of an ExecStart line, for the rules this role relies on: words split on spaces,
    double quotes with C escapes (\\n, \\t, \\xNN, \\uNNNN, \\\\, \\"), %% and $$ for a literal % and $.
    A line break ends the line (here: an error)."""
    assert '\n' not in line and '\r' not in line
    words, i = [], 0
    while i < len(line):
        if line[i] == ' ':
            i += 1
            continue
        word = ''
        if line[i] == '"':
            i += 1
            while line[i] != '"':
                if line[i] == '\\':
                    nxt = line[i + 1]
                    if nxt == 'x':
                        word, i = word + chr(int(line[i + 2:i + 4], 16)), i + 4
                    elif nxt == 'u':
                        word, i = word + chr(int(line[i + 2:i + 6], 16)), i + 6
                    else:
                        word, i = word + {'n': '\n', 't': '\t'}.get(nxt, nxt), i + 2
                else:
                    word, i = word + line[i], i + 1
            i += 1
            assert i == len(line) or line[i] == ' ', 'a quoted word must end at a space'
        else:
            while i < len(line) and line[i] != ' ':
                assert line[i] not in '"\\\'', line
                word, i = word + line[i], i + 1
        assert '%' not in word.replace('%%', ''), word
        assert '$' not in word.replace('$$', ''), word
        words.append(word.replace('%%', '%').replace('$$', '$'))
    return words


@pytest.mark.parametrize('value, rendered', [
    ('--tlsverify', '--tlsverify'),
    ('tcp://0.0.0.0:2376', 'tcp://0.0.0.0:2376'),
    ('tcp://[::1]:2376', 'tcp://[::1]:2376'),
    ('--tlscacert=/etc/docker/remote-api/ca.pem', '--tlscacert=/etc/docker/remote-api/ca.pem'),
    ('/a dir/ca.pem', '"/a dir/ca.pem"'),
    ('100%', '100%%'),
    ('$HOME', '$$HOME'),
    ('a"b', '"a\\"b"'),
    ('a\\b', '"a\\\\b"'),
    ('x\ny', '"x\\ny"'),
    (';', '";"'),
    ('', '""'),
])
def test_systemd_arg(value, rendered):
    assert f.remote_api_systemd_arg(value) == rendered


@pytest.mark.parametrize('value', ['tcp://0.0.0.0:2376\n--tlsverify=false', 'a b', "it's", '%h$USER\\"\t;', '\x01x', '\u2028', '100%'])
def test_systemd_arg_stays_one_word_on_one_line(value):
    rendered = f.remote_api_systemd_arg(value)
    assert '\n' not in rendered and '\r' not in rendered
    assert systemd_split('/usr/sbin/dockerd -H ' + rendered) == ['/usr/sbin/dockerd', '-H', value]


@pytest.mark.parametrize('argv, expected', [
    (['/usr/sbin/dockerd', '-H', 'fd://', '--containerd=/run/containerd/containerd.sock'],
     {'hosts': ['fd://'], 'tcp': [], 'tls': False, 'tlsverify': False, 'tlscacert': None}),
    (['/usr/sbin/dockerd', '-H', 'fd://', '-H', 'tcp://0.0.0.0:2376', '--tlsverify',
      '--tlscacert=/etc/docker/remote-api/ca.pem', '--tlscert=/c', '--tlskey=/k'],
     {'hosts': ['fd://', 'tcp://0.0.0.0:2376'], 'tcp': ['tcp://0.0.0.0:2376'], 'tls': True, 'tlsverify': True,
      'tlscacert': '/etc/docker/remote-api/ca.pem'}),
    (['dockerd', '-Htcp://0.0.0.0:2376', '--host=unix:///x.sock', '--tlsverify=true', '--tlscacert', '/pki/ca.pem'],
     {'hosts': ['tcp://0.0.0.0:2376', 'unix:///x.sock'], 'tcp': ['tcp://0.0.0.0:2376'], 'tls': True,
      'tlsverify': True, 'tlscacert': '/pki/ca.pem'}),
    (['dockerd', '-H=tcp://0.0.0.0:2376', '--tlsverify'],
     {'hosts': ['tcp://0.0.0.0:2376'], 'tcp': ['tcp://0.0.0.0:2376'], 'tls': True, 'tlsverify': True,
      'tlscacert': '/root/.docker/ca.pem'}),
    (['dockerd', '-H', 'tcp://0.0.0.0:2376', '--tls'],
     {'hosts': ['tcp://0.0.0.0:2376'], 'tcp': ['tcp://0.0.0.0:2376'], 'tls': True, 'tlsverify': False,
      'tlscacert': None}),
    (['dockerd', '--tlsverify=false', '-H', 'tcp://127.0.0.1:2375'],
     {'hosts': ['tcp://127.0.0.1:2375'], 'tcp': ['tcp://127.0.0.1:2375'], 'tls': False, 'tlsverify': False,
      'tlscacert': None}),
    ([], {'hosts': [], 'tcp': [], 'tls': False, 'tlsverify': False, 'tlscacert': None}),
])
def test_dockerd_tls(argv, expected):
    assert f.remote_api_dockerd_tls(argv) == expected


def test_dockerd_tls_from_daemon_json_when_flags_leave_it_out():
    served = f.remote_api_dockerd_tls(['dockerd'], {'hosts': ['tcp://0.0.0.0:2376'], 'tlsverify': True,
                                                    'tlscacert': '/etc/pki/ca.pem'})
    assert served['tlsverify'] and served['tlscacert'] == '/etc/pki/ca.pem' and served['tcp']
    served = f.remote_api_dockerd_tls(['dockerd', '--tlscacert=/flag.pem', '--tlsverify'], {'tlscacert': '/json.pem'})
    assert served['tlscacert'] == '/flag.pem'


PEM_A = '-----BEGIN CERTIFICATE-----\nMIIBAAA=\nQUJD\n-----END CERTIFICATE-----\n'
PEM_B = '-----BEGIN CERTIFICATE-----\r\nMIIBBBB=\r\n-----END CERTIFICATE-----\r\n'


def test_pem_certs():
    assert f.remote_api_pem_certs(PEM_A) == ['MIIBAAA=QUJD']
    assert f.remote_api_pem_certs(PEM_A + 'junk\n' + PEM_B) == ['MIIBAAA=QUJD', 'MIIBBBB=']
    assert f.remote_api_pem_certs('') == []
    assert f.remote_api_pem_certs(None) == []


def test_pem_bundle_keeps_each_certificate_once_in_order():
    long_body = 'A' * 100
    bundle = f.remote_api_pem_bundle(['MIIBBBB=', 'MIIBAAA=QUJD', 'MIIBBBB=', long_body])
    assert f.remote_api_pem_certs(bundle) == ['MIIBBBB=', 'MIIBAAA=QUJD', long_body]
    assert all(len(line) <= 64 for line in bundle.splitlines())
    # A rotation run after a rotation run: the same bundle (no change, no restart).
    again = f.remote_api_pem_bundle(f.remote_api_pem_certs(PEM_A) + f.remote_api_pem_certs(bundle))
    assert again == f.remote_api_pem_bundle(f.remote_api_pem_certs(PEM_A) + f.remote_api_pem_certs(again))
    assert f.remote_api_pem_bundle([]) == ''


@pytest.mark.parametrize('execstart, running, expected', [
    # Debian's docker.io and docker-ce's units keep socket activation.
    ('/usr/sbin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock $DOCKER_OPTS', [], 'keep'),
    ('/usr/bin/dockerd -H fd:// --containerd=/run/containerd/containerd.sock', [], 'keep'),
    ('/usr/sbin/dockerd -H unix:///var/run/docker.sock', [], 'keep'),
    ('/usr/sbin/dockerd --host=unix:///run/d.sock', [], 'keep'),
    # No -H: dockerd's default socket, which an added -H tcp:// would replace.
    ('/usr/sbin/dockerd', [], 'add'),
    ('/usr/sbin/dockerd --containerd=/run/containerd/containerd.sock', [], 'add'),
    # Variables might carry -H: the running daemon tells.
    ('/usr/bin/dockerd $OPTIONS', ['/usr/bin/dockerd', '-H', 'unix:///var/run/docker.sock'], 'keep'),
    ('/usr/bin/dockerd $OPTIONS', ['/usr/bin/dockerd'], 'unknown'),
    ('/usr/bin/dockerd ${OPTIONS}', ['/usr/bin/dockerd', '-H', 'tcp://0.0.0.0:2376'], 'unknown'),
])
def test_unix_socket(execstart, running, expected):
    assert f.remote_api_unix_socket(execstart, running) == expected


def test_filter_module_lists_every_filter():
    assert set(f.FilterModule().filters()) == {
        'remote_api_listen', 'remote_api_listen_port', 'remote_api_systemd_arg', 'remote_api_dockerd_tls',
        'remote_api_pem_certs', 'remote_api_pem_bundle', 'remote_api_unix_socket'}


@pytest.mark.parametrize('listen, url', [
    (['tcp://0.0.0.0:2376'], 'tcp://docker1.example.org:2376'),
    (['tcp://10.0.0.5:12376', 'tcp://127.0.0.1:2375'], 'tcp://docker1.example.org:12376'),
    (['tcp://[::]:3376'], 'tcp://docker1.example.org:3376'),
])
def test_default_client_url_follows_the_first_listen_port(listen, url):
    """defaults/main.yml: the controller dials the port dockerd listens on, not always 2376."""
    jinja2 = pytest.importorskip('jinja2')
    import yaml  # pylint: disable=import-outside-toplevel

    with open(os.path.join(os.path.dirname(__file__), '..', '..', '..', 'roles', 'remote_api', 'defaults', 'main.yml')) as fd:
        template = yaml.safe_load(fd)['remote_api_client_url']
    env = jinja2.Environment()
    env.filters['dockerapi.engine.remote_api_listen_port'] = f.remote_api_listen_port
    assert env.from_string(template).render(inventory_hostname='docker1.example.org', remote_api_listen=listen) == url


@pytest.mark.parametrize('name', sorted(f.FilterModule().filters()))
def test_every_filter_has_its_documentation(name):
    """ansible-doc -t filter reads plugins/filter/<name>.yml; its options and name must match the filter."""
    import yaml  # pylint: disable=import-outside-toplevel

    with open(os.path.join(os.path.dirname(f.__file__), name + '.yml')) as fd:
        doc = yaml.safe_load(fd)
    assert doc['DOCUMENTATION']['name'] == name
    assert '_input' in doc['DOCUMENTATION']['options']
    assert 'dockerapi.engine.' + name in doc['EXAMPLES']
    assert doc['RETURN']['_value']['type']
