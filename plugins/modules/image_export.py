#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_export
short_description: Export Docker images into a tar archive, as docker save does
version_added: 1.0.0
description:
  - Writes one or more images into a tar archive with C(GET /images/get), as C(docker save) does. Counterpart of
    community.docker's C(docker_image_export), with the same options and return values.
  - The archive is streamed to a temporary file in the directory of O(path) and renamed over O(path) only when it is
    complete, so O(path) is never left half written and memory use does not grow with the images.
  - Idempotent. When O(path) already is an image archive holding exactly the image IDs to export, with every name of
    O(names) among its tags, nothing is written and the task reports no change. The archive's C(manifest.json) (or C(index.json)) is read without extracting
    anything; both the classic format and the OCI layout of Docker 25 and newer are understood.
author:
  - dockerapi.engine team (@dockerapi)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dockerapi.engine.connection
  - dockerapi.engine.attributes
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
    details:
      - The diff shows the path, whether it existed and the image IDs the archive will hold.
options:
  names:
    description:
      - The images to export, by name (V(busybox), V(app:1.2), V(registry:5000/team/app@sha256:...)) or by image ID
        (V(sha256:...)).
      - A name without tag or digest gets O(tag).
    type: list
    elements: str
    required: true
    aliases:
      - name
  tag:
    description: The tag of the names in O(names) that have none.
    type: str
    default: latest
  path:
    description: The tar file to write, on the host the module runs on. Its directory must exist.
    type: path
    required: true
  force:
    description: Write the archive even when O(path) already holds the same images.
    type: bool
    default: false
  platform:
    description:
      - For a multi-platform image, the platform to export (V(os/arch) or V(os/arch/variant), for example
        V(linux/arm64)).
      - Needs Docker API 1.48 (Docker 28) or newer; on an older daemon the task fails before anything is written.
    type: str
seealso:
  - module: dockerapi.engine.image_load
  - module: dockerapi.engine.image_info
"""

EXAMPLES = r"""
- name: Export two images into one archive (skipped when the archive already holds them)
  dockerapi.engine.image_export:
    names:
      - app:1.2
      - busybox
    path: /srv/images/app-1.2.tar

- name: Rewrite the archive anyway
  dockerapi.engine.image_export:
    name: app
    tag: "1.2"
    path: /srv/images/app-1.2.tar
    force: true
"""

RETURN = r"""
images:
  description: The inspect result (C(GET /images/{name}/json)) of each image exported, in the order of O(names).
  returned: success
  type: list
  elements: dict
  sample: [{"Id": "sha256:e0a2e4e0...", "RepoTags": ["app:1.2"]}]
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._archive import image_export
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = image_export
ARGUMENT_SPEC = {
    'names': {'type': 'list', 'elements': 'str', 'required': True, 'aliases': ['name']},
    'tag': {'type': 'str', 'default': 'latest'},
    'path': {'type': 'path', 'required': True},
    'force': {'type': 'bool', 'default': False},
    'platform': {'type': 'str'},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
