#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_tag
short_description: Tag Docker images with new names and/or tags
version_added: 1.0.0
description:
  - Gives a local image more names with C(POST /images/{name}/tag), as C(docker tag) does. Counterpart of
    community.docker's C(docker_image_tag), with the same options, defaults and return values.
  - Idempotent. A name that already points at the image is left alone.
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
      - Nothing is tagged; RV(tagged_images) lists the names that would be.
  diff_mode:
    support: full
options:
  name:
    description:
      - The image to tag, by name (V(busybox:1.36)) or by image ID (V(sha256:...)).
      - A name without tag or digest gets O(tag).
    type: str
    required: true
  tag:
    description:
      - The tag of O(name) when O(name) carries neither a tag nor a digest; ignored otherwise.
    type: str
    default: latest
  repository:
    description:
      - The names to give the image, for example V(registry.example.org:5000/team/app:2.1).
      - A name without tag gets O(tag).
    type: list
    elements: str
    required: true
  existing_images:
    description:
      - What to do when a name of O(repository) already points at another image. V(overwrite) moves the name to
        this image; V(keep) leaves it where it is.
    type: str
    choices: [keep, overwrite]
    default: overwrite
seealso:
  - module: dockerapi.engine.image
  - module: dockerapi.engine.image_pull
  - module: dockerapi.engine.image_push
  - module: dockerapi.engine.image_remove
  - module: dockerapi.engine.image_info
"""

EXAMPLES = r"""
- name: Give an image two more names
  dockerapi.engine.image_tag:
    name: app:build-123
    repository:
      - registry.example.org:5000/team/app:2.1
      - app:latest
"""

RETURN = r"""
image:
  description: The inspect result (C(GET /images/{name}/json)) of the image that was tagged.
  returned: success
  type: dict
  sample: {"Id": "sha256:e0a2e4e0...", "RepoTags": ["busybox:1.36"]}
tagged_images:
  description: The names (from O(repository)) that were made to point at the image (or would be, in check mode).
  returned: success
  type: list
  elements: str
  sample: ["registry.example.org:5000/team/app:2.1"]
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._image_ops import image_tag
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = image_tag
ARGUMENT_SPEC = {
    'name': {'type': 'str', 'required': True},
    'tag': {'type': 'str', 'default': 'latest'},
    'repository': {'type': 'list', 'elements': 'str', 'required': True},
    'existing_images': {'type': 'str', 'choices': ['keep', 'overwrite'], 'default': 'overwrite'},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
