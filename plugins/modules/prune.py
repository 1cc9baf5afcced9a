#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: prune
short_description: Remove unused containers, images, volumes, networks and build cache, with a real check mode
version_added: 1.0.0
description:
  - Calls the Engine API's prune endpoints for each kind selected, with that kind's filters, and returns what was
    deleted and the space reclaimed.
  - In check mode nothing is deleted, and the module lists what a real run would delete. The API has no dry run,
    so the module reads what the daemon holds and applies the daemon's own prune rules with the same filters.
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
      - Lists exactly what a real run would delete for containers, images (image IDs and the layers that go with
        them), volumes and networks.
      - For the build cache the list is an B(estimate), and the result says so (RV(builder_cache_estimate=true)).
        It applies O(builder_cache_all) and O(builder_cache_filters) as BuildKit documents them (records in use are
        never removed; without O(builder_cache_all) shared, internal and frontend records are kept), but BuildKit
        decides on details the API does not show.
  diff_mode:
    support: full
    details:
      - The diff lists what is (or would be) deleted as before, and nothing as after.
options:
  containers:
    description: Remove stopped containers (created, exited or dead).
    type: bool
    default: false
  containers_filters:
    description:
      - "Filters: C(until) (a duration such as V(10m) or V(24h) ago, a date such as V(2024-03-01) or
        V(2024-03-01T12:00:00Z), or Unix seconds), C(label) (V(key) or V(key=value); every one must match) and
        C(label!) (spares what carries all of them)."
      - "C(until) follows the daemon's rules: a duration counts back from the B(daemon's) clock, and a date without a
        zone is local time B(of the daemon) (both read from C(GET /info)). The module resolves C(until) once to
        Unix seconds and sends that to the daemon, so check mode and the real run use the same instant (returned as
        RV(until)). A number above 10^11 is refused as milliseconds by mistake."
      - "A value may be a string or a list; a dictionary value such as C({label: {env: test}}) becomes V(env=test)."
    type: dict
  images:
    description: Remove unused images. By default only dangling (untagged) ones; see O(images_filters).
    type: bool
    default: false
  images_filters:
    description:
      - "Filters: C(dangling) (V(false) to remove every unused image, tagged or not), C(until), C(label), C(label!)."
    type: dict
  networks:
    description: Remove custom networks no container is attached to.
    type: bool
    default: false
  networks_filters:
    description: "Filters: C(until), C(label), C(label!)."
    type: dict
  volumes:
    description:
      - Remove volumes no container uses.
      - With Docker API 1.42 or newer only anonymous volumes are removed unless O(volumes_filters) has C(all=true);
        with API 1.41 (Docker 20.10) every unused volume is.
    type: bool
    default: false
  volumes_filters:
    description: "Filters: C(label), C(label!), and C(all) (API 1.42 or newer)."
    type: dict
  builder_cache:
    description: Remove the build cache.
    type: bool
    default: false
  builder_cache_all:
    description: Remove all build cache, not only the dangling records.
    type: bool
    default: false
  builder_cache_filters:
    description:
      - "Filters of C(POST /build/prune): C(until) (a Go duration such as V(24h): records not used for that long;
        not a date), C(id) (a regular expression), C(parent), C(type), C(description), C(inuse), C(shared),
        C(private). One value each; anything else is refused before any prune runs."
    type: dict
  builder_cache_keep_storage:
    description:
      - With O(builder_cache=true), the amount of build cache to keep, as C(<number>[<unit>]) with the unit one of
        V(B), V(K), V(M), V(G), V(T) or V(P) (binary units, V(K) is 1024 bytes; no unit means bytes), for example
        V(5G). The least recently used records are removed until the cache fits.
      - Sent as C(keep-storage), which Docker 28 and newer read as their C(reserved-space).
      - In check mode the prediction keeps the most recently used records that fit (still an estimate).
    type: str
notes:
  - Prune endpoints run one at a time on a daemon; a prune started while another runs fails with HTTP 409.
  - Every request waits at most O(timeout) seconds for the daemon's answer; on a large daemon raise it for pruning.
  - All filters of all selected kinds are checked before the first prune runs.
seealso:
  - module: dockerapi.engine.container
  - module: dockerapi.engine.host_info
"""

EXAMPLES = r"""
- name: What would go? (check mode lists it and deletes nothing)
  dockerapi.engine.prune:
    containers: true
    containers_filters:
      until: 24h
      label: env=test
    images: true
  check_mode: true
  register: would

- name: Show it
  ansible.builtin.debug:
    msg: "{{ would.containers | length }} containers and {{ would.images | length }} image entries would be removed"

- name: Remove stopped containers older than 10 minutes labelled demo=example
  dockerapi.engine.prune:
    containers: true
    containers_filters:
      until: 10m
      label: demo=example

- name: Every unused image and volume (named volumes included), but not those labelled keep
  dockerapi.engine.prune:
    images: true
    images_filters:
      dangling: false
      label!: keep
    volumes: true
    volumes_filters:
      all: true
      label!: keep
"""

RETURN = r"""
containers:
  description: IDs of the containers removed (or, in check mode, that would be).
  returned: when O(containers=true)
  type: list
  elements: str
containers_space_reclaimed:
  description: Bytes freed by removing the containers (in check mode, their writable layers' size).
  returned: when O(containers=true)
  type: int
images:
  description:
    - "What the daemon reports as deleted: the image IDs and the IDs of the layers that went with them (or, in
      check mode, would go)."
  returned: when O(images=true)
  type: list
  elements: str
images_untagged:
  description: References (tags and digests) removed from deleted images.
  returned: when O(images=true)
  type: list
  elements: str
images_space_reclaimed:
  description: Bytes freed by removing the images.
  returned: when O(images=true) and not in check mode
  type: int
networks:
  description: Names of the networks removed (or that would be).
  returned: when O(networks=true)
  type: list
  elements: str
volumes:
  description: Names of the volumes removed (or that would be).
  returned: when O(volumes=true)
  type: list
  elements: str
volumes_space_reclaimed:
  description: Bytes freed by removing the volumes.
  returned: when O(volumes=true) and not in check mode
  type: int
until:
  description:
    - The instant each kind's C(until) filter was resolved to (Unix seconds with nine fraction digits), as sent to
      the daemon.
  returned: when a C(until) filter is given for containers, images or networks
  type: dict
  sample: {containers: "1700000000.000000000"}
builder_cache_estimate:
  description: In check mode, the build cache prediction is an estimate (BuildKit decides the details).
  returned: in check mode, when O(builder_cache=true)
  type: bool
builder_cache_caches_deleted:
  description: IDs of the build cache records removed (in check mode, an estimate of those that would be).
  returned: when O(builder_cache=true)
  type: list
  elements: str
builder_cache_space_reclaimed:
  description: Bytes freed from the build cache.
  returned: when O(builder_cache=true)
  type: int
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._prune import prune_service
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = prune_service
ARGUMENT_SPEC = {
    'containers': {'type': 'bool', 'default': False},
    'containers_filters': {'type': 'dict'},
    'images': {'type': 'bool', 'default': False},
    'images_filters': {'type': 'dict'},
    'networks': {'type': 'bool', 'default': False},
    'networks_filters': {'type': 'dict'},
    'volumes': {'type': 'bool', 'default': False},
    'volumes_filters': {'type': 'dict'},
    'builder_cache': {'type': 'bool', 'default': False},
    'builder_cache_all': {'type': 'bool', 'default': False},
    'builder_cache_filters': {'type': 'dict'},
    'builder_cache_keep_storage': {'type': 'str'},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
