#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_push
short_description: Push Docker images to registries
version_added: 1.0.0
description:
  - Pushes a local image with C(POST /images/{name}/push), as C(docker push) does. Counterpart of community.docker's
    C(docker_image_push), with the same options, defaults and return values.
  - Idempotent. When the registry's manifest digest for the name (C(GET /distribution)) is one the local image was
    pulled or pushed with, nothing is pushed and no change is reported.
  - The image must exist on the daemon; an image ID cannot be pushed (tag it with M(dockerapi.engine.image_tag) first).
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
      - Nothing is pushed; the registry is asked whether it already holds the image under that name.
  diff_mode:
    support: full
options:
  name:
    description:
      - The image to push, with the registry in its name, for example V(registry.example.org:5000/team/app:2.1).
      - A name without tag gets O(tag). A digest is not accepted.
    type: str
    required: true
  tag:
    description:
      - The tag of O(name) when O(name) carries neither a tag nor a digest; ignored otherwise.
    type: str
    default: latest
seealso:
  - module: dockerapi.engine.image
  - module: dockerapi.engine.image_pull
  - module: dockerapi.engine.image_tag
  - module: dockerapi.engine.image_remove
  - module: dockerapi.engine.image_info
"""

EXAMPLES = r"""
- name: Push an image to a private registry
  dockerapi.engine.image_push:
    name: registry.example.org:5000/team/app
    tag: "2.1"
"""

RETURN = r"""
image:
  description: The inspect result (C(GET /images/{name}/json)) of the image pushed.
  returned: success
  type: dict
  sample: {"Id": "sha256:e0a2e4e0...", "RepoTags": ["busybox:1.36"]}
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._image_ops import image_push
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = image_push
ARGUMENT_SPEC = {
    'name': {'type': 'str', 'required': True},
    'tag': {'type': 'str', 'default': 'latest'},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
