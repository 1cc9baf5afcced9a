#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: login
short_description: Log in to a Docker registry (or out of it) and keep the credentials in the docker CLI's config
version_added: 1.0.0
description:
  - Does what C(docker login) and C(docker logout) do, through the daemon. The counterpart of community.docker's
    C(docker_login), with its options and return value.
  - Validates the credentials with the registry through the daemon (C(POST /auth)), then stores them like
    C(docker login), so that later tasks (the image modules, C(container)'s pulls, builds) and the docker CLI use
    them without O(ignore:registry_auth) in the task.
  - "Where the credentials go: the credential helper the config names for the registry (C(credHelpers)) or for every
    registry (C(credsStore)), a program C(docker-credential-<name>) on E(PATH) (the config then holds an empty entry
    for the registry in C(auths)); otherwise the config's C(auths) entry, base64 of C(user:password) in C(auth)."
  - The config file is written atomically (a temporary file in the same directory, then renamed), with mode C(0600);
    every other key of the file is kept as it was.
  - Idempotent, V(changed) only when the stored credential changes. When the stored credential for the registry is
    already the task's user and password, the registry is not asked again unless O(reauthorize) is set.
  - In check mode the credentials are validated, but nothing is written.
  - A wrong password fails with the registry's message; the password never appears in the output.
author:
  - dockerapi.engine team (@dockerapi)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dockerapi.engine.connection
  - dockerapi.engine.attributes
attributes:
  check_mode:
    support: full
    details:
      - The credentials are validated with the registry, the config is not written.
  diff_mode:
    support: full
    details:
      - The diff shows the registry, whether it is logged in and the user name; never a secret.
options:
  registry_url:
    description:
      - The registry to log in to. Docker Hub is V(https://index.docker.io/v1/) (also spelt V(docker.io)); any other
        registry is its host and port, for example V(registry.example.org:5000).
      - Like the docker CLI, a scheme and a path are dropped (V(https://registry.example.org/v2/) is
        V(registry.example.org)); that is also the key of its entry in the config.
    type: str
    default: https://index.docker.io/v1/
    aliases: [registry, url]
  username:
    description:
      - The user name of the registry account. Required when O(state=present).
    type: str
  password:
    description:
      - The password (or access token) of the registry account. Required when O(state=present).
    type: str
  reauthorize:
    description:
      - Validate the credentials with the registry even when the config already holds the same ones.
    type: bool
    default: false
    aliases: [reauth]
  config_path:
    description:
      - The docker CLI's config file to read and write.
      - Unlike the docker CLI, E(DOCKER_CONFIG) does not change it (community.docker's rule); give
        V({{ lookup('env', 'DOCKER_CONFIG') }}/config.json) to follow it.
    type: path
    default: ~/.docker/config.json
    aliases: [dockercfg_path]
  state:
    description:
      - V(present) logs in and stores the credentials; V(absent) logs out, removing them from the config and
        erasing them from the credential helper when one is configured.
    type: str
    choices: [present, absent]
    default: present
notes:
  - Credentials in the config are used by every pull, push and build of this collection when the task gives no
    O(ignore:registry_auth). The lookup for a registry is the docker CLI's, C(credHelpers) then C(credsStore) then
    C(auths) (C(auth) or C(identitytoken)), in the file named by E(DOCKER_CONFIG) (C($DOCKER_CONFIG/config.json)) or
    C(~/.docker/config.json).
  - The config and the credential helpers are read and written on the host that runs the module, not where the
    daemon runs.
seealso:
  - module: dockerapi.engine.image
"""

EXAMPLES = r"""
- name: Log in to a private registry
  dockerapi.engine.login:
    registry_url: registry.example.org:5000
    username: deploy
    password: "{{ registry_password }}"

- name: Pull from it without credentials in the task
  dockerapi.engine.image:
    name: registry.example.org:5000/team/app:1.2

- name: Log in to Docker Hub with a config of its own
  dockerapi.engine.login:
    username: someone
    password: "{{ hub_token }}"
    config_path: /srv/deploy/.docker/config.json

- name: Log out
  dockerapi.engine.login:
    registry_url: registry.example.org:5000
    state: absent
"""

RETURN = r"""
login_result:
  description: The registry logged in to and the user.
  returned: when O(state=present)
  type: dict
  sample: {"serveraddress": "registry.example.org:5000", "username": "deploy", "status": "Login Succeeded"}
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._dockerconfig import DOCKER_HUB_KEY, login
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = login
ARGUMENT_SPEC = {
    'registry_url': {'type': 'str', 'default': DOCKER_HUB_KEY, 'aliases': ['registry', 'url']},
    'username': {'type': 'str'},
    'password': {'type': 'str', 'no_log': True},
    'reauthorize': {'type': 'bool', 'default': False, 'aliases': ['reauth']},
    'config_path': {'type': 'path', 'default': '~/.docker/config.json', 'aliases': ['dockercfg_path']},
    'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
}
MODULE_KWARGS = {'required_if': [('state', 'present', ('username', 'password'))]}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE, **MODULE_KWARGS)


if __name__ == '__main__':
    main()
