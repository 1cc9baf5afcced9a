#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container
short_description: Manage the lifecycle of one Docker container
version_added: 1.0.0
description:
  - Creates, updates, recreates, starts, stops and removes one container, found by O(name).
  - Creation is the Engine API's two steps, create then start, so O(state=present) creates a container without
    starting it and a later O(state=started) starts it.
  - "Idempotent: only the options the task sets are compared with the container (an option the task leaves out
    never causes a change). Values the daemon fills in are normalised first: the image's default command and
    environment, port, capability and signal spellings, size and duration units."
  - "When something differs, limits and the restart policy are changed in place with the update endpoint; any
    other difference, or an image whose ID is not the container's image, recreates the container."
  - "A recreate creates the replacement first, under a temporary name; only when the daemon accepted it is the old
    container stopped and renamed aside, the replacement renamed into its name and started, and the old container
    removed. A refused create (for example a bind source that does not exist) leaves the old container untouched;
    a replacement that does not start is removed and the old container is put back (renamed back and started
    again). The failure message says what exists afterwards. An O(auto_remove) container is removed by the daemon
    as soon as it stops, so it cannot be put back."
  - An unchanged run makes no change on the daemon and only reads the container and its image.
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
      - Check mode reports exactly the actions a real run would take (RV(actions)) and changes nothing.
      - With O(pull=always) it asks the registry, through the daemon, whether the tag points at another image.
  diff_mode:
    support: full
    details:
      - The diff shows the compared options before and after, plus whether the container exists and runs.
