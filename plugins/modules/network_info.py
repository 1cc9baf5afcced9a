#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: network_info
short_description: Information about one Docker network, or a filtered list of them
version_added: 1.0.0
description:
  - With O(name), inspects the network of exactly that name (or, failing that, the one whose ID starts with it, for
    12 or more hex digits) and says whether it exists. The inspect answer includes the running containers attached.
  - Without it, lists the networks (C(GET /networks)), with the API's O(filters). The list does not fill in
    C(Containers).
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
    description:
      - The network's exact name, or an ID (12 to 64 hex digits). A missing network is not an error (RV(exists) is
        V(false)).
    type: str
    aliases: [network_name]
  filters:
    description:
      - "Filters for the list, with the API's names: C(name) (a substring match), C(id), C(label) (V(key) or
        V(key=value)), C(driver), C(scope), C(type) (V(custom) or V(builtin)), C(dangling)."
      - "A value may be a string, a list, or a boolean; a dictionary value such as C({label: {env: prod}}) becomes
        V(env=prod). An unknown key fails with the daemon's message."
    type: dict
seealso:
  - module: dockerapi.engine.network
"""

EXAMPLES = r"""
- name: The shop network, with its attached containers
  dockerapi.engine.network_info:
    name: shop
  register: shop

- name: Its subnets
  ansible.builtin.debug:
    msg: "{{ shop.network.IPAM.Config | map(attribute='Subnet') | list }}"
  when: shop.exists

- name: All user-defined bridge networks
  dockerapi.engine.network_info:
    filters:
      driver: bridge
      type: custom
  register: custom
"""

RETURN = r"""
exists:
  description: Whether the network O(name) exists.
  returned: when O(name) is set
  type: bool
  sample: true
network:
  description: The network as C(GET /networks/{id}) returns it; V(null) when it does not exist.
  returned: when O(name) is set
  type: dict
  sample: {"Name": "shop", "Id": "5e0b...", "Driver": "bridge", "IPAM": {"Driver": "default",
           "Config": [{"Subnet": "10.10.0.0/24", "Gateway": "10.10.0.1"}]}, "Containers": {}}
networks:
  description: The networks matching O(filters), as C(GET /networks) returns them.
  returned: when O(name) is not set
  type: list
  elements: dict
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._networks import network_info
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = network_info
ARGUMENT_SPEC = {
    'name': {'type': 'str', 'aliases': ['network_name']},
    'filters': {'type': 'dict'},
}

MODULE_KWARGS = {
    'mutually_exclusive': [('name', 'filters')],
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE, **MODULE_KWARGS)


if __name__ == '__main__':
    main()
