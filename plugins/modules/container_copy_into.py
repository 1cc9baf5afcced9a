#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container_copy_into
short_description: Copy a file into a container
version_added: 1.0.0
description:
  - Copies one file into a container, running or stopped, like C(docker cp). The counterpart of community.docker's
    C(docker_container_copy_into), with its options and return value.
  - The file is sent as a tar archive built while it is sent (C(PUT /containers/{id}/archive)), so memory stays
    constant whatever the size of the file.
  - Idempotent. The module looks at what is at O(container_path) (C(HEAD /containers/{id}/archive)); when it is a
    regular file of the same size and mode, it reads the file back (C(GET /containers/{id}/archive), streamed) and
    compares owner, group and content (by hash) with what would be copied. See O(force).
author:
  - dockerapi.engine team (@dockerapi)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dockerapi.engine.connection
  - dockerapi.engine.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - With O(path), the diff shows the file's content before and after for text files up to 102 KiB (the file in the
        container is read for it); other files are named, not shown.
      - With O(content) (a C(no_log) option) the diff shows neither the content nor the file it replaces.
options:
  container:
    description:
      - The name or ID of the container to copy the file into.
    type: str
    required: true
  path:
    description:
      - The file to copy, on the host that runs the module.
      - Exactly one of O(path) and O(content) is required.
    type: path
  content:
    description:
      - The content of the file to write.
      - Exactly one of O(path) and O(content) is required.
      - It is not logged (C(no_log)).
    type: str
  content_is_b64:
    description:
      - O(content) is base64 of the bytes to write, for binary content.
    type: bool
    default: false
  container_path:
    description:
      - The absolute path of the file in the container. Its directory must exist.
    type: str
    required: true
  mode:
    description:
      - The permission bits of the file in the container, read as O(mode_parse) says.
      - By default those of the file at O(path), or V(0644) for O(content).
    type: raw
  mode_parse:
    description:
      - How O(mode) is read.
    type: str
    choices:
      legacy:
        - An integer as it is; a string as a B(decimal) number (V("0644") is 644, not octal 0644).
        - community.docker's default.
      modern:
        - An integer as it is; a string as an octal number, like M(ansible.builtin.copy) reads its mode.
      octal_string_only:
        - Only strings holding an octal number; anything else is refused.
    default: legacy
  owner_id:
    description:
      - The user ID that owns the file in the container.
      - When O(owner_id) or O(group_id) is not given, the missing one is that of the container's user, found out by
        running C(id -u) and C(id -g) with C(/bin/sh) in the container; that needs a running container with those
        tools, so give both to copy into a stopped container.
    type: int
  group_id:
    description:
      - The group ID that owns the file in the container. See O(owner_id).
    type: int
  force:
    description:
      - V(true) always writes the file, without looking at what is in the container.
      - V(false) writes it only when nothing exists at the destination; whatever is there is left alone.
      - Not set, the module is idempotent; it writes the file when the one in the container differs in type, size,
        mode, owner, group or content.
    type: bool
  follow:
    description:
      - When O(container_path) is a symbolic link in the container, write the file it points at (following every
        link) instead of replacing the link. RV(container_path) returns the path written.
    type: bool
    default: false
  local_follow:
    description:
      - When O(path) is a symbolic link, copy the file it points at; with V(false) the link itself is copied.
    type: bool
    default: true
notes:
  - O(path) is read on the host that runs the module (the controller when the task runs there through the
    C(local) connection).
  - A directory cannot be copied; O(container_path) must not be a directory in the container.
seealso:
  - module: dockerapi.engine.container_exec
"""

EXAMPLES = r"""
- name: Copy a configuration file into a container
  dockerapi.engine.container_copy_into:
    container: web
    path: files/nginx.conf
    container_path: /etc/nginx/nginx.conf
    owner_id: 0
    group_id: 0
    mode: "0644"
    mode_parse: modern

- name: Write a secret from a variable, never shown in the output
  dockerapi.engine.container_copy_into:
    container: app
    content: "{{ app_token }}"
    container_path: /run/secrets/token
    mode: "0400"
    mode_parse: modern
    owner_id: 1000
    group_id: 1000

- name: Seed a file only when it is not there yet
  dockerapi.engine.container_copy_into:
    container: db
    content: "{{ 'hello' | b64encode }}"
    content_is_b64: true
    container_path: /var/lib/seed
    force: false
"""

RETURN = r"""
container_path:
  description:
    - The path of the file in the container. It differs from O(container_path) only with O(follow=true), when
      O(container_path) is a symbolic link.
  returned: success
  type: str
  sample: /etc/nginx/nginx.conf
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._copy import copy_into_service
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = copy_into_service
ARGUMENT_SPEC = {
    'container': {'type': 'str', 'required': True},
    'path': {'type': 'path'},
    'content': {'type': 'str', 'no_log': True},
    'content_is_b64': {'type': 'bool', 'default': False},
    'container_path': {'type': 'str', 'required': True},
    'mode': {'type': 'raw'},
    'mode_parse': {'type': 'str', 'choices': ['legacy', 'modern', 'octal_string_only'], 'default': 'legacy'},
    'owner_id': {'type': 'int'},
    'group_id': {'type': 'int'},
    'force': {'type': 'bool'},
    'follow': {'type': 'bool', 'default': False},
    'local_follow': {'type': 'bool', 'default': True},
}
MODULE_KWARGS = {
    'mutually_exclusive': [('path', 'content')],
    'required_one_of': [('path', 'content')],
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE, **MODULE_KWARGS)


if __name__ == '__main__':
    main()
