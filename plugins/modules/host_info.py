#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: host_info
short_description: Information about a Docker daemon and what it holds
version_added: 1.0.0
description:
  - Returns the daemon's C(/info) and C(/version) answers and the API version negotiated with it.
  - Optionally lists the containers, images, volumes and networks (each with the Engine API's own filters), and
    the disk usage (C(/system/df)).
  - Never changes anything.
author:
  - dockerapi.engine team (@dockerapi)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dockerapi.engine.connection
  - dockerapi.engine.attributes
  - dockerapi.engine.attributes.info_module
options:
  containers:
    description: List the containers (running ones only unless O(containers_all=true)).
    type: bool
    default: false
  containers_all:
    description: With O(containers=true), list stopped containers too.
    type: bool
    default: false
  containers_filters:
    description:
      - "Filters for the container list, with the API's names, for example C({status: [running, paused]}),
        C({label: [env=prod]}) or C({name: demo})."
      - "A value may be a string, a list, or a boolean; a dictionary value such as C({label: {env: prod}})
        becomes C(env=prod)."
    type: dict
  images:
    description: List the images.
    type: bool
    default: false
  images_filters:
    description: "Filters for the image list, for example C({reference: 'busybox:*'}) or C({dangling: true})."
    type: dict
  volumes:
    description: List the volumes.
    type: bool
    default: false
  volumes_filters:
    description: "Filters for the volume list, for example C({dangling: true}) or C({label: [backup]})."
    type: dict
  networks:
    description: List the networks.
    type: bool
    default: false
  networks_filters:
    description: "Filters for the network list, for example C({driver: bridge})."
    type: dict
  disk_usage:
    description:
      - Return the daemon's disk usage (C(/system/df)).
      - Only its C(LayersSize) unless O(verbose_output=true).
    type: bool
    default: false
  verbose_output:
    description:
      - Return every key of each entry of RV(containers), RV(images), RV(volumes) and RV(networks), and the whole
        of RV(disk_usage), as the daemon answers them.
      - With V(false) (the default, as in community.docker's docker_host_info) each list entry keeps a few keys only
        (containers C(Id), C(Image), C(Command), C(Created), C(Status), C(Ports), C(Names); images C(Id),
        C(RepoTags), C(Created), C(Size); volumes C(Driver), C(Name); networks C(Id), C(Driver), C(Name), C(Scope))
        and RV(disk_usage) only C(LayersSize).
    type: bool
    default: false
seealso:
  - module: dockerapi.engine.container_info
  - module: dockerapi.engine.image_info
"""

EXAMPLES = r"""
- name: What daemon is this?
  dockerapi.engine.host_info:
  register: docker

- name: Show the engine version and the running containers count
  ansible.builtin.debug:
    msg: "Docker {{ docker.version.Version }} (API {{ docker.api_version }}), {{ docker.info.ContainersRunning }} running"

- name: A remote daemon over mutual TLS, with its stopped containers labelled env=test
  dockerapi.engine.host_info:
    docker_host: tcp://docker1.example.org:2376
    ca_path: /etc/docker-client/ca.pem
    client_cert: /etc/docker-client/cert.pem
    client_key: /etc/docker-client/key.pem
    containers: true
    containers_all: true
    containers_filters:
      status: exited
      label: env=test

- name: Disk usage, all of it
  dockerapi.engine.host_info:
    disk_usage: true
    verbose_output: true
  register: df
"""

RETURN = r"""
can_talk_to_docker:
  description:
    - Whether the daemon could be reached and answered.
    - Also returned when the task fails, as V(false) when no connection could be made (or the connection options are
      wrong), V(true) when the daemon answered but a later request failed.
  returned: always
  type: bool
  sample: true
api_version:
  description: The API version this task spoke (negotiated, or pinned with O(api_version)).
  returned: success
  type: str
  sample: "1.45"
info:
  description: The daemon's C(GET /info) answer.
  returned: success
  type: dict
  sample: {"Containers": 3, "ContainersRunning": 1, "Driver": "overlay2", "ServerVersion": "26.1.5"}
host_info:
  description: The same as RV(info), under community.docker's name for it.
  returned: success
  type: dict
  sample: {"Containers": 3, "ContainersRunning": 1, "Driver": "overlay2", "ServerVersion": "26.1.5"}
version:
  description: The daemon's C(GET /version) answer.
  returned: success
  type: dict
  sample: {"ApiVersion": "1.45", "MinAPIVersion": "1.24", "Version": "26.1.5", "Os": "linux"}
containers:
  description:
    - The containers, as C(GET /containers/json) returns them.
    - Each entry with a few keys only unless O(verbose_output=true).
  returned: when O(containers=true)
  type: list
  elements: dict
images:
  description:
    - The images, as C(GET /images/json) returns them.
    - Each entry with a few keys only unless O(verbose_output=true).
  returned: when O(images=true)
  type: list
  elements: dict
volumes:
  description:
    - The volumes, as C(GET /volumes) returns them.
    - Each entry with a few keys only unless O(verbose_output=true).
  returned: when O(volumes=true)
  type: list
  elements: dict
networks:
  description:
    - The networks, as C(GET /networks) returns them.
    - Each entry with a few keys only unless O(verbose_output=true).
  returned: when O(networks=true)
  type: list
  elements: dict
disk_usage:
  description: The daemon's C(GET /system/df) answer; only its C(LayersSize) unless O(verbose_output=true).
  returned: when O(disk_usage=true)
  type: dict
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module
from ansible_collections.dockerapi.engine.plugins.module_utils._system import host_info

SERVICE = host_info
ARGUMENT_SPEC = {
    'containers': {'type': 'bool', 'default': False},
    'containers_all': {'type': 'bool', 'default': False},
    'containers_filters': {'type': 'dict'},
    'images': {'type': 'bool', 'default': False},
    'images_filters': {'type': 'dict'},
    'volumes': {'type': 'bool', 'default': False},
    'volumes_filters': {'type': 'dict'},
    'networks': {'type': 'bool', 'default': False},
    'networks_filters': {'type': 'dict'},
    'disk_usage': {'type': 'bool', 'default': False},
    'verbose_output': {'type': 'bool', 'default': False},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
