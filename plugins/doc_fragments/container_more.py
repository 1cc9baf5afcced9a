# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # The options of the container module from plugins/module_utils/_container_rows_more.py (one row each).
    # Names, aliases, types and default comparisons are community.docker docker_container's.
    DOCUMENTATION = r"""
options:
  blkio_weight:
    description:
      - Block IO weight (relative weight), between V(10) and V(1000).
      - Changed in place (C(POST /containers/{id}/update)), without a recreate.
      - On hosts whose kernel has no block IO weight (most cgroup v2 hosts, and cgroup v1 without the CFQ/BFQ scheduler)
        the daemon discards the value with a warning, so the container never reports it.
    type: int
    version_added: 1.0.0
  cgroup_parent:
    description:
      - The parent cgroup of the container.
    type: str
    version_added: 1.0.0
  cpuset_mems:
    description:
      - Memory nodes (MEMs) the container may use, for example V(0-3) or V(0,1).
      - Changed in place, without a recreate.
    type: str
    version_added: 1.0.0
  device_read_bps:
    description:
      - Read rate limits (bytes per second) per host device.
      - Compared as a set; a change recreates the container (the daemon's update endpoint does not apply these limits).
    type: list
    elements: dict
    version_added: 1.0.0
    suboptions:
      path:
        description:
          - The device path, for example V(/dev/sda).
        type: str
        required: true
      rate:
        description:
          - The limit as C(<number>[<unit>]) with unit V(B), V(K), V(M), V(G), V(T) or V(P) (binary units); bytes without a unit.
        type: str
        required: true
  device_read_iops:
    description:
      - Read rate limits (IO operations per second) per host device.
      - Compared as a set; a change recreates the container.
    type: list
    elements: dict
    version_added: 1.0.0
    suboptions:
      path:
        description:
          - The device path, for example V(/dev/sda).
        type: str
        required: true
      rate:
        description:
          - Operations per second, a positive whole number.
        type: int
        required: true
  device_write_bps:
    description:
      - Write rate limits (bytes per second) per host device.
      - Compared as a set; a change recreates the container.
    type: list
    elements: dict
    version_added: 1.0.0
    suboptions:
      path:
        description:
          - The device path, for example V(/dev/sda).
        type: str
        required: true
      rate:
        description:
          - The limit as C(<number>[<unit>]) with unit V(B), V(K), V(M), V(G), V(T) or V(P) (binary units); bytes without a unit.
        type: str
        required: true
  device_write_iops:
    description:
      - Write rate limits (IO operations per second) per host device.
      - Compared as a set; a change recreates the container.
    type: list
    elements: dict
    version_added: 1.0.0
    suboptions:
      path:
        description:
          - The device path, for example V(/dev/sda).
        type: str
        required: true
      rate:
        description:
          - Operations per second, a positive whole number.
        type: int
        required: true
  device_requests:
    description:
      - Requests for devices from a device driver, such as GPUs (C(docker run --gpus)).
      - Needs Docker API 1.40 or newer.
      - The daemon accepts any request when the container is created and fails to start it when the driver cannot
        satisfy the request (for example V(nvidia) on a host without it).
      - Compared as a set of requests.
    type: list
    elements: dict
    version_added: 1.0.0
    suboptions:
      capabilities:
        description:
          - A list of lists of capabilities. The driver must satisfy all capabilities of one of the inner lists
            (inner lists are combined with AND, the outer list with OR), for example V([[gpu]]).
        type: list
        elements: list
      count:
        description:
          - How many devices to request; V(-1) requests all of them.
        type: int
      device_ids:
        description:
          - The IDs of the devices to request.
        type: list
        elements: str
      driver:
        description:
          - The device driver, for example V(nvidia).
        type: str
      options:
        description:
          - Options for the driver (a string map).
        type: dict
  dns_opts:
    description:
      - Options for the container's resolver (C(/etc/resolv.conf) C(options)), for example V(ndots:2).
      - Compared as a set.
    type: list
    elements: str
    version_added: 1.0.0
  dns_search_domains:
    description:
      - DNS search domains of the container. The order counts.
    type: list
    elements: str
    version_added: 1.0.0
  dns_servers:
    description:
      - DNS servers of the container. The order counts.
    type: list
    elements: str
    version_added: 1.0.0
  domainname:
    description:
      - The container's domain name.
    type: str
    version_added: 1.0.0
  etc_hosts:
    description:
      - Extra lines for the container's C(/etc/hosts), as a mapping of host name to IP address (C(--add-host)).
      - Compared as a set of C(host:address) entries. Values must be strings; quote anything YAML would read as a boolean.
    type: dict
    version_added: 1.0.0
  groups:
    description:
      - Additional groups (names or IDs) the container's process runs with.
      - Compared as a set.
    type: list
    elements: str
    version_added: 1.0.0
  interactive:
    description:
      - Keep the container's stdin open even when nothing is attached (C(docker run -i)).
      - If O(container_default_behavior=compatibility), this option has a default of V(false).
    type: bool
    version_added: 1.0.0
  ipc_mode:
    description:
      - The IPC namespace mode, for example V(private), V(shareable), V(host), V(none) or V(container:<name|id>).
      - A container given by name is compared by its ID, which is what the daemon stores; a referenced container that
        was recreated since therefore recreates this one.
    type: str
    version_added: 1.0.0
  links:
    description:
      - Legacy links to other containers, as C(name) or C(name:alias).
      - Compared as a set; a change recreates the container.
    type: list
    elements: str
    version_added: 1.0.0
  log_driver:
    description:
      - The logging driver, for example V(json-file), V(local), V(journald) or V(none). The daemon's default driver is used
        when not set (usually V(json-file)).
    type: str
    version_added: 1.0.0
  log_options:
    description:
      - 'Options of the logging driver (a string map), for example C({max-size: 10m}).'
      - Without O(log_driver) they are given to the daemon's default driver, which checks them (docker_container
        requires O(log_driver) with O(log_options)).
      - Values must be strings or numbers; booleans are refused (quote them).
      - Compared as a dictionary; options the container has beyond these do not count unless C(log_options) is
        V(strict) in O(comparisons).
    type: dict
    aliases:
      - log_opt
    version_added: 1.0.0
  mac_address:
    description:
      - The container's MAC address, for example V(02:42:ac:11:00:02).
      - Since Docker API 1.44 the daemon keeps a MAC address per network; this option sets the one on the container's
        main network.
    type: str
    version_added: 1.0.0
  memory_swappiness:
    description:
      - How readily the kernel swaps the container's memory, from V(0) to V(100).
      - When not set, the host's value applies. Daemons on cgroup v2 hosts ignore it.
    type: int
    version_added: 1.0.0
  oom_killer:
    description:
      - Whether to B(disable) the OOM killer for the container (C(--oom-kill-disable)), as in docker_container.
    type: bool
    version_added: 1.0.0
  oom_score_adj:
    description:
      - Adjusts the OOM killer's score for the container's processes, from V(-1000) to V(1000).
    type: int
    version_added: 1.0.0
  pid_mode:
    description:
      - The PID namespace mode, for example V(host) or V(container:<name|id>).
      - A container given by name is compared by its ID, which is what the daemon stores.
    type: str
    version_added: 1.0.0
  read_only:
    description:
      - Mount the container's root file system read-only.
      - If O(container_default_behavior=compatibility), this option has a default of V(false).
    type: bool
    version_added: 1.0.0
  runtime:
    description:
      - The OCI runtime of the container, one of the daemon's runtimes (C(docker info)). The daemon's default runtime
        (usually V(runc)) when not set.
    type: str
    version_added: 1.0.0
  shm_size:
    description:
      - Size of C(/dev/shm) as C(<number>[<unit>]) with unit V(B), V(K), V(M), V(G), V(T) or V(P) (binary units); bytes
        without a unit.
      - The daemon uses V(64M) when it is not set; V(0) means that default too.
    type: str
    version_added: 1.0.0
  storage_opts:
    description:
      - 'Options of the storage driver for this container (a string map), for example C({size: 10G}).'
      - Most storage drivers refuse them (overlay2 only takes C(size) on xfs with C(pquota)); the daemon's message is shown.
    type: dict
    version_added: 1.0.0
  sysctls:
    description:
      - 'Kernel parameters set in the container''s namespaces (a string map), for example C({net.ipv4.ip_forward: "1"}).'
      - Compared as a dictionary; values must be strings or numbers, booleans are refused.
    type: dict
    version_added: 1.0.0
  tty:
    description:
      - Allocate a pseudo-TTY (C(docker run -t)).
      - If O(container_default_behavior=compatibility), this option has a default of V(false).
    type: bool
    version_added: 1.0.0
  ulimits:
    description:
      - Resource limits as C(name:soft[:hard]), for example V(nofile:1024:2048); the hard limit defaults to the soft one.
      - Compared as a set of limits.
    type: list
    elements: str
    version_added: 1.0.0
  userns_mode:
    description:
      - The user namespace mode. The only values the daemon knows are V(host) and the empty string.
    type: str
    version_added: 1.0.0
  uts:
    description:
      - The UTS namespace mode. The only values the daemon knows are V(host) and the empty string.
    type: str
    version_added: 1.0.0
  volume_driver:
    description:
      - The volume driver for the container's volumes.
    type: str
    version_added: 1.0.0
  volumes_from:
    description:
      - Containers (names or IDs, optionally with C(:ro) or C(:rw)) whose volumes are mounted in this container.
      - Compared as a set.
    type: list
    elements: str
    version_added: 1.0.0
"""
