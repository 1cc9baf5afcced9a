#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: image_build
short_description: Build an image with the Docker daemon's builder, streaming the context
version_added: 1.0.0
description:
  - Sends a build context to C(POST /build) (the classic builder, as C(DOCKER_BUILDKIT=0 docker build)) and tags the
    result.
  - The context is either a directory (O(path)) or a ready tar file (O(context_tar), plain or compressed with gzip,
    bzip2 or xz, as C(cat context.tar | curl --data-binary @- .../build)).
  - B(Memory stays flat whatever the size of the context.) A directory is turned into a tar while it is read and sent
    in chunks (HTTP chunked encoding); a tar file is sent as it is read. Nothing is buffered whole and no temporary
    copy is written.
  - A C(.dockerignore) in O(path) is honoured with the docker CLI's rules (Go C(filepath.Match) globs, C(**) for any
    number of directories, C(!) exceptions, the last matching line wins, a leading C(/) or C(./) is ignored). The
    Dockerfile and C(.dockerignore) are always sent, as the CLI does; the daemon drops them from the context when they
    are excluded. With O(context_tar) the tar is sent as it is.
  - "B(Idempotence that tells the truth): the build always runs (the daemon's layer cache makes an unchanged build
    fast), and C(changed) is V(true) only when O(name) (or one of O(tags)) now points at a different image ID
    than before."
  - Every option is checked before anything is sent; files of the context that cannot be read fail the task before
    the upload starts, as C(docker build) does.
  - A failing build fails the task with the failing step, the daemon's error and the build log. Nothing is tagged by
    a failed build (the classic builder tags only at the end).
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
      - Builds nothing; C(changed) says whether the tag O(name) is missing (a real run would create it). Whether
        an existing tag would move cannot be known without building.
  diff_mode:
    support: full
    details:
      - Shows the image ID of each tag before and after.
options:
  name:
    description:
      - The image name the build is tagged with, as C(docker build -t), for example V(app), V(app:1.2) or
        V(registry.example.org:5000/team/app:1.2).
      - Without a tag in the name, O(tag) is used.
    type: str
    required: true
  tag:
    description: The tag for O(name) when O(name) carries none.
    type: str
    default: latest
  tags:
    description: More names (C(name:tag)) for the same image, as extra C(-t) options.
    type: list
    elements: str
  path:
    description:
      - The build context directory, on the host that runs the module.
      - Exactly one of O(path) and O(context_tar) is required.
    type: path
  context_tar:
    description:
      - A ready build context as a tar file (plain, gzip, bzip2 or xz), on the host that runs the module.
      - Sent as it is read, with its size as C(Content-Length); C(.dockerignore) inside it is not applied.
    type: path
  dockerfile:
    description:
      - The Dockerfile's path inside the context, relative to it (an absolute path inside O(path) is accepted).
      - Defaults to V(Dockerfile) (or V(dockerfile) when only that exists in O(path)).
    type: str
  buildargs:
    description:
      - Build-time variables (C(ARG)), as C(--build-arg). Values are sent as strings; V(null) declares the variable
        without a value.
      - "Build arguments may carry tokens: their values never appear in the task's echoed arguments (C(invocation),
        shown at C(-vvv)), in results or in messages; only the names are echoed. This is not C(no_log), which would
        also mask every occurrence of a short value such as V(1.2) in the output (image tags included). A value
        that a C(RUN) step prints, or that the image keeps (C(docker history)), is the Dockerfile's business:
        use build secrets for real credentials."
    type: dict
    aliases: [args]
  labels:
    description: Labels to set on the image, as C(--label).
    type: dict
  target:
    description: The build stage to stop at (C(FROM ... AS <target>)), as C(--target).
    type: str
  nocache:
    description: Do not use the layer cache, as C(--no-cache).
    type: bool
    default: false
  pull:
    description:
      - Ask the registry for a newer version of every C(FROM) image, as C(--pull).
      - Needs the registry to be reachable from the daemon (and credentials for a private one, O(registry_auth) or the docker config).
    type: bool
    default: false
  rm:
    description: Remove the intermediate containers after a successful build, as C(--rm).
    type: bool
    default: true
  forcerm:
    description:
      - Remove the intermediate containers even when the build fails, as C(--force-rm).
      - Defaults to V(true) (unlike the docker CLI), so a failed build leaves no container behind.
    type: bool
    default: true
  network_mode:
    description: The network of the C(RUN) steps, as C(--network), for example V(host), V(none) or a network name.
    type: str
    aliases: [network]
  platform:
    description: The platform to build for, as C(--platform), for example V(linux/amd64).
    type: str
  cache_from:
    description: Images to use as cache sources, as C(--cache-from).
    type: list
    elements: str
  extra_hosts:
    description: "Extra C(/etc/hosts) entries for the C(RUN) steps, host name to address, as C(--add-host); for
      example C({db.local: 10.0.0.5})."
    type: dict
    aliases: [etc_hosts]
  shm_size:
    description: Size of C(/dev/shm) for the C(RUN) steps, in bytes or with a unit (V(64m), V(1g)), as C(--shm-size).
    type: str
  build_timeout:
    description:
      - Seconds the whole build (upload and all steps) may take. When they pass, the connection is closed, which makes
        the daemon cancel the build; nothing is tagged and the task fails with the log so far.
      - Without it a build may take as long as it needs. The connection option O(timeout) only limits connecting and
        each write of the upload.
    type: int
  registry_auth:
    description:
      - Credentials for the registry of the C(FROM) images (used with O(pull) or when a base image is missing), sent
        as C(X-Registry-Config).
      - "Without them, every registry's credentials in the docker CLI's config are sent, as the docker CLI does
        (C($DOCKER_CONFIG/config.json) or C(~/.docker/config.json): C(auths), C(credHelpers), C(credsStore)); see
        M(dockerapi.engine.login)."
      - "A dictionary with C(username) and C(password), or C(identitytoken), and C(serveraddress): the registry host
        the C(FROM) images come from, for example V(registry.example.org:5000) (required for a build)."
      - "Or the same as a string: a JSON object, or the base64 value of an C(X-Registry-Auth) header (C(auth), base64
        of C(user:password), is understood too)."
      - "The password, the identity token, C(auth) and a string form as a whole never appear in the output (they are
        masked like C(no_log) values). The user name and server address are not secret and stay visible, so image
        names that contain them are not masked."
    type: raw
