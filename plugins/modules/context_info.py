#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: context_info
short_description: Information on the docker CLI's contexts, and connection options to reach each one
version_added: 1.0.0
description:
  - Lists the docker CLI's contexts (C(docker context ls)) of the docker config directory (E(DOCKER_CONFIG), else
    C(~/.docker)), or only the current one, or one by name; says which one is current.
  - Each context comes with RV(contexts[].config), connection options of this collection that reach its daemon;
    use them as C(module_defaults) for C(group/dockerapi.engine.engine).
  - Reads files only. It talks to no Docker daemon (one need not be reachable) and never changes anything.
  - The current context is chosen as the docker CLI chooses it; E(DOCKER_HOST) set means C(default), then
    E(DOCKER_CONTEXT), then C(currentContext) in C(config.json), then C(default). Modules of this collection use
    that same context when neither O(docker_host) nor E(DOCKER_HOST) is set.
  - The connection options (O(docker_host), O(tls), ...) are accepted so that C(module_defaults) of the action group
    apply to this module too; they are ignored.
author:
  - dockerapi.engine team (@dockerapi)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dockerapi.engine.connection
  - dockerapi.engine.attributes
  - dockerapi.engine.attributes.info_module
options:
  only_current:
    description:
      - If V(true), RV(contexts) holds only the current context.
      - If V(false), RV(contexts) lists every context (C(default) included), unless O(name) is set.
      - Mutually exclusive with O(name).
    type: bool
    default: false
  name:
    description:
      - Only this context. The task fails when it does not exist; to test whether a context exists, list them all
        and search RV(contexts) instead.
      - Mutually exclusive with O(only_current).
    type: str
  cli_context:
    description:
      - The name to treat as the current context instead of the one the environment and C(config.json) select (like
        the docker CLI's C(--context)).
      - Selects the context for O(only_current=true) and sets RV(contexts[].current) and RV(current_context_name).
    type: str
notes:
  - The same module exists in community.docker as C(docker_context_info), with the same options and return values.
    One difference in RV(contexts[].config) - C(tls) means "use TLS" here, and C(validate_certs) says whether the
    daemon's certificate is verified, as everywhere in this collection.
seealso:
  - name: docker context
    description: The docker CLI's contexts.
    link: https://docs.docker.com/engine/manage-resources/contexts/
"""

EXAMPLES = r"""
- name: List the contexts
  dockerapi.engine.context_info:
  register: result

- name: Show their names and endpoints
  ansible.builtin.debug:
    msg: "{{ result.contexts | items2dict(key_name='name', value_name='config') }}"

- name: The current context
  dockerapi.engine.context_info:
    only_current: true
  register: current

- name: Use the context named prod for a few tasks
  dockerapi.engine.context_info:
    name: prod
  register: prod

- name: Tasks against prod's daemon
  module_defaults:
    group/dockerapi.engine.engine: "{{ prod.contexts[0].config }}"
  block:
    - name: Information on the daemon
      dockerapi.engine.host_info:
"""

RETURN = r"""
contexts:
  description:
    - Every context (O(only_current=false) and no O(name)), only the current one (O(only_current=true)), or the one
      named by O(name); sorted by name.
  returned: success
  type: list
  elements: dict
  contains:
    current:
      description: Whether this context is the current one.
      returned: success
      type: bool
      sample: true
    name:
      description: The context's name.
      returned: success
      type: str
      sample: default
    description:
      description: The context's description, if it has one.
      returned: success
      type: str
      sample: My context
    meta_path:
      description:
        - The context's metadata directory (holding C(meta.json)).
        - V(null) for the C(default) context, which is not stored.
      returned: success
      type: str
      sample: /home/user/.docker/contexts/meta/0123456789abcdef01234567890abcdef0123456789abcdef0123456789abcde
    tls_path:
      description:
        - The context's TLS directory (the files are in its C(docker) subdirectory).
        - V(null) for the C(default) context.
      returned: success
      type: str
      sample: /home/user/.docker/contexts/tls/0123456789abcdef01234567890abcdef0123456789abcdef0123456789abcde
    config:
      description:
        - Connection options of this collection that reach the context's daemon, for C(module_defaults) of
          C(group/dockerapi.engine.engine). Empty when the context has no docker endpoint.
        - For C(default), E(DOCKER_HOST) (or the default socket) and, with E(DOCKER_TLS_VERIFY), the files in
          E(DOCKER_CERT_PATH).
      returned: success
      type: dict
      sample: {"docker_host": "tcp://docker.example.org:2376", "tls": true, "validate_certs": true,
               "ca_path": "/home/user/.docker/contexts/tls/0123/docker/ca.pem"}
      contains:
        docker_host:
          description: The daemon's URL (C(http://) and C(https://) become C(tcp://)).
          returned: success and the context is for Docker
          type: str
          sample: unix:///var/run/docker.sock
        tls:
          description: Whether to use TLS (the context has TLS material, or skips verification).
          returned: success and the context is for Docker
          type: bool
          sample: false
        validate_certs:
          description: Whether to verify the daemon's certificate (the context's C(SkipTLSVerify) negated).
          returned: success, the context is for Docker and uses TLS
          type: bool
          sample: true
        ca_path:
          description: The CA certificate that verifies the daemon's certificate.
          returned: success, the context is for Docker, uses TLS and has a CA certificate
          type: str
          sample: /home/user/.docker/contexts/tls/0123/docker/ca.pem
        client_cert:
          description: The client certificate.
          returned: success, the context is for Docker, uses TLS and has a client certificate
          type: str
          sample: /home/user/.docker/contexts/tls/0123/docker/cert.pem
        client_key:
          description: The client certificate's key.
          returned: success, the context is for Docker, uses TLS and has a client certificate
          type: str
          sample: /home/user/.docker/contexts/tls/0123/docker/key.pem
current_context_name:
  description: The name of the current context.
  returned: success
  type: str
  sample: default
current_context_source:
  description: Why that context is the current one.
  returned: success
  type: str
  sample: DOCKER_CONTEXT
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._dockercontext import context_info
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import build_argument_spec, run_local_module

SERVICE = context_info
LOCAL = True
ARGUMENT_SPEC = {
    'only_current': {'type': 'bool', 'default': False},
    'name': {'type': 'str'},
    'cli_context': {'type': 'str'},
}
MODULE_KWARGS = {
    'mutually_exclusive': [('only_current', 'name')],
}


def main() -> None:
    run_local_module(build_argument_spec(ARGUMENT_SPEC), SERVICE, **MODULE_KWARGS)


if __name__ == '__main__':
    main()
