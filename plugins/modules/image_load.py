#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_load
short_description: Load Docker images from an archive made by docker save
version_added: 1.0.0
description:
  - Loads the images of a tar archive, as C(docker load) does, with C(POST /images/load). Counterpart of
    community.docker's C(docker_image_load), with the same options and return values.
  - The archive is streamed from disk in chunks of 1 MiB, so memory use does not grow with the archive.
  - Both archive formats are accepted, the classic one of C(docker save) up to Docker 24 and the OCI layout that
    Docker 25 and newer write (for example by M(dockerapi.engine.image_export)).
  - A file that is not an image archive (not a tar, or a tar without C(manifest.json) or C(index.json)) fails before
    anything is sent to the daemon, so nothing changes.
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
      - The archive's C(manifest.json) (or C(index.json)) is read and the images it holds are reported; nothing is
        loaded. RV(images) holds those of them that the daemon already has.
  diff_mode:
    support: none
options:
  path:
    description:
      - The tar archive to load, on the host the module runs on.
    type: path
    required: true
seealso:
  - module: dockerapi.engine.image_export
  - module: dockerapi.engine.image_info
"""

EXAMPLES = r"""
- name: Load the images of an archive made by docker save
  dockerapi.engine.image_load:
    path: /srv/images/app-1.2.tar
  register: loaded

- name: Show what was loaded
  ansible.builtin.debug:
    msg: "{{ loaded.image_names }}"
"""

RETURN = r"""
image_names:
  description:
    - "The names of the images loaded, as the daemon reports them (C(Loaded image: name:tag)); an image without a
      name is listed by its ID (C(Loaded image ID: sha256:...))."
  returned: success
  type: list
  elements: str
  sample: ["hello-world:latest", "sha256:e0a2e4e0..."]
images:
  description: The inspect result (C(GET /images/{id}/json)) of each image loaded.
  returned: success
  type: list
  elements: dict
  sample: [{"Id": "sha256:e0a2e4e0...", "RepoTags": ["hello-world:latest"]}]
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._archive import image_load
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = image_load
ARGUMENT_SPEC = {
    'path': {'type': 'path', 'required': True},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
