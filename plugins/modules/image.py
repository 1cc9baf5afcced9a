#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image
short_description: Pull, tag, push or remove a Docker image
version_added: 1.0.0
description:
  - "O(state=present): makes sure the image O(name) is on the daemon, pulling it when it is missing (or every time
    with O(pull=always)); with O(repository), also tags it as that repository; with O(push=true), pushes
    O(repository) (or O(name) when no O(repository) is given) to its registry, as community.docker's C(docker_image)
    does with C(source: pull)."
  - "O(state=absent): removes the tag O(name) (the image itself goes with its last tag), or the image with that ID."
  - "C(changed) tells the truth: a pull is a change only when the local image ID changed; a tag only when it
    pointed elsewhere; a push only when the registry did not already hold this image under that tag (asked with
    C(GET /distribution/{name}/json) before pushing)."
  - Pull and push progress arrives in a stream that starts with HTTP 200; an error reported inside it (a missing
    manifest, a refused login, a failed layer) fails the task with the registry's message.
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
      - Pulls, tags, pushes and removes nothing. With O(pull=always), and for O(push=true), the registry is asked for
        its current digest (C(GET /distribution/{name}/json), no download) to predict whether anything would change;
        if it cannot be asked, a change is reported with a warning.
  diff_mode:
    support: full
    details:
      - Shows the image ID and tags of O(name) (and of O(repository)) before and after.
options:
  name:
    description:
      - The image, as V(busybox), V(busybox:1.36), V(registry.example.org:5000/team/app:1.2) or
        V(registry.example.org:5000/team/app@sha256:...).
      - A full image ID (V(sha256:) and 64 hex digits, or just the 64 hex digits) is accepted for O(state=absent), and
        for O(state=present) with O(repository) to tag an image that is present.
      - Without a tag, O(tag) is used.
    type: str
    required: true
  tag:
    description: The tag when O(name) carries none (and the tag of O(repository) when that carries none).
    type: str
    default: latest
  state:
    description: Whether the image should be present or absent.
    type: str
    choices: [present, absent]
    default: present
  pull:
    description:
      - When to pull O(name) with O(state=present). V(missing) pulls only when it is not on the daemon; V(always)
        pulls every time (a change only if the ID changed); V(never) fails when it is missing.
    type: str
    choices: [missing, always, never]
    default: missing
  force_pull:
    description: Same as O(pull=always) (for playbooks written for C(docker_image)'s C(force_source)).
    type: bool
    default: false
    aliases: [force_source]
  platform:
    description: The platform to pull, for example V(linux/arm64).
    type: str
  repository:
    description:
      - Also tag the image as this name, for example V(registry.example.org:5000/team/app) or
        V(registry.example.org:5000/team/app:stable). Without a tag, the tag of O(name) is used.
      - The tag is moved when it points at another image.
    type: str
  push:
    description: Push O(repository) (or O(name) without O(repository)) to its registry.
    type: bool
    default: false
  force:
    description:
      - With O(state=absent), remove the image even when stopped containers use it, or (by ID) when it has several
        tags.
    type: bool
    default: false
    aliases: [force_absent]
  registry_auth:
    description:
      - Credentials for the registry of the image, sent as C(X-Registry-Auth) for pull, push and the digest lookups.
      - Without them the registry is accessed anonymously.
      - "A dictionary with C(username) and C(password), or C(identitytoken); C(serveraddress) (the registry the
        credentials are for) is optional for pull and push and defaults to the registry host in the image name."
      - "Or the same as a string: a JSON object, or the base64 value of an C(X-Registry-Auth) header (C(auth), base64
        of C(user:password), is understood too)."
      - "The password, the identity token, C(auth) and a string form as a whole never appear in the output (they are
        masked like C(no_log) values). The user name and server address are not secret and stay visible, so image
        names that contain them are not masked."
    type: raw
notes:
  - Credentials from C(~/.docker/config.json) and credential helpers are not read; give O(registry_auth).
seealso:
  - module: dockerapi.engine.image_build
  - module: dockerapi.engine.image_info
"""

EXAMPLES = r"""
- name: Make sure busybox:1.36 is present (pulled only when missing)
  dockerapi.engine.image:
    name: busybox:1.36

- name: Refresh it; changed only if the registry had a newer image
  dockerapi.engine.image:
    name: busybox:1.36
    pull: always

- name: Tag a local build for the company registry and push it
  dockerapi.engine.image:
    name: app:1.2
    pull: never
    repository: registry.example.org:5000/team/app
    push: true
    registry_auth:
      username: ci
      password: "{{ vault_registry_password }}"

- name: Remove a tag (and the image, if it was its last tag)
  dockerapi.engine.image:
    name: app:1.1
    state: absent
"""

RETURN = r"""
image:
  description:
    - The image O(name) after the task, as C(GET /images/{name}/json) returns it; V(null) after removal.
    - In check mode, the image as it is now (V(null) if it would be pulled).
  returned: always
  type: dict
actions:
  description: What was done (or would be done in check mode).
  returned: always
  type: list
  elements: str
  sample: ["Pulled image 127.0.0.1:5000/team/app:1.2", "Tagged 127.0.0.1:5000/team/app:1.2 as app:stable"]
push:
  description: The push of O(repository) (or O(name)).
  returned: when O(push=true)
  type: dict
  contains:
    name:
      description: What was pushed.
      type: str
    digest:
      description: The manifest digest the registry holds for it now (after the push).
      type: str
    registry_digest_before:
      description: The digest the registry held for that tag before; V(null) if none (or it could not be asked).
      type: str
log:
  description: Pull and push progress lines (without progress bars).
  returned: when something was pulled or pushed
  type: list
  elements: str
deleted:
  description: Image IDs the daemon deleted.
  returned: when O(state=absent) removed something
  type: list
  elements: str
untagged:
  description: Names the daemon untagged.
  returned: when O(state=absent) removed something
  type: list
  elements: str
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._auth import REGISTRY_AUTH_ARGSPEC
from ansible_collections.dockerapi.engine.plugins.module_utils._images import image
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = image
ARGUMENT_SPEC = {
    'name': {'type': 'str', 'required': True},
    'tag': {'type': 'str', 'default': 'latest'},
    'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
    'pull': {'type': 'str', 'choices': ['missing', 'always', 'never'], 'default': 'missing'},
    'force_pull': {'type': 'bool', 'default': False, 'aliases': ['force_source']},
    'platform': {'type': 'str'},
    'repository': {'type': 'str'},
    'push': {'type': 'bool', 'default': False},
    'force': {'type': 'bool', 'default': False, 'aliases': ['force_absent']},
    'registry_auth': REGISTRY_AUTH_ARGSPEC,
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
