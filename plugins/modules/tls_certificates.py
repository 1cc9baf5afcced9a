#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: tls_certificates
short_description: Keep a small CA and issue dockerd server and client certificates on the controller
version_added: 1.0.0
description:
  - Keeps a certificate authority in two files (O(ca_cert), O(ca_key)). It is created when both files are absent
    and O(ca_create=true); it is B(never) created again over an existing or incomplete CA, and never renewed; an
    expiring CA is reported as a warning, an expired one as a failure.
  - With O(kind=server) or O(kind=client), also keeps one certificate bundle in the directory O(dest) (C(ca.pem),
    C(cert.pem) and C(key.pem)), the layout of E(DOCKER_CERT_PATH) and of dockerd's C(--tlscacert), C(--tlscert)
    and C(--tlskey).
  - A server certificate carries the extended key usage C(serverAuth) and every name in O(subject_alt_names) as a
    DNS or IP subject alternative name (clients check the name they dial against that list, never against the
    common name). A client certificate carries C(clientAuth).
  - The bundle is issued again, with a new key, only when it is missing or unreadable, its key does not match, it
    is not signed by the CA, its names, usage, common name or key type differ from the request, or it expires within
    O(renew_days). Otherwise nothing is written and the task reports no change.
  - Keys are written with mode C(0600) through a temporary file renamed over the target; existing key files readable
    by group or others lose those permissions.
  - "Runs where the task runs and needs the Python library C(cryptography), which ansible-core requires. Run it on
    the controller (C(delegate_to: localhost)) so that the CA key never leaves it."
  - This module does not talk to a Docker daemon. It is therefore B(not) in the C(dockerapi.engine.engine) action
    group, and C(module_defaults) for that group (which set the connection options) do not apply to it.
author:
  - dockerapi.engine team (@dockerapi)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
attributes:
  check_mode:
    support: full
    details:
      - In check mode nothing is written; the result says what would be created or issued, and why.
  diff_mode:
    support: full
    details:
      - The diff shows the CA and the certificate (common name, names, serial, end of validity) before and after.
  platform:
    platforms: posix
