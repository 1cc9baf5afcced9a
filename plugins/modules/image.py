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
    with O(pull=always)), or building it (O(source=build)), loading it from an archive (O(source=load)) or only
    requiring it (O(source=local)); with O(repository), also tags it as that repository; with O(push=true), pushes
    O(repository) (or O(name) when no O(repository) is given) to its registry; with O(archive_path), saves it to a
    tar file."
  - "It takes community.docker's C(docker_image) options with their meanings (O(source), O(build), O(load_path),
    O(archive_path), O(force_source), O(force_tag), O(force_absent), O(pull) as a dictionary with C(platform)), and
    keeps this module's own O(pull) string (V(missing), V(always), V(never)) and O(registry_auth)."
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
  source:
    description:
      - Where the image comes from with O(state=present), as in C(docker_image).
      - V(pull) pulls O(name) when it is missing (every time with O(force_source) or O(pull=always)).
      - V(build) builds O(name) from O(build) when it is missing (every time with O(force_source)); the build is the
        one of M(dockerapi.engine.image_build).
      - V(load) loads O(load_path) when O(name) is missing (every time with O(force_source)); the task fails when the
        archive does not hold O(name).
      - V(local) only requires O(name) to be on the daemon (nothing is pulled, built or loaded), for tagging, pushing
        or archiving it.
      - Without O(source), O(name) is pulled as O(pull) says (V(pull) with this module's O(pull) string).
    type: str
    choices: [build, load, pull, local]
  pull:
    description:
      - "A string (this module's own form): when to pull O(name) with O(state=present) and no O(source) or
        O(source=pull). V(missing) (the default; V(not_present) is the same) pulls only when it is not on the daemon;
        V(always) pulls every time (a change only if the ID changed); V(never) fails when it is missing."
      - "Or C(docker_image)'s dictionary: options for O(source=pull), of which there is one, C(platform): the
        platform to pull, for example V(linux/arm64) (the same as O(platform))."
    type: raw
    suboptions:
      platform:
        description: When O(pull) is a dictionary, the platform to pull, for example V(linux/arm64).
        type: str
  force_source:
    description:
      - With O(source=pull) (or no O(source)), pull every time (as O(pull=always)); with O(source=build), build again
        even when O(name) exists; with O(source=load), load O(load_path) again. C(changed) only when the ID of O(name)
        changed.
    type: bool
    default: false
    aliases: [force_pull]
  platform:
    description: The platform to pull, for example V(linux/arm64).
    type: str
  build:
    description:
      - How to build O(name) with O(source=build) (C(docker_image)'s C(build) options); it is sent to the daemon as
        M(dockerapi.engine.image_build) sends it, tagged O(name) (with O(tag) when O(name) has none).
    type: dict
    suboptions:
      path:
        description: The build context directory (C(.dockerignore) is honoured). Required with O(source=build).
        type: path
      dockerfile:
        description: The Dockerfile, relative to O(build.path) (default C(Dockerfile)).
        type: str
      args:
        description: Build arguments (C(--build-arg)); values are hidden in the output.
        type: dict
      cache_from:
        description: Images used as cache sources.
        type: list
        elements: str
      container_limits:
        description: Limits for the build's containers.
        type: dict
        suboptions:
          memory:
            description: Memory limit, for example V(512M).
            type: str
          memswap:
            description: Memory plus swap; V(-1) for unlimited swap.
            type: str
          cpushares:
            description: CPU shares (relative weight).
            type: int
          cpusetcpus:
            description: CPUs to use, for example V(0-3) or V(0,1).
            type: str
      etc_hosts:
        description: Extra C(/etc/hosts) entries for the build, host name to IP address.
        type: dict
      http_timeout:
        description: Seconds the build may take (the M(dockerapi.engine.image_build) C(build_timeout)); when it passes
          the connection is closed, which cancels the build.
        type: int
      labels:
        description: Labels for the image.
        type: dict
      network:
        description: The network mode of the C(RUN) steps.
        type: str
      nocache:
        description: Build without the cache.
        type: bool
        default: false
      platform:
        description: The platform to build for, for example V(linux/amd64).
        type: str
      pull:
        description: Pull the C(FROM) images even when they are present.
        type: bool
        default: false
      rm:
        description: Remove intermediate containers after a successful build.
        type: bool
        default: true
      shm_size:
        description: Size of C(/dev/shm) for the C(RUN) steps, for example V(64M).
        type: str
      target:
        description: The stage to build in a multi-stage Dockerfile.
        type: str
      use_config_proxy:
        description: Accepted for C(docker_image) compatibility and ignored; proxy settings of the docker config are not
          passed to the build (give them in O(build.args)).
        type: bool
  load_path:
    description: An image archive (as C(docker save) or M(dockerapi.engine.image_export) writes it) to load with
      O(source=load); it is streamed to the daemon from disk.
    type: path
  archive_path:
    description:
      - With O(state=present), save O(name) to this tar file (as C(docker save) does, written atomically). Nothing is
        written when the file already holds the same image under that name (C(changed=false)).
    type: path
  force_tag:
    description:
      - Accepted for C(docker_image) compatibility. O(repository) is always made to point at the image (the tag is moved
        when it points at another image), so this changes nothing.
    type: bool
    default: false
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
  force_absent:
    description:
      - With O(state=absent), remove the image even when stopped containers use it, or (by ID) when it has several
        tags.
    type: bool
    default: false
    aliases: [force]
  registry_auth:
    description:
      - Credentials for the registry of the image, sent as C(X-Registry-Auth) for pull, push and the digest lookups.
      - "Without them, the docker CLI's credentials for the registry are used, as the docker CLI finds them: in the
        config C($DOCKER_CONFIG/config.json) or C(~/.docker/config.json) (on the host that runs the module), from
        the credential helper C(credHelpers) names for the registry, else the one C(credsStore) names, else the
        C(auths) entry (C(auth) or C(identitytoken)); M(dockerapi.engine.login) writes them. Otherwise the registry
        is accessed anonymously."
      - "A dictionary with C(username) and C(password), or C(identitytoken); C(serveraddress) (the registry the
        credentials are for) is optional for pull and push and defaults to the registry host in the image name."
      - "Or the same as a string: a JSON object, or the base64 value of an C(X-Registry-Auth) header (C(auth), base64
        of C(user:password), is understood too)."
      - "The password, the identity token, C(auth) and a string form as a whole never appear in the output (they are
        masked like C(no_log) values). The user name and server address are not secret and stay visible, so image
        names that contain them are not masked."
    type: raw
