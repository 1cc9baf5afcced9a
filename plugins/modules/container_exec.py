#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container_exec
short_description: Run a command in a running Docker container
version_added: 0.1.0
description:
  - Runs one command in a running container, like C(docker exec), and returns its output and exit code.
  - Standard output and standard error are kept apart (the API's framed stream is demultiplexed), unless
    O(tty=true), where the terminal merges them into RV(stdout).
  - A stopped, paused or missing container fails with a message saying so.
  - A non-zero exit code fails the task, as with M(ansible.builtin.command); use C(failed_when) to accept it.
author:
  - dockerapi.engine team (@dockerapi)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dockerapi.engine.connection
  - dockerapi.engine.attributes
attributes:
  check_mode:
    support: partial
    details:
      - In check mode the command is not run; the module checks that the container runs and reports a change.
  diff_mode:
    support: none
options:
  container:
    description: The container's name or ID.
    type: str
    required: true
  argv:
    description: The command as a list of arguments (no shell involved). One of O(argv) and O(command) is required.
    type: list
    elements: str
  command:
    description: The command as a string, split into arguments like a shell would (no shell runs it; use
      C(sh -c '...') for pipes and redirections).
    type: str
  env:
    description: Environment variables for the command. Values must be strings.
    type: dict
  user:
    description: Run as this user, C(name), C(uid) or C(uid:gid).
    type: str
  chdir:
    description: The working directory of the command.
    type: str
  tty:
    description: Allocate a terminal; stdout and stderr then arrive merged in RV(stdout).
    type: bool
    default: false
  stdin:
    description:
      - Text sent to the command's standard input, which is then closed.
      - Not possible over a TLS connection (Python cannot half-close TLS); use the unix socket on the daemon host.
    type: str
  stdin_add_newline:
    description: Add a newline to O(stdin) when it does not end with one.
    type: bool
    default: true
  strip_empty_ends:
    description: Strip leading and trailing newlines from RV(stdout) and RV(stderr).
    type: bool
    default: true
  detach:
    description: Start the command and return at once, without its output or exit code (RV(exec_id) is returned).
    type: bool
    default: false
seealso:
  - module: dockerapi.engine.container
"""

EXAMPLES = r"""
- name: Is systemd up in the test host?
  dockerapi.engine.container_exec:
    container: testhost
    argv: [systemctl, is-system-running, --wait]
  register: boot
  failed_when: boot.stdout not in ['running', 'degraded']

- name: A shell pipeline, as another user, with an environment variable
  dockerapi.engine.container_exec:
    container: app
    command: sh -c 'echo "$GREETING" | tr a-z A-Z'
    user: nobody
    env:
      GREETING: hello

- name: Feed a script on stdin
  dockerapi.engine.container_exec:
    container: app
    argv: [sh]
    stdin: |
      cd /tmp
      ls -l
"""

RETURN = r"""
stdout:
  description: The command's standard output (with O(tty=true), both streams).
  returned: when O(detach=false) and not in check mode
  type: str
  sample: running
stderr:
  description: The command's standard error (empty with O(tty=true)).
  returned: when O(detach=false) and not in check mode
  type: str
  sample: ""
rc:
  description: The exit code.
  returned: when O(detach=false) and not in check mode
  type: int
  sample: 0
exec_id:
  description: The ID of the exec instance.
  returned: when not in check mode
  type: str
  sample: 9d4b0b5a6f...
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._exec import exec_service
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = exec_service
ARGUMENT_SPEC = {
    'container': {'type': 'str', 'required': True},
    'argv': {'type': 'list', 'elements': 'str'},
    'command': {'type': 'str'},
    'env': {'type': 'dict'},
    'user': {'type': 'str'},
    'chdir': {'type': 'str'},
    'tty': {'type': 'bool', 'default': False},
    'stdin': {'type': 'str'},
    'stdin_add_newline': {'type': 'bool', 'default': True},
    'strip_empty_ends': {'type': 'bool', 'default': True},
    'detach': {'type': 'bool', 'default': False},
}
MODULE_KWARGS = {
    'mutually_exclusive': [('argv', 'command')],
    'required_one_of': [('argv', 'command')],
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE, **MODULE_KWARGS)


if __name__ == '__main__':
    main()
