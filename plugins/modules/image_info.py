#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_info
short_description: List the images of a Docker daemon, or inspect some by name
version_added: 1.0.0
description:
  - "Without O(name), returns the image list (C(GET /images/json)), optionally with the API's filters, for example
    C({reference: 'busybox:*'})."
  - With O(name), returns the inspect result (C(GET /images/{name}/json)) of each named image that exists. A missing
    image is left out of RV(images) and listed in RV(missing); it never fails the task.
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
      - One image or a list of images to inspect, by name (V(busybox), V(app:1.2), V(registry:5000/team/app@sha256:...))
        or by ID (full V(sha256:...), or a prefix of at least 12 hex digits).
      - A name without tag means C(:latest).
    type: list
    elements: str
  all:
    description: Without O(name), also list intermediate images (C(docker images -a)).
    type: bool
    default: false
  filters:
    description:
      - "Filters for the list (without O(name)), with the API's names: C(reference) (a name, glob patterns such as
        V(busybox:*) allowed), C(dangling) (V(true)/V(false)), C(label) (V(key) or V(key=value)), C(before) and
        C(since) (an image name or ID)."
      - "A value may be a string, a boolean or a list; a dictionary value such as C({label: {env: prod}}) becomes
        V(env=prod)."
    type: dict
seealso:
  - module: dockerapi.engine.image
  - module: dockerapi.engine.host_info
"""

EXAMPLES = r"""
- name: The images whose name matches a reference, as GET /images/json?filters={"reference":["busybox:*"]}
  dockerapi.engine.image_info:
    filters:
      reference: "busybox:*"
  register: listed

- name: Show their tags
  ansible.builtin.debug:
    msg: "{{ listed.images | map(attribute='RepoTags') | flatten }}"

- name: Dangling images labelled by our pipeline
  dockerapi.engine.image_info:
    filters:
      dangling: true
      label:
        built-by: ci

- name: Inspect two images; a missing one is only reported
  dockerapi.engine.image_info:
    name:
      - app:1.2
      - app:1.3
  register: found

- name: Fail when app:1.3 is missing
  ansible.builtin.assert:
    that: "'app:1.3' not in found.missing"
"""

RETURN = r"""
images:
  description:
    - Without O(name), the image list as C(GET /images/json) returns it (C(Id), C(RepoTags), C(Created), C(Size), ...).
    - With O(name), the inspect result of each image found, in the order of O(name).
  returned: always
  type: list
  elements: dict
  sample: [{"Id": "sha256:6c5886ae8668...", "RepoTags": ["busybox:latest"], "Size": 1062300}]
missing:
  description: The names of O(name) that no image matches.
  returned: when O(name) is given
  type: list
  elements: str
  sample: ["app:1.3"]
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._images import image_info
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = image_info
ARGUMENT_SPEC = {
    'name': {'type': 'list', 'elements': 'str'},
    'all': {'type': 'bool', 'default': False},
    'filters': {'type': 'dict'},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
