"""dockerapi.engine.tls_certificates through ansible-core, as users run it (no daemon involved).

The PKI logic itself is unit-tested (tests/unit/plugins/module_utils/test_pki.py); this checks the
module's Ansible side: argument handling, check and diff mode, failures without tracebacks, and that
module_defaults of the engine action group do not reach it.
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import tempfile
from pathlib import Path

from conftest import BIN, ansible_env, run_module


def args(root: Path, **extra) -> dict:
    values = {'ca_cert': str(root / 'ca' / 'ca.pem'), 'ca_key': str(root / 'ca' / 'ca-key.pem')}
    values.update(extra)
    return values


def files(root: Path) -> dict:
    return {str(p): (p.read_bytes(), stat.S_IMODE(p.stat().st_mode)) for p in root.rglob('*') if p.is_file()}


def test_check_mode_diff_then_real_run_then_nothing(tmp_path):
    server = args(tmp_path, kind='server', dest=str(tmp_path / 'servers' / 'docker1'),
                  subject_alt_names=['docker1', 'docker1.example.org', '192.0.2.10'])

    checked = run_module('tls_certificates', server, check=True, diff=True)
    assert checked['changed'] and not checked['failed']
    assert checked['ca']['created'] and checked['certificate']['issued']
    assert checked['certificate']['serial'] == '(new)'
    assert not tmp_path.joinpath('ca').exists() and not tmp_path.joinpath('servers').exists()

    done = run_module('tls_certificates', server, diff=True)
    assert done['changed'] and not done['failed']
    assert done['certificate']['subject_alt_names'] == ['DNS:docker1', 'DNS:docker1.example.org', 'IP:192.0.2.10']
    assert done['certificate']['extended_key_usage'] == ['serverAuth']
    key = tmp_path / 'servers' / 'docker1' / 'key.pem'
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    before = files(tmp_path)

    again = run_module('tls_certificates', server, check=True, diff=True)
    assert not again['changed']
    again = run_module('tls_certificates', server)
    assert not again['changed'] and again['certificate']['serial'] == done['certificate']['serial']
    assert files(tmp_path) == before

    client = run_module('tls_certificates', args(tmp_path, kind='client', dest=str(tmp_path / 'clients' / 'ci'),
                                                 ca_create=False, days=90))
    assert client['changed'] and client['certificate']['extended_key_usage'] == ['clientAuth']
    assert client['certificate']['common_name'] == 'ci'
    assert client['ca']['serial'] == done['ca']['serial']


def test_user_errors_fail_cleanly_and_write_nothing(tmp_path):
    cases = [
        (args(tmp_path, kind='server', dest=str(tmp_path / 's')), 'needs subject_alt_names'),
        (args(tmp_path, kind='server', dest=str(tmp_path / 's'), subject_alt_names=['0.0.0.0']), '"any" address'),
        (args(tmp_path, kind='client', dest=str(tmp_path / 'c'), days=10, renew_days=30), 'greater than renew_days'),
        (args(tmp_path, ca_create=False), 'ca_create is false'),
        (args(tmp_path, kind='nope'), 'value of kind must be one of'),
    ]
    for module_args, needle in cases:
        result = run_module('tls_certificates', module_args)
        assert result['failed'], module_args
        assert needle in result['msg'], result['msg']
        assert 'exception' not in result
    assert list(tmp_path.iterdir()) == []


def test_incomplete_ca_is_refused_with_the_fix(tmp_path):
    assert run_module('tls_certificates', args(tmp_path))['changed']
    (tmp_path / 'ca' / 'ca-key.pem').unlink()
    kept = (tmp_path / 'ca' / 'ca.pem').read_bytes()
    result = run_module('tls_certificates', args(tmp_path, kind='client', dest=str(tmp_path / 'clients' / 'x')))
    assert result['failed'] and 'exception' not in result
    assert 'Refusing to create a new CA' in result['msg'] and 'backup' in result['msg']
    assert (tmp_path / 'ca' / 'ca.pem').read_bytes() == kept
    assert not (tmp_path / 'clients').exists()


def test_engine_module_defaults_do_not_reach_it_and_diff(tmp_path):
    """Not in the engine action group: defaults meant for the daemon modules must not be injected.

    Also the diff of a renewal, as a playbook registers it.
    """
    client = args(tmp_path, kind='client', dest=str(tmp_path / 'clients' / 'a'))
    play = [{
        'hosts': 'localhost',
        'connection': 'local',
        'gather_facts': False,
        'module_defaults': {'group/dockerapi.engine.engine': {'docker_host': 'tcp://192.0.2.1:2376', 'tls': True}},
        'tasks': [{
            'dockerapi.engine.tls_certificates': dict(client, days=20, renew_days=10),
            'register': 'first',
        }, {
            'dockerapi.engine.tls_certificates': dict(client, days=365, renew_days=30),
            'register': 'issued',
            'diff': True,
        }, {
            'ansible.builtin.copy': {'content': '{{ {"first": first, "issued": issued} | to_json }}',
                                     'dest': str(tmp_path / 'result.json')},
        }],
    }]
    with tempfile.TemporaryDirectory(prefix='dockerapi-pki-') as tmp:
        playbook = os.path.join(tmp, 'play.yml')
        Path(playbook).write_text(json.dumps(play))
        proc = subprocess.run([str(BIN / 'ansible-playbook'), playbook], env=ansible_env(), capture_output=True,
                              text=True, timeout=300, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    results = json.loads((tmp_path / 'result.json').read_text())
    first, issued = results['first'], results['issued']
    assert first['changed'] and issued['changed'] and issued['certificate']['issued']
    assert 'within renew_days (30)' in issued['certificate']['reasons'][0]
    assert issued['diff']['before']['certificate']['serial'] == first['certificate']['serial']
    assert issued['diff']['after']['certificate']['serial'] == issued['certificate']['serial']
    assert issued['ca']['serial'] == first['ca']['serial']
    assert (tmp_path / 'clients' / 'a' / 'cert.pem').exists()


def _verifies(cert_path: Path, ca_cert) -> bool:
    from cryptography import x509
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    try:
        cert.verify_directly_issued_by(ca_cert)
    except Exception:  # pylint: disable=broad-except  # InvalidSignature, ValueError, TypeError: not issued by it
        return False
    return True


def test_parallel_runs_create_one_ca_and_every_certificate_verifies(tmp_path):
    """Ten forks issue a server and a client bundle each against one empty PKI directory at the same moment.

    Without the PKI lock, a fork reading the CA between another's key and certificate writes fails with
    "The CA is incomplete", or two forks each create a CA and sign with their own.
    """
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    hosts = ['h%02d' % i for i in range(10)]
    pki = tmp_path / 'pki'
    results = tmp_path / 'results'
    results.mkdir()
    ca = {'ca_cert': str(pki / 'ca' / 'ca.pem'), 'ca_key': str(pki / 'ca' / 'ca-key.pem')}
    play = [{
        'hosts': 'fleet',
        'gather_facts': False,
        'tasks': [{
            'dockerapi.engine.tls_certificates': dict(ca, kind='server', dest=str(pki / 'servers') + '/{{ inventory_hostname }}',
                                                      subject_alt_names=['{{ inventory_hostname }}.test']),
            'register': 'server',
        }, {
            'dockerapi.engine.tls_certificates': dict(ca, kind='client', dest=str(pki / 'clients') + '/{{ inventory_hostname }}'),
            'register': 'client',
        }, {
            'ansible.builtin.copy': {'content': '{{ {"server": server, "client": client} | to_json }}',
                                     'dest': str(results) + '/{{ inventory_hostname }}.json'},
        }],
    }]
    inventory = {'fleet': {'hosts': {h: {'ansible_connection': 'local',
                                         'ansible_python_interpreter': '{{ ansible_playbook_python }}'} for h in hosts}}}
    playbook = tmp_path / 'play.yml'
    playbook.write_text(json.dumps(play))
    (tmp_path / 'inventory.json').write_text(json.dumps(inventory))
    proc = subprocess.run([str(BIN / 'ansible-playbook'), '-i', str(tmp_path / 'inventory.json'), '--forks', '10',
                           str(playbook)], env=ansible_env(), capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stdout[-6000:] + proc.stderr[-3000:]

    # Exactly one CA: two files (no temporary leftovers), one creator, the same certificate seen by all.
    assert sorted(p.name for p in (pki / 'ca').iterdir()) == ['ca-key.pem', 'ca.pem']
    ca_cert = x509.load_pem_x509_certificate((pki / 'ca' / 'ca.pem').read_bytes())
    ca_key = serialization.load_pem_private_key((pki / 'ca' / 'ca-key.pem').read_bytes(), password=None)
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    assert ca_key.public_key().public_bytes(*spki) == ca_cert.public_key().public_bytes(*spki)
    fingerprints, created = set(), 0
    for host in hosts:
        res = json.loads((results / ('%s.json' % host)).read_text())
        for kind in ('server', 'client'):
            assert not res[kind].get('failed'), res[kind]
            fingerprints.add(res[kind]['ca']['fingerprint_sha256'])
            created += bool(res[kind]['ca']['created'])
            bundle = pki / ('%ss' % kind) / host
            assert _verifies(bundle / 'cert.pem', ca_cert), (kind, host)
            assert (bundle / 'ca.pem').read_bytes() == (pki / 'ca' / 'ca.pem').read_bytes()
            leaf = x509.load_pem_x509_certificate((bundle / 'cert.pem').read_bytes())
            key = serialization.load_pem_private_key((bundle / 'key.pem').read_bytes(), password=None)
            assert key.public_key().public_bytes(*spki) == leaf.public_key().public_bytes(*spki), (kind, host)
    assert created == 1
    assert len(fingerprints) == 1