options:
  name:
    description:
      - The container's name (letters, digits, C(_), C(.) and C(-), starting with a letter or digit; at most 255
        characters).
      - "Parallel runs of one task on one name converge: a run that finds the name taken by a container created
        meanwhile manages that container instead of failing."
    type: str
    required: true
  state:
    description:
      - V(present) makes sure the container exists with the requested configuration, without starting a new one.
        An existing container keeps running or stays stopped; a running container that has to be recreated is
        started again.
      - V(started) also starts it (the default). V(stopped) makes it exist and stops it. V(absent) stops and
        removes it.
    type: str
    choices: [present, started, stopped, absent]
    default: started
  image:
    description:
      - The image reference, for example C(busybox:1.36) or C(registry.example.org/app@sha256:...).
      - Required to create a container. A reference without tag means C(latest). The reference is checked before
        any request (for example C(App:1) is refused, as repository names are lowercase).
      - Without O(image), an existing container keeps its image, also when it is recreated (the new container is
        created from the old one's image ID; by the name it was created with while that name still means the same
        image).
    type: str
  pull:
    description:
      - V(missing) pulls the image only when the daemon does not have it. V(never) fails when it is missing.
        V(always) pulls every time and recreates the container when the pull brought a different image.
    type: str
    choices: [missing, never, always]
    default: missing
  command:
    description:
      - The command, as a list of arguments or as a string split like a shell would.
      - An empty list means the image's default command.
    type: raw
  entrypoint:
    description: The entrypoint, as a list of arguments or a string split like a shell would.
    type: raw
  env:
    description:
      - Environment variables. Values must be strings (quote V(yes), V(true) and numbers you mean as text).
      - "The values never appear in the diff or the result: the diff shows the keys, with C(<hidden>) or
        C(<hidden, changed>), and RV(container) shows C(KEY=<hidden>) for the keys set here."
      - Variables set by the image or earlier are not removed when left out here.
    type: dict
  labels:
    description: Labels. Labels the image sets or that are left out here are not removed.
    type: dict
  published_ports:
    description:
      - Ports to publish, in the docker CLI's syntax C([IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]), for example
        C(8080:80), C(127.0.0.1:8080:80/tcp), C(127.0.0.1::80) (random host port), C([::1]:8080:80) or
        C(8000-8001:80-81/udp).
      - The list is compared as a whole.
    type: list
    elements: str
    aliases: [ports]
  volumes:
    description:
      - Bind mounts and volumes in the docker CLI's syntax C(/host/path:/container/path[:ro]),
        C(volume_name:/container/path[:ro]), or C(/container/path) for an anonymous volume.
    type: list
    elements: str
  mounts:
    description: Mounts in the Engine API's form.
    type: list
    elements: dict
    suboptions:
      type:
        description: The mount type.
        type: str
        choices: [bind, volume, tmpfs]
        default: volume
      source:
        description: Host path (bind) or volume name (volume; empty for an anonymous volume).
        type: str
      target:
        description: The path in the container.
        type: str
        required: true
      read_only:
        description: Mount read-only.
        type: bool
        default: false
      tmpfs_size:
        description: Size of a tmpfs mount, for example C(64m).
        type: str
  tmpfs:
    description: tmpfs mounts as C(/path) or C(/path:options), for example C(/run:size=64m).
    type: list
    elements: str
  network_mode:
    description:
      - V(bridge), V(host), V(none), C(container:NAME) or a network name. Defaults to the first of O(networks)
        when those are given, else the daemon's default bridge.
    type: str
  networks:
    description:
      - Networks to connect the container to. A missing network is connected in place; networks not listed are
        left alone.
    type: list
    elements: dict
    suboptions:
      name:
        description: The network's name.
        type: str
        required: true
      aliases:
        description: Network-scoped aliases.
        type: list
        elements: str
      ipv4_address:
        description: A fixed IPv4 address on that network.
        type: str
  hostname:
    description: The container's host name.
    type: str
  user:
    description: The user (and group) the command runs as, C(name), C(uid) or C(uid:gid).
    type: str
  working_dir:
    description: The working directory of the command.
    type: str
  restart_policy:
    description: The restart policy. Changed in place on an existing container.
    type: str
    choices: ['no', on-failure, always, unless-stopped]
  restart_retries:
    description: How many times O(restart_policy=on-failure) restarts. Changed in place.
    type: int
  healthcheck:
    description: A health check; only the keys given are compared.
    type: dict
    suboptions:
      test:
        description:
          - The command, as a string (run by the shell, C(CMD-SHELL)) or a list (C(CMD) is added unless it starts
            with C(CMD), C(CMD-SHELL) or C(NONE)). V(NONE) disables the image's health check.
        type: raw
      interval:
        description: Time between checks, for example C(30s) or C(1m30s).
        type: str
      timeout:
        description: How long one check may take.
        type: str
      retries:
        description: Consecutive failures that make the container unhealthy.
        type: int
      start_period:
        description: Grace period after start during which failures do not count.
        type: str
      start_interval:
        description: Time between checks during the start period (Docker API 1.44 or newer).
        type: str
  memory:
    description: Memory limit, for example C(512m) or C(1g). Changed in place.
    type: str
  memory_reservation:
    description: Memory soft limit. Changed in place.
    type: str
  memory_swap:
    description: Memory plus swap limit, or V(-1) for unlimited swap. Changed in place.
    type: str
  cpus:
    description: Number of CPUs, for example V(0.5). Changed in place.
    type: float
  cpu_shares:
    description: Relative CPU weight. Changed in place.
    type: int
  cpu_period:
    description: CPU CFS period in microseconds. Changed in place.
    type: int
  cpu_quota:
    description: CPU CFS quota in microseconds. Changed in place.
    type: int
  cpuset_cpus:
    description: CPUs the container may use, for example C(0-1). Changed in place.
    type: str
  pids_limit:
    description: Maximum number of processes; V(0) or V(-1) means unlimited. Changed in place.
    type: int
  cap_add:
    description: Capabilities to add, with or without the C(CAP_) prefix, or V(ALL).
    type: list
    elements: str
  cap_drop:
    description: Capabilities to drop.
    type: list
    elements: str
  privileged:
    description: Give the container every capability and device.
    type: bool
  security_opts:
    description: Security options, for example C(seccomp=unconfined) or C(apparmor=unconfined).
    type: list
    elements: str
  devices:
    description: Host devices, as C(/dev/host[:/dev/container[:permissions]]).
    type: list
    elements: str
  device_cgroup_rules:
    description: Device cgroup rules, for example C(c 1:3 rwm) or C(a *:* rwm).
    type: list
    elements: str
  cgroupns_mode:
    description: The cgroup namespace mode.
    type: str
    choices: [host, private]
  init:
    description: Run an init process as PID 1 that reaps zombies and forwards signals.
    type: bool
  stop_signal:
    description: The signal that stops the container, for example C(SIGTERM) or C(SIGRTMIN+3).
    type: str
  stop_timeout:
    description:
      - Seconds to wait after the stop signal before killing. Stored in the container and used when this task
        stops it.
    type: int
  auto_remove:
    description: Let the daemon remove the container when it exits.
    type: bool
  restart:
    description: With O(state=started), restart the container even when nothing changed and it is running.
    type: bool
    default: false
  recreate:
    description: Recreate the container even when nothing changed.
    type: bool
    default: false
  keep_volumes:
    description:
      - When removing the container (O(state=absent) or a recreate), keep its anonymous volumes.
      - A recreated container gets new anonymous volumes; with V(true) the old ones stay behind, unused.
      - An O(auto_remove) container's anonymous volumes are removed by the daemon when it stops, whatever this says.
    type: bool
    default: true
