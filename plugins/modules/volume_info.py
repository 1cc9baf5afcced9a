#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: volume_info
short_description: Information about one Docker volume, or a filtered list of them
version_added: 1.0.0
description:
  - With O(name), inspects that volume (C(GET /volumes/{name})) and says whether it exists.
  - Without it, lists the volumes (C(GET /volumes)), with the API's O(filters).
  - Never changes anything.
author:
  - dockerapi.engine team (@dockerapi)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dockerapi.engine.connection
  - dockerapi.engine.attributes
  - dockerapi.engine.attributes.info_module
options:
  name:
    description: The volume to inspect. A missing volume is not an error (RV(exists) is V(false)).
    type: str
    aliases: [volume_name]
  filters:
    description:
      - "Filters for the list, with the API's names: C(name) (a substring match), C(label) (V(key) or V(key=value)),
        C(driver), C(dangling) (V(true): not used by any container)."
      - "A value may be a string, a list, or a boolean; a dictionary value such as C({label: {env: prod}}) becomes
        V(env=prod). An unknown key fails with the daemon's message."
    type: dict
seealso:
  - module: dockerapi.engine.volume
"""

EXAMPLES = r"""
- name: Does the database volume exist?
  dockerapi.engine.volume_info:
    name: pgdata
  register: pgdata

- name: Show where its data lives
  ansible.builtin.debug:
    msg: "{{ pgdata.volume.Mountpoint if pgdata.exists else 'no volume' }}"

- name: Volumes of the shop that no container uses
  dockerapi.engine.volume_info:
    filters:
      label: app=shop
      dangling: true
  register: unused
"""

RETURN = r"""
exists:
  description: Whether the volume O(name) exists.
  returned: when O(name) is set
  type: bool
  sample: true
volume:
  description: The volume as C(GET /volumes/{name}) returns it; V(null) when it does not exist.
  returned: when O(name) is set
  type: dict
  sample: {"Name": "pgdata", "Driver": "local", "Mountpoint": "/var/lib/docker/volumes/pgdata/_data",
           "Labels": {"app": "shop"}, "Options": null, "Scope": "local", "CreatedAt": "2024-05-01T12:00:00Z"}
volumes:
  description: The volumes matching O(filters), as C(GET /volumes) returns them.
  returned: when O(name) is not set
  type: list
  elements: dict
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module
from ansible_collections.dockerapi.engine.plugins.module_utils._volumes import volume_info

SERVICE = volume_info
ARGUMENT_SPEC = {
    'name': {'type': 'str', 'aliases': ['volume_name']},
    'filters': {'type': 'dict'},
}

MODULE_KWARGS = {
    'mutually_exclusive': [('name', 'filters')],
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE, **MODULE_KWARGS)


if __name__ == '__main__':
    main()