options:
  ca_cert:
    description: The CA certificate (PEM). Created with O(ca_key) when both are absent and O(ca_create=true).
    type: path
    required: true
  ca_key:
    description: The CA private key (PEM). Keep it on the controller only.
    type: path
    required: true
  ca_passphrase:
    description:
      - Passphrase of an encrypted O(ca_key). A CA created by this module with a passphrase gets its key encrypted
        with it.
    type: str
  ca_create:
    description:
      - Create the CA when both O(ca_cert) and O(ca_key) are absent.
      - Set to V(false) to bring your own CA; the task then fails when the files are not there instead of making a
        new CA.
    type: bool
    default: true
  ca_common_name:
    description: The common name of a CA created by this module.
    type: str
    default: dockerapi.engine CA
  ca_days:
    description: Days of validity of a CA created by this module. An existing CA is never changed.
    type: int
    default: 3650
  kind:
    description:
      - V(ca) only ensures the CA. V(server) and V(client) also ensure the bundle in O(dest).
    type: str
    choices: [ca, server, client]
    default: ca
  dest:
    description: The directory of the bundle (C(ca.pem), C(cert.pem), C(key.pem)); created with mode C(0700).
    type: path
  common_name:
    description:
      - The subject common name of the certificate.
      - Defaults to the first of O(subject_alt_names) for a server, and to the last part of O(dest) for a client.
    type: str
  subject_alt_names:
    description:
      - For O(kind=server), required - every DNS name and IP address clients use to reach the daemon, for example
        its inventory name, its FQDN, its addresses, a load balancer's name, C(localhost) and C(127.0.0.1).
      - Bare names and addresses, or C(DNS:name) and C(IP:address). The "any" addresses C(0.0.0.0) and C(::) are
        refused.
      - The order does not matter; the certificate is issued again when the set changes.
    type: list
    elements: str
    aliases: [names]
  days:
    description: Days of validity of a newly issued certificate (cut to the CA's end of validity). Must exceed O(renew_days).
    type: int
    default: 365
  renew_days:
    description: Issue the certificate again when it expires within this many days. Also warns about a CA that does.
    type: int
    default: 30
  key_type:
    description:
      - Key of a new CA or certificate - V(ecdsa) (P-256) or V(rsa) (2048 bits).
      - A bundle whose key is of the other type is issued again.
    type: str
    choices: [ecdsa, rsa]
    default: ecdsa
  force:
    description: Issue the certificate again even when it is fine (the CA is never forced).
    type: bool
    default: false
notes:
  - The role P(dockerapi.engine.remote_api#role) uses this module to keep the CA, one server bundle per host and the
    client bundles. See R(the remote API guide, ansible_collections.dockerapi.engine.docsite.guide_remote_api).
seealso:
  - module: dockerapi.engine.host_info
"""

EXAMPLES = r"""
- name: A CA on the controller (created once)
  dockerapi.engine.tls_certificates:
    ca_cert: "{{ playbook_dir }}/pki/ca/ca.pem"
    ca_key: "{{ playbook_dir }}/pki/ca/ca-key.pem"
  delegate_to: localhost
  run_once: true

- name: A server bundle for each docker host, with every name clients use
  dockerapi.engine.tls_certificates:
    ca_cert: "{{ playbook_dir }}/pki/ca/ca.pem"
    ca_key: "{{ playbook_dir }}/pki/ca/ca-key.pem"
    kind: server
    dest: "{{ playbook_dir }}/pki/servers/{{ inventory_hostname }}"
    subject_alt_names:
      - "{{ inventory_hostname }}"
      - "{{ ansible_fqdn }}"
      - "{{ ansible_default_ipv4.address }}"
    renew_days: 30
  delegate_to: localhost

- name: A client bundle usable with DOCKER_CERT_PATH
  dockerapi.engine.tls_certificates:
    ca_cert: "{{ playbook_dir }}/pki/ca/ca.pem"
    ca_key: "{{ playbook_dir }}/pki/ca/ca-key.pem"
    kind: client
    dest: "{{ playbook_dir }}/pki/clients/ci"
    days: 90
  delegate_to: localhost
  run_once: true

- name: With your own CA (fail rather than create one)
  dockerapi.engine.tls_certificates:
    ca_cert: /srv/pki/docker-ca.pem
    ca_key: /srv/pki/docker-ca.key
    ca_passphrase: "{{ vault_docker_ca_passphrase }}"
    ca_create: false
    kind: client
    dest: /srv/pki/clients/deploy
  delegate_to: localhost
"""

RETURN = r"""
ca:
  description: The CA.
  returned: success
  type: dict
  contains:
    cert_path:
      description: Path of the CA certificate.
      type: str
    key_path:
      description: Path of the CA key.
      type: str
    created:
      description: Whether this task created the CA.
      type: bool
    common_name:
      description: Subject common name.
      type: str
    serial:
      description: Serial number, in hexadecimal.
      type: str
    not_after:
      description: End of validity (UTC, ISO 8601).
      type: str
    expires_in_days:
      description: Whole days of validity left.
      type: int
    fingerprint_sha256:
      description: SHA-256 fingerprint of the certificate.
      type: str
  sample: {"cert_path": "/home/me/pki/ca/ca.pem", "key_path": "/home/me/pki/ca/ca-key.pem", "created": false,
           "common_name": "dockerapi.engine CA", "serial": "5b2c...", "not_after": "2036-01-01T10:00:00Z",
           "expires_in_days": 3649}
certificate:
  description: The bundle in O(dest) (after the task).
  returned: when O(kind) is V(server) or V(client)
  type: dict
  contains:
    kind:
      description: V(server) or V(client).
      type: str
    path:
      description: The bundle directory.
      type: str
    cert_path:
      description: Path of C(cert.pem).
      type: str
    key_path:
      description: Path of C(key.pem).
      type: str
    ca_path:
      description: Path of C(ca.pem).
      type: str
    issued:
      description: Whether the certificate was (or, in check mode, would be) issued by this task.
      type: bool
    reasons:
      description: Why it was issued; empty when the existing one was kept.
      type: list
      elements: str
    common_name:
      description: Subject common name.
      type: str
    subject_alt_names:
      description: The names in the certificate, as C(DNS:name) and C(IP:address).
      type: list
      elements: str
    extended_key_usage:
      description: C(serverAuth) or C(clientAuth).
      type: list
      elements: str
    serial:
      description: Serial number in hexadecimal (V((new)) in check mode when it would be issued).
      type: str
    not_after:
      description: End of validity (UTC, ISO 8601).
      type: str
    expires_in_days:
      description: Whole days of validity left.
      type: int
  sample: {"kind": "server", "path": "/home/me/pki/servers/docker1", "issued": true,
           "reasons": ["expires on 2026-12-01T10:00:00Z, within renew_days (30)"],
           "subject_alt_names": ["DNS:docker1", "DNS:docker1.example.org", "IP:192.0.2.10"],
           "extended_key_usage": ["serverAuth"], "expires_in_days": 364}
modes_fixed:
  description: Key files whose group or other permissions were taken away.
  returned: when any
  type: list
  elements: str
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._pki import service
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_local_module

SERVICE = service
ARGUMENT_SPEC = {
    'ca_cert': {'type': 'path', 'required': True},
    'ca_key': {'type': 'path', 'required': True, 'no_log': False},
    'ca_passphrase': {'type': 'str', 'no_log': True},
    'ca_create': {'type': 'bool', 'default': True},
    'ca_common_name': {'type': 'str', 'default': 'dockerapi.engine CA'},
    'ca_days': {'type': 'int', 'default': 3650},
    'kind': {'type': 'str', 'choices': ['ca', 'server', 'client'], 'default': 'ca'},
    'dest': {'type': 'path'},
    'common_name': {'type': 'str'},
    'subject_alt_names': {'type': 'list', 'elements': 'str', 'aliases': ['names']},
    'days': {'type': 'int', 'default': 365},
    'renew_days': {'type': 'int', 'default': 30},
    'key_type': {'type': 'str', 'choices': ['ecdsa', 'rsa'], 'default': 'ecdsa'},
    'force': {'type': 'bool', 'default': False},
}


def main() -> None:
    # No daemon, no EngineClient: the runner's local entry adds no connection options (this module has none).
    run_local_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