notes:
  - "Compared as a whole: O(published_ports), O(volumes) bind mounts, O(mounts), O(tmpfs), O(devices),
    O(device_cgroup_rules), O(cap_add), O(cap_drop), O(command), O(entrypoint). Compared as a subset (extra
    values on the container are fine): O(env), O(labels), O(security_opts), anonymous O(volumes), O(healthcheck)
    keys, O(networks) and their aliases."
  - Every task negotiates the API version with one C(GET /version); an unchanged run then makes two more reads.
seealso:
  - module: dockerapi.engine.container_info
  - module: dockerapi.engine.container_exec
  - module: dockerapi.engine.prune
"""

EXAMPLES = r"""
- name: A web server on loopback port 8080
  dockerapi.engine.container:
    name: web
    image: nginx:1.27
    published_ports:
      - 127.0.0.1:8080:80
    env:
      TZ: Europe/Paris
    restart_policy: unless-stopped
    memory: 256m

- name: Create a container without starting it (the API's first step)
  dockerapi.engine.container:
    name: job
    image: busybox:1.36
    command: [sh, -c, "echo hello; sleep 600"]
    state: present

- name: Start it (the second step)
  dockerapi.engine.container:
    name: job
    state: started

- name: Raise a limit in place (no recreate)
  dockerapi.engine.container:
    name: web
    image: nginx:1.27
    memory: 512m

- name: A systemd container (the capability set that works where --privileged does not)
  dockerapi.engine.container:
    name: testhost
    image: my/debian-systemd:12
    cap_add: [ALL]
    cap_drop: [SYS_RESOURCE]
    security_opts: [seccomp=unconfined, apparmor=unconfined]
    device_cgroup_rules: ["a *:* rwm"]
    cgroupns_mode: host
    volumes: [/sys/fs/cgroup:/sys/fs/cgroup:rw]
    tmpfs: [/run, /run/lock]
    stop_signal: SIGRTMIN+3

- name: Remove it, with its anonymous volumes
  dockerapi.engine.container:
    name: job
    state: absent
    keep_volumes: false
"""

RETURN = r"""
container:
  description:
    - The container's inspect result (C(GET /containers/{id}/json)) after the task; before it in check mode.
    - V(null) when the container does not exist (after O(state=absent), or in check mode before a create).
  returned: success
  type: dict
  sample: {"Id": "4f0e...", "Name": "/web", "State": {"Status": "running", "Running": true}}
actions:
  description:
    - What the task did (or, in check mode, would do), in order. Items are C(pull), C(create), C(update),
      C(connect:NETWORK), C(reconnect:NETWORK), C(start), C(restart), C(stop), C(rename) and C(remove).
    - A recreate is C(create) (the replacement, under a temporary name), its C(connect:NETWORK) items, C(stop)
      (the old container, when running), C(rename) (the old one aside, the replacement into its name), C(start)
      (when the state asks for it) and C(remove) (the old container).
  returned: success
  type: list
  elements: str
  sample: ["create", "start"]
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._containers import container_service
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = container_service
ARGUMENT_SPEC = {
    'name': {'type': 'str', 'required': True},
    'state': {'type': 'str', 'default': 'started', 'choices': ['present', 'started', 'stopped', 'absent']},
    'image': {'type': 'str'},
    'pull': {'type': 'str', 'default': 'missing', 'choices': ['missing', 'never', 'always']},
    'command': {'type': 'raw'},
    'entrypoint': {'type': 'raw'},
    'env': {'type': 'dict'},
    'labels': {'type': 'dict'},
    'published_ports': {'type': 'list', 'elements': 'str', 'aliases': ['ports']},
    'volumes': {'type': 'list', 'elements': 'str'},
    'mounts': {'type': 'list', 'elements': 'dict', 'options': {
        'type': {'type': 'str', 'default': 'volume', 'choices': ['bind', 'volume', 'tmpfs']},
        'source': {'type': 'str'},
        'target': {'type': 'str', 'required': True},
        'read_only': {'type': 'bool', 'default': False},
        'tmpfs_size': {'type': 'str'},
    }},
    'tmpfs': {'type': 'list', 'elements': 'str'},
    'network_mode': {'type': 'str'},
    'networks': {'type': 'list', 'elements': 'dict', 'options': {
        'name': {'type': 'str', 'required': True},
        'aliases': {'type': 'list', 'elements': 'str'},
        'ipv4_address': {'type': 'str'},
    }},
    'hostname': {'type': 'str'},
    'user': {'type': 'str'},
    'working_dir': {'type': 'str'},
    'restart_policy': {'type': 'str', 'choices': ['no', 'on-failure', 'always', 'unless-stopped']},
    'restart_retries': {'type': 'int'},
    'healthcheck': {'type': 'dict', 'options': {
        'test': {'type': 'raw'},
        'interval': {'type': 'str'},
        'timeout': {'type': 'str'},
        'retries': {'type': 'int'},
        'start_period': {'type': 'str'},
        'start_interval': {'type': 'str'},
    }},
    'memory': {'type': 'str'},
    'memory_reservation': {'type': 'str'},
    'memory_swap': {'type': 'str'},
    'cpus': {'type': 'float'},
    'cpu_shares': {'type': 'int'},
    'cpu_period': {'type': 'int'},
    'cpu_quota': {'type': 'int'},
    'cpuset_cpus': {'type': 'str'},
    'pids_limit': {'type': 'int'},
    'cap_add': {'type': 'list', 'elements': 'str'},
    'cap_drop': {'type': 'list', 'elements': 'str'},
    'privileged': {'type': 'bool'},
    'security_opts': {'type': 'list', 'elements': 'str'},
    'devices': {'type': 'list', 'elements': 'str'},
    'device_cgroup_rules': {'type': 'list', 'elements': 'str'},
    'cgroupns_mode': {'type': 'str', 'choices': ['host', 'private']},
    'init': {'type': 'bool'},
    'stop_signal': {'type': 'str'},
    'stop_timeout': {'type': 'int'},
    'auto_remove': {'type': 'bool'},
    'restart': {'type': 'bool', 'default': False},
    'recreate': {'type': 'bool', 'default': False},
    'keep_volumes': {'type': 'bool', 'default': True},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
