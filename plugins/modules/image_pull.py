#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_pull
short_description: Pull Docker images from registries
version_added: 1.0.0
description:
  - Pulls an image with C(POST /images/create), as C(docker pull) does. Counterpart of community.docker's
    C(docker_image_pull), with the same options, defaults and return values.
  - Idempotent in the result. With O(pull=always) the pull runs, and the task reports a change only when the name
    points at another image ID afterwards (the registry's manifest was newer than the local one).
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
      - Nothing is pulled. With O(pull=always) the registry is asked (C(GET /distribution)) whether its manifest
        digest for the name is among the digests the local image was pulled with; a change is reported only when it is
        not (or when the registry cannot be asked, with a warning).
  diff_mode:
    support: full
options:
  name:
    description:
      - The image to pull, for example V(busybox), V(busybox:1.36), V(registry.example.org:5000/team/app) or a name
        with a digest (V(busybox@sha256:...)).
      - A name without tag or digest gets O(tag).
    type: str
    required: true
  tag:
    description:
      - The tag of O(name) when O(name) carries neither a tag nor a digest; ignored otherwise.
    type: str
    default: latest
  platform:
    description:
      - The platform to pull, V(os[/arch[/variant]]), for example V(linux/arm64).
      - With O(pull=not_present), a local image for another platform is pulled again.
    type: str
  pull:
    description:
      - V(always) pulls every time (a change only when the image ID behind the name changes); V(not_present) pulls
        only when the daemon has no image of that name (for O(platform) when given).
    type: str
    choices: [always, not_present]
    default: always
seealso:
  - module: dockerapi.engine.image
  - module: dockerapi.engine.image_push
  - module: dockerapi.engine.image_tag
  - module: dockerapi.engine.image_remove
  - module: dockerapi.engine.image_info
"""

EXAMPLES = r"""
- name: Pull an image (a change only when the registry had a newer one)
  dockerapi.engine.image_pull:
    name: busybox
    tag: "1.36"

- name: Pull only when missing
  dockerapi.engine.image_pull:
    name: registry.example.org:5000/team/app:2.1
    pull: not_present
"""

RETURN = r"""
image:
  description: The inspect result (C(GET /images/{name}/json)) of the image after the pull (before it in check mode; empty when it was not there).
  returned: success
  type: dict
  sample: {"Id": "sha256:e0a2e4e0...", "RepoTags": ["busybox:1.36"]}
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._image_ops import image_pull
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = image_pull
ARGUMENT_SPEC = {
    'name': {'type': 'str', 'required': True},
    'tag': {'type': 'str', 'default': 'latest'},
    'platform': {'type': 'str'},
    'pull': {'type': 'str', 'choices': ['always', 'not_present'], 'default': 'always'},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