seealso:
  - module: dockerapi.engine.login
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

- name: Build an image when it is missing (docker_image's interface)
  dockerapi.engine.image:
    name: app
    tag: "1.3"
    source: build
    build:
      path: /srv/app
      args:
        VERSION: "1.3"

- name: Load an image from an archive when it is missing, and keep a copy of another one
  dockerapi.engine.image:
    name: app:1.2
    source: load
    load_path: /srv/images/app-1.2.tar

- name: Save a local image to a tar file (skipped when the file already holds it)
  dockerapi.engine.image:
    name: app:1.2
    source: local
    archive_path: /srv/images/app-1.2.tar

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
  description: Pull, push, build and load output lines (without progress bars).
  returned: when something was pulled, pushed, built or loaded
  type: list
  elements: str
stdout:
  description: The same lines as RV(log), as one text (C(docker_image)'s return value).
  returned: when something was pulled, pushed, built or loaded
  type: str
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
_BUILD_SPEC = {
    'path': {'type': 'path'},
    'dockerfile': {'type': 'str'},
    'args': {'type': 'dict'},
    'cache_from': {'type': 'list', 'elements': 'str'},
    'container_limits': {'type': 'dict', 'options': {
        'memory': {'type': 'str'},
        'memswap': {'type': 'str'},
        'cpushares': {'type': 'int'},
        'cpusetcpus': {'type': 'str'},
    }},
    'etc_hosts': {'type': 'dict'},
    'http_timeout': {'type': 'int'},
    'labels': {'type': 'dict'},
    'network': {'type': 'str'},
    'nocache': {'type': 'bool', 'default': False},
    'platform': {'type': 'str'},
    'pull': {'type': 'bool', 'default': False},
    'rm': {'type': 'bool', 'default': True},
    'shm_size': {'type': 'str'},
    'target': {'type': 'str'},
    'use_config_proxy': {'type': 'bool'},
}

ARGUMENT_SPEC = {
    'name': {'type': 'str', 'required': True},
    'tag': {'type': 'str', 'default': 'latest'},
    'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
    'source': {'type': 'str', 'choices': ['build', 'load', 'pull', 'local']},
    # A string (missing, always, never; not_present = missing) or docker_image's dictionary with platform.
    'pull': {'type': 'raw', 'options': {'platform': {'type': 'str'}}},
    'force_source': {'type': 'bool', 'default': False, 'aliases': ['force_pull']},
    'platform': {'type': 'str'},
    'build': {'type': 'dict', 'options': _BUILD_SPEC},
    'load_path': {'type': 'path'},
    'archive_path': {'type': 'path'},
    'repository': {'type': 'str'},
    'force_tag': {'type': 'bool', 'default': False},
    'push': {'type': 'bool', 'default': False},
    'force_absent': {'type': 'bool', 'default': False, 'aliases': ['force']},
    'registry_auth': REGISTRY_AUTH_ARGSPEC,
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
