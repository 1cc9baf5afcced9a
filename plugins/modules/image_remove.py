#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_remove
short_description: Remove Docker images
version_added: 1.0.0
description:
  - Removes an image or one of its names with C(DELETE /images/{name}), as C(docker rmi) does. Counterpart of
    community.docker's C(docker_image_remove), with the same options, defaults and return values.
  - Given a name of an image that has more names, only that name is removed (untagged); the image goes with its
    last name, or when given by ID (then with O(force=true) if it has several names).
  - Idempotent. An image that does not exist is no change.
  - Registry credentials, when needed, come from the docker CLI's configuration (C(~/.docker/config.json) or
    C(DOCKER_CONFIG)), looked up in C(credHelpers), then C(credsStore), then C(auths), as C(docker login) writes them
    (see M(dockerapi.engine.login)).
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
      - Nothing is removed; RV(untagged) and RV(deleted) show what would be.
  diff_mode:
    support: full
options:
  name:
    description:
      - The image to remove, by name (V(busybox:1.36)) or by image ID (V(sha256:...)).
      - A name without tag or digest gets O(tag).
    type: str
    required: true
  tag:
    description:
      - The tag of O(name) when O(name) carries neither a tag nor a digest; ignored otherwise.
    type: str
    default: latest
  force:
    description: Remove the image even when containers use it, or (by ID) when it has several names.
    type: bool
    default: false
  prune:
    description: Also delete the untagged parent images (V(false) is C(docker rmi --no-prune)).
    type: bool
    default: true
seealso:
  - module: dockerapi.engine.image
  - module: dockerapi.engine.image_pull
  - module: dockerapi.engine.image_push
  - module: dockerapi.engine.image_tag
  - module: dockerapi.engine.image_info
"""

EXAMPLES = r"""
- name: Remove an image
  dockerapi.engine.image_remove:
    name: busybox
    tag: "1.36"

- name: Remove an image by ID, whatever names it has
  dockerapi.engine.image_remove:
    name: sha256:e0a2e4e0...
    force: true
"""

RETURN = r"""
image:
  description: The inspect result (C(GET /images/{name}/json)) of the image before the removal (empty when it did not exist).
  returned: success
  type: dict
  sample: {"Id": "sha256:e0a2e4e0...", "RepoTags": ["busybox:1.36"]}
deleted:
  description: The IDs of the images (and untagged parents) the daemon deleted.
  returned: success
  type: list
  elements: str
  sample: ["sha256:e0a2e4e0..."]
untagged:
  description: The names the daemon removed from images.
  returned: success
  type: list
  elements: str
  sample: ["busybox:1.36"]
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._image_ops import image_remove
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = image_remove
ARGUMENT_SPEC = {
    'name': {'type': 'str', 'required': True},
    'tag': {'type': 'str', 'default': 'latest'},
    'force': {'type': 'bool', 'default': False},
    'prune': {'type': 'bool', 'default': True},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
