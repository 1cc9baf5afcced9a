#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container_info
short_description: Inspect one Docker container, or list containers with filters
version_added: 1.0.0
description:
  - With O(name), returns whether that container exists and its inspect result. A missing container is not an
    error.
  - Without O(name), lists containers with the Engine API's own parameters (C(all), C(limit), C(size),
    C(filters)), as C(GET /containers/json) does.
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
    description: The container's name or ID (a unique ID prefix works too).
    type: str
  all:
    description: Without O(name), list stopped containers too (by default only running ones are listed).
    type: bool
    default: false
  limit:
    description: Without O(name), return only the N most recently created containers (stopped ones included).
    type: int
  size:
    description: Without O(name), add the C(SizeRw) and C(SizeRootFs) fields (slow on hosts with many containers).
    type: bool
    default: false
  filters:
    description:
      - "Without O(name), filters with the API's names, for example C({name: demo}),
        C({status: [running, paused]}), C({health: healthy}) or C({label: [env=prod]})."
      - "A value may be a string, a list, or a boolean; a dictionary value such as C({label: {env: prod}})
        becomes C(env=prod). Several values of one filter are OR-ed, different filters AND-ed."
      - The daemon checks the filters; an unknown one fails with its message.
    type: dict
seealso:
  - module: dockerapi.engine.container
  - module: dockerapi.engine.host_info
"""

EXAMPLES = r"""
- name: Does the container web exist, and is it running?
  dockerapi.engine.container_info:
    name: web
  register: web

- name: Show its state
  ansible.builtin.debug:
    msg: "{{ web.container.State.Status if web.exists else 'no such container' }}"

- name: The 10 most recently created containers, running or not
  dockerapi.engine.container_info:
    all: true
    limit: 10
  register: recent

- name: Running and paused containers labelled env=prod
  dockerapi.engine.container_info:
    filters:
      status: [running, paused]
      label: env=prod
  register: prod
"""

RETURN = r"""
exists:
  description: Whether the container named O(name) exists.
  returned: when O(name) is given
  type: bool
  sample: true
container:
  description: The inspect result (C(GET /containers/{id}/json)), or V(null) when the container does not exist.
  returned: when O(name) is given
  type: dict
  sample: {"Id": "4f0e...", "Name": "/web", "State": {"Status": "running"}}
containers:
  description: The containers as C(GET /containers/json) returns them (C(Names) carry a leading C(/)).
  returned: when O(name) is not given
  type: list
  elements: dict
  sample: [{"Id": "4f0e...", "Names": ["/web"], "State": "running", "Status": "Up 2 hours"}]
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._containers import container_info_service
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = container_info_service
ARGUMENT_SPEC = {
    'name': {'type': 'str'},
    'all': {'type': 'bool', 'default': False},
    'limit': {'type': 'int'},
    'size': {'type': 'bool', 'default': False},
    'filters': {'type': 'dict'},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
