#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: network
short_description: Create, recreate or remove a Docker network and attach containers to it
version_added: 1.0.0
description:
  - Makes a network present (with the given driver, IPAM configuration, flags, options and labels, and the
    containers of O(connected) attached) or absent.
  - "The network is found by its exact name: the API's name lookup also matches ID prefixes and its name filter
    matches substrings, so neither is trusted alone. Two networks with that exact name (which Docker 20.10 to 24
    could create) fail the task with their IDs, before anything is created."
  - "Compared with an existing network: O(driver), every key of O(driver_options), O(ipam_driver),
    O(ipam_driver_options) and O(labels) that the task gives (keys the network has beyond those are not a
    difference), O(ipam_config) (the subnets of each address family the task lists must be exactly those of the
    network, with the gateway, range and auxiliary addresses given), and O(internal), O(attachable),
    O(enable_ipv4), O(enable_ipv6), O(scope), O(ingress), O(config_only) and O(config_from) when set. Options the
    task leaves out (except O(driver), which defaults to V(bridge)) are not compared."
  - A network cannot be changed in place, so a difference means removing it and creating it again. When containers
    are attached, that fails (naming them) unless O(force=true).
  - Before the old network is removed, everything the daemon can check is checked, and a refusal changes nothing.
    The driver must exist (built in, or an enabled plugin), and the new subnets must overlap no other network
    (checked in check mode too). Then a temporary network with the new settings is created and removed again. That
    test is impossible when the new subnet overlaps the old network's own (or reuses its bridge name); a failure
    message then says so.
  - If the new network is still refused after the old one was removed, the old network is created again with its
    old settings and its containers are reconnected with their old aliases and addresses; the failure message says
    what was removed and what exists now, and RV(old_network) holds the old network's inspect result.
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
      - The diff shows the compared properties and the attached containers before and after, and (as
        RV(diff.differences)) the options that differ.
options:
  name:
    description: The network's name (matched exactly).
    type: str
    required: true
    aliases: [network_name]
  state:
    description:
      - V(present) creates the network when missing, recreates it when it differs, and attaches the containers.
      - V(absent) removes it. When containers are attached (running or stopped) that fails and names them, unless
        O(force=true), which disconnects them first.
    type: str
    choices: [present, absent]
    default: present
  driver:
    description:
      - The network driver, compared with an existing network's.
      - The default V(bridge) is community.docker's; a task without O(driver) therefore recreates a network of
        another driver (set O(driver) to that driver to keep it).
      - For a config-only network (O(config_only=true)) the daemon stores the driver as V(null); then the driver is
        not compared.
    type: str
    default: bridge
  driver_options:
    description:
      - "Driver options (C(docker network create --opt)), for example C({com.docker.network.bridge.name: br-shop}).
        Values are strings; quote booleans."
    type: dict
    aliases: [driver_opts]
  ipam_driver:
    description: The IPAM driver. When not set, a new network uses V(default).
    type: str
  ipam_driver_options:
    description: Options for the IPAM driver. Values are strings.
    type: dict
  ipam_config:
    description:
      - Address ranges of the network, one entry per subnet (IPv4 and IPv6 may be mixed).
      - Not set, or empty, lets the daemon pick from its address pools and leaves the existing ranges uncompared.
    type: list
    elements: dict
    suboptions:
      subnet:
        description: The subnet in CIDR form, for example V(10.10.0.0/24) or V(fd00:10::/64).
        type: str
        required: true
      iprange:
        description: The part of O(ipam_config[].subnet) that containers get addresses from.
        type: str
      gateway:
        description: The gateway address (inside the subnet). When not set, the daemon picks one.
        type: str
      aux_addresses:
        description: Addresses the IPAM driver must not hand out, by host name.
        type: dict
  internal:
    description: An internal network has no route to the outside.
    type: bool
  attachable:
    description: Whether standalone containers may attach (matters for swarm overlay networks).
    type: bool
  enable_ipv6:
    description:
      - Give the network IPv6. Docker 20.10 needs an IPv6 subnet in O(ipam_config) for that; newer daemons pick one
        themselves.
    type: bool
  labels:
    description:
      - Labels to set on the network. Values are strings; quote booleans and numbers such as V("1.10") (a number
        that would not read back as written, a float or a boolean, is refused).
    type: dict
  enable_ipv4:
    description:
      - Whether the network gives its containers IPv4 addresses (V(false) for an IPv6-only network, with
        O(enable_ipv6=true)).
      - Needs Docker API 1.47 (Docker 28) or newer; an older daemon fails the task before anything changes.
      - Compared with an existing network when set.
    type: bool
  scope:
    description:
      - The network's scope. V(swarm) needs a daemon that is a swarm manager; elsewhere the task fails before
        anything changes, naming the option.
      - V(global) is decided by the daemon (Docker 20.10 refuses it outside a swarm).
      - Compared with an existing network when set.
    type: str
    choices: [local, global, swarm]
  ingress:
    description:
      - Create swarm's routing-mesh (ingress) network; needs O(driver=overlay) and a daemon that is a swarm manager.
        With V(true) on a daemon that is not, the task fails before anything changes.
      - Compared with an existing network when set.
    type: bool
  config_only:
    description:
      - Create a config-only network, a placeholder that only holds configuration (O(ipam_config),
        O(driver_options)...) for other networks made with O(config_from). Containers cannot attach to it.
      - Compared with an existing network when set.
    type: bool
  config_from:
    description:
      - The name of a config-only network (O(config_only=true)) whose configuration this network takes; then give
        no O(ipam_config) or O(driver_options) of its own (the daemon refuses them).
      - Compared with an existing network when set.
    type: str
  connected:
    description:
      - Containers (names or IDs) to attach to the network. Each must exist; a missing one fails the task before any
        change.
      - Unless O(appends=true), containers attached to the network but not listed here are disconnected.
    type: list
    elements: str
    default: []
    aliases: [containers]
  appends:
    description:
      - Only attach the containers in O(connected); never disconnect the others.
    type: bool
    default: false
    aliases: [incremental]
  force:
    description:
      - With O(state=absent), disconnect all attached containers, then remove the network.
      - With O(state=present), allow recreating a network that has containers attached; they are disconnected
        first and, if they should stay (listed in O(connected), or any with O(appends=true)), attached to the new
        network afterwards, with their aliases (and static addresses that lie in the new O(ipam_config) subnets).
    type: bool
    default: false