notes:
  - BuildKit (C(docker buildx)) features such as secrets, SSH forwarding and multi-platform outputs are not available
    through C(POST /build) without BuildKit's session protocol; this module uses the classic builder, which every
    daemon from 20.10 to 28 still runs by default through the API.
seealso:
  - module: dockerapi.engine.image
  - module: dockerapi.engine.image_info
"""

EXAMPLES = r"""
- name: Build ./app (honouring ./app/.dockerignore) and tag it app:1.2 and app:latest
  dockerapi.engine.image_build:
    path: ./app
    name: app:1.2
    tags:
      - app:latest
    buildargs:
      VERSION: "1.2"
    labels:
      org.opencontainers.image.version: "1.2"
  register: build

- name: Tell whether the image changed
  ansible.builtin.debug:
    msg: "{{ build.previous_image_id }} -> {{ build.image_id }} (changed: {{ build is changed }})"

- name: Build from a ready tar, as `cat context.tar | curl --data-binary @- .../build?t=example-image:latest`
  dockerapi.engine.image_build:
    context_tar: /tmp/context.tar
    name: example-image:latest
    dockerfile: Dockerfile
    rm: true
    pull: false

- name: Build one stage with a time limit, removing containers even on failure
  dockerapi.engine.image_build:
    path: /srv/src/api
    dockerfile: docker/Dockerfile.prod
    target: runtime
    name: registry.example.org:5000/team/api
    tag: "{{ git_sha }}"
    forcerm: true
    build_timeout: 1800
"""

RETURN = r"""
image_id:
  description: The image ID O(name) points at after the build (before it, in check mode).
  returned: success
  type: str
  sample: sha256:81c3d3bb612cd7ff97fa9ae79d537a3605b04748ce1ea4aa2a3e4b7f248afee2
previous_image_id:
  description: The image ID O(name) pointed at before the build; V(null) when the tag did not exist.
  returned: success
  type: str
  sample: sha256:5172d2524be94e60dcdeecd675d93319b5b7a74e5004954821f32636f45fd276
image:
  description: The built image, as C(GET /images/{id}/json) returns it; V(null) in check mode.
  returned: success
  type: dict
log:
  description:
    - The build output, one line per item (C(Step 1/3 ...), the output of C(RUN) steps, pull progress without the
      progress bars).
    - Also returned when the build fails.
  returned: always
  type: list
  elements: str
  sample: ["Step 1/2 : FROM busybox", " ---> 6c5886ae8668", "Step 2/2 : LABEL a=b", "Successfully built 81c3d3bb612c"]
context:
  description: What was sent.
  returned: success
  type: dict
  contains:
    files:
      description: Files (and links) sent from O(path), after C(.dockerignore).
      type: int
      returned: with O(path)
    directories:
      description: Directories sent from O(path).
      type: int
      returned: with O(path)
    bytes:
      description: Total size of the files (with O(path)), or of the tar file (with O(context_tar)).
      type: int
      returned: success
    bytes_sent:
      description: Bytes of tar sent to the daemon.
      type: int
      returned: when not in check mode
failed_step:
  description: "The step that failed, for example C(Step 2/3 : RUN make)."
  returned: when a step of the build failed
  type: str
daemon_message:
  description: The daemon's error text.
  returned: when the build failed
  type: str
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._auth import REGISTRY_AUTH_ARGSPEC
from ansible_collections.dockerapi.engine.plugins.module_utils._images import image_build
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = image_build
ARGUMENT_SPEC = {
    'name': {'type': 'str', 'required': True},
    'tag': {'type': 'str', 'default': 'latest'},
    'tags': {'type': 'list', 'elements': 'str'},
    'path': {'type': 'path'},
    'context_tar': {'type': 'path'},
    'dockerfile': {'type': 'str'},
    'buildargs': {'type': 'dict', 'aliases': ['args']},
    'labels': {'type': 'dict'},
    'target': {'type': 'str'},
    'nocache': {'type': 'bool', 'default': False},
    'pull': {'type': 'bool', 'default': False},
    'rm': {'type': 'bool', 'default': True},
    'forcerm': {'type': 'bool', 'default': True},
    'network_mode': {'type': 'str', 'aliases': ['network']},
    'platform': {'type': 'str'},
    'cache_from': {'type': 'list', 'elements': 'str'},
    'extra_hosts': {'type': 'dict', 'aliases': ['etc_hosts']},
    'shm_size': {'type': 'str'},
    'build_timeout': {'type': 'int'},
    'registry_auth': REGISTRY_AUTH_ARGSPEC,
}

MODULE_KWARGS = {
    'mutually_exclusive': [('path', 'context_tar')],
    'required_one_of': [('path', 'context_tar')],
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE, **MODULE_KWARGS)


if __name__ == '__main__':
    main()
