# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The networking options of the container module (network_mode, networks, networks_cli_compatible).
    DOCUMENTATION = r"""
options:
  network_mode:
    description:
      - How the container is networked. V(bridge) (the daemon's default network), V(host), V(none),
        C(container:NAME) (share the network stack of another container, by name or ID), a network name or ID, or
        V(default) (what the daemon uses when nothing is given; the same as V(bridge) on Linux).
      - "If O(networks_cli_compatible=true) (the default) and O(networks) is given, network_mode defaults to the
        name of the first entry of O(networks), as C(docker run --network) does; give network_mode explicitly (for
        example V(default)) to prevent that."
      - "Compared as a value: a difference recreates the container. The daemon stores C(container:NAME) as
        C(container:<ID>) and V(default) as V(bridge) (Docker 26.1 and later) or V(default) (before): both are
        resolved before comparing, so an unchanged task stays unchanged. Resolving C(container:NAME) costs one
        read of that container when the container being managed already exists."
      - O(networks) cannot be combined with V(host), V(none) or C(container:NAME).
    type: str
  networks:
    description:
      - The networks the container is connected to, each by name or ID (the network must exist).
      - A listed network the container is not on is connected in place; one whose settings differ from the task
        (a missing alias or link, another address, MAC address, driver option or gateway priority) is
        disconnected and connected again with the task's settings, also in place. Neither recreates the container.
      - "Networks the container is on but that are not listed are left alone, unless O(comparisons) sets
        C(networks: strict): then they are disconnected, the default network too (this replaces the removed
        C(purge_networks) of community.docker). C(networks: ignore) leaves networks alone entirely."
      - "Aliases, links and driver options may have more entries on the daemon than the task lists (the daemon
        adds the container's short ID as an alias before API 1.45); addresses, MAC address and gateway priority
        must equal the task's when given."
      - "At create: with API 1.44 and later all networks are part of the create request; before API 1.44 the
        daemon accepts one network at create (the network_mode network) and the others are connected right after
        the create, before the start. These connects are listed in the result's C(actions)."
      - Network settings are compared with what the container's own inspect shows, so an unchanged run makes no
        extra request per network. A network that was removed and created again under the same name is not
        noticed while the container still shows an endpoint for that name.
    type: list
    elements: dict
    suboptions:
      name:
        description: The network's name or ID.
        type: str
        required: true
      aliases:
        description: Network-scoped aliases (other containers on that network reach this one by these names).
        type: list
        elements: str
      ipv4_address:
        description: A fixed IPv4 address on that network (the network needs a configured subnet).
        type: str
      ipv6_address:
        description: A fixed IPv6 address on that network (the network needs IPv6 enabled and a subnet).
        type: str
      links:
        description:
          - Legacy links to other containers on that network, as C(container) or C(container:alias) (the alias
            defaults to the container's name).
        type: list
        elements: str
      mac_address:
        description:
          - The endpoint's MAC address, for example V(92:d0:c6:0a:29:33).
          - The daemon applies it only when it creates the container (it ignores it on a connect), so on an
            existing container a network with mac_address that has to be connected or reconnected recreates the
            container instead.
          - Needs Docker API 1.44 or newer; on an older daemon the task fails before anything changes.
        type: str
      driver_opts:
        description:
          - Driver options of the endpoint (the C(--driver-opt) of C(docker network connect)). Values are strings;
            quote numbers that do not survive as text.
          - Needs Docker API 1.32 or newer.
        type: dict
      gw_priority:
        description:
          - The endpoint's gateway priority; of the container's networks, the one with the highest priority
            provides the default gateway.
          - Needs Docker API 1.48 or newer (Docker 28); on an older daemon the task fails before anything changes.
        type: int
  networks_cli_compatible:
    description:
      - "With V(true) (the default) the module behaves like C(docker run --network): when O(networks) is given
        and O(network_mode) is not, the container is created on the first listed network and the default network
        is not attached."
      - "With V(false) (community.docker's old behaviour, kept for old playbooks) the container is created on the
        default network and every listed network is connected after the create, so it is on the default network
        too; with C(comparisons: {networks: strict}) the default network is disconnected again right after. On
        later runs O(network_mode) is then not implied and not compared."
      - Both behaviours are implemented; neither is a silent difference to community.docker.
    type: bool
    default: true
"""