notes:
  - Predefined networks (C(bridge), C(host), C(none)) cannot be removed or recreated; the daemon refuses.
seealso:
  - module: dockerapi.engine.network_info
"""

EXAMPLES = r"""
- name: A private bridge network with a fixed subnet
  dockerapi.engine.network:
    name: shop
    ipam_config:
      - subnet: 10.10.0.0/24
        gateway: 10.10.0.1
        iprange: 10.10.0.128/25
    labels:
      app: shop

- name: Attach two containers, leave others alone
  dockerapi.engine.network:
    name: shop
    connected:
      - shop-web
      - shop-db
    appends: true

- name: An internal network with IPv6 as well
  dockerapi.engine.network:
    name: backend
    internal: true
    enable_ipv6: true
    ipam_config:
      - subnet: 10.11.0.0/24
      - subnet: fd00:11::/64

- name: Remove it, disconnecting whatever is attached
  dockerapi.engine.network:
    name: backend
    state: absent
    force: true
"""

RETURN = r"""
network:
  description:
    - The network as C(GET /networks/{id}) returns it after the task; before it in check mode. V(null) when it does
      not exist.
  returned: success
  type: dict
  sample: {"Name": "shop", "Id": "5e0b...", "Driver": "bridge", "Internal": false, "Attachable": false,
           "EnableIPv6": false, "IPAM": {"Driver": "default", "Config": [{"Subnet": "10.10.0.0/24",
           "Gateway": "10.10.0.1"}]}, "Labels": {"app": "shop"}, "Containers": {}}
actions:
  description: What was done (or, in check mode, would be done), in order.
  returned: success
  type: list
  elements: str
  sample: ["created", "connected shop-web"]
differences:
  description: Why the network was (or would be) recreated, as sentences.
  returned: when it was recreated
  type: list
  elements: str
  sample: ["labels.app: 'old', wanted 'shop'"]
diff:
  description:
    - With O(state=present) in check mode, diff mode or with O(debug=true), C(differences) lists the options that
      differ (and made the network be recreated), named as community.docker's docker_network names them (option
      paths such as C(ipam_config[0].subnet) or C(labels.app)); empty when nothing differs or the network is new.
    - In diff mode also C(before) and C(after), the compared properties and the attached containers.
  returned: in check mode, diff mode, or with O(debug=true)
  type: dict
  sample: {"differences": ["driver_options.com.docker.network.driver.mtu", "ipam_config[0].subnet"]}
  contains:
    differences:
      description: The options that differ, as community.docker's docker_network names them (C(ipam_config[0].subnet), C(labels.app)).
      returned: with O(state=present)
      type: list
      elements: str
    before:
      description: The network as it was.
      returned: in diff mode
      type: dict
    after:
      description: The network as it is after the task (or, in check mode, would be).
      returned: in diff mode
      type: dict
old_network:
  description: The inspect result of the network as it was before a recreate whose new network the daemon refused.
  returned: when a recreate failed after the old network was removed
  type: dict
  sample: {"Name": "shop", "Driver": "bridge", "IPAM": {"Config": [{"Subnet": "10.10.0.0/24"}]}}
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._networks import network
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = network
ARGUMENT_SPEC = {
    'name': {'type': 'str', 'required': True, 'aliases': ['network_name']},
    'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
    'driver': {'type': 'str', 'default': 'bridge'},
    'driver_options': {'type': 'dict', 'aliases': ['driver_opts']},
    'ipam_driver': {'type': 'str'},
    'ipam_driver_options': {'type': 'dict'},
    'ipam_config': {
        'type': 'list',
        'elements': 'dict',
        'options': {
            'subnet': {'type': 'str', 'required': True},
            'iprange': {'type': 'str'},
            'gateway': {'type': 'str'},
            'aux_addresses': {'type': 'dict'},
        },
    },
    'internal': {'type': 'bool'},
    'attachable': {'type': 'bool'},
    'enable_ipv6': {'type': 'bool'},
    'enable_ipv4': {'type': 'bool'},
    'scope': {'type': 'str', 'choices': ['local', 'global', 'swarm']},
    'ingress': {'type': 'bool'},
    'config_only': {'type': 'bool'},
    'config_from': {'type': 'str'},
    'labels': {'type': 'dict'},
    'connected': {'type': 'list', 'elements': 'str', 'default': [], 'aliases': ['containers']},
    'appends': {'type': 'bool', 'default': False, 'aliases': ['incremental']},
    'force': {'type': 'bool', 'default': False},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
