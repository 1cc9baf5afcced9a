#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container_exec
short_description: Run a command in a running Docker container
version_added: 1.0.0
description:
  - Runs one command in a running container, like C(docker exec), and returns its output and exit code.
  - Standard output and standard error are kept apart (the API's framed stream is demultiplexed), unless
    O(tty=true), where the terminal merges them into RV(stdout).
  - A stopped, paused or missing container fails with a message saying so.
  - A non-zero exit code fails the task, as with M(ansible.builtin.command); use C(failed_when) to accept it.
  - The values of O(env) never appear in the task's echoed arguments (C(invocation), shown at C(-vvv)), in results
    or in messages; only the variable names are echoed. Unlike C(no_log), this does not mask the command's own output,
    so a value such as V(1) does not turn every C(1) of RV(stdout) into C(********).
  - O(stdin) is C(no_log), so Ansible masks it wherever it occurs in the result, the command's output included.
  - The output is read as it arrives and at most O(max_output_bytes) of each of stdout and stderr is kept, so a
    command that prints gigabytes does not exhaust the memory of the host running the module.
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
    description:
      - Environment variables for the command. Values must be strings.
      - The values are never echoed (see the description); the names are not secret.
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
      - It is written while the output is read, so a command may echo a large input without blocking.
      - Works over the unix socket, plain TCP and TLS. Over TLS the end of the input is sent as a TLS
        C(close_notify) while the output is still read (what C(docker exec -i) does), which needs no more than the
        Python standard library.
      - C(no_log) (see the description).
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
  exec_timeout:
    description:
      - Give up on the command when it has not finished after this many seconds (fractions allowed). The task then
        fails with RV(timed_out=true), the output read so far, and says whether the command still runs.
      - The Engine API has no call that stops an exec process, and closing the connection does not end it either
        (the daemon keeps it running). When the limit fires, the module looks the exec up and returns RV(exec_running)
        and RV(exec_pid), the process ID on the B(daemon host), where C(kill) can end it; restarting the container
        ends it too.
      - Unset (the default), the task waits as long as the command runs, like C(docker exec) and
        M(community.docker.docker_container_exec), which has no such option.
      - This is not the connection option O(timeout), which bounds each wait for an answer of the daemon (container
        lookup, exec create, exec inspect, the start of the output) but never the command's run time.
      - Not possible with O(detach=true).
    type: float
  max_output_bytes:
    description:
      - The most bytes of each of stdout and stderr returned. Output beyond that is read and discarded (the
        command is not stopped), and RV(stdout_truncated) or RV(stderr_truncated) is V(true), with a warning
        giving the real size. The beginning of the output is kept.
      - The default is 16 MiB. Memory use of the module is about twice this value per stream at most.
    type: int
    default: 16777216
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

- name: A check that must not hang the play, with bounded output
  dockerapi.engine.container_exec:
    container: app
    argv: [/usr/local/bin/healthcheck, --verbose]
    exec_timeout: 30
    max_output_bytes: 65536
  register: health
  failed_when: health.rc != 0 or health.stdout_truncated
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
stdout_truncated:
  description: Whether RV(stdout) was cut to O(max_output_bytes).
  returned: when O(detach=false) and not in check mode
  type: bool
  sample: false
stderr_truncated:
  description: Whether RV(stderr) was cut to O(max_output_bytes).
  returned: when O(detach=false) and not in check mode
  type: bool
  sample: false
timed_out:
  description: V(true) when O(exec_timeout) ended the wait (the task then fails).
  returned: when O(exec_timeout) fired
  type: bool
  sample: true
exec_running:
  description: Whether the command was still running after O(exec_timeout) fired.
  returned: when O(exec_timeout) fired
  type: bool
  sample: true
exec_pid:
  description: The command's process ID on the daemon host (not inside the container), to end it with C(kill) there.
  returned: when O(exec_timeout) fired and the daemon knows it
  type: int
  sample: 41235
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
    'stdin': {'type': 'str', 'no_log': True},
    'stdin_add_newline': {'type': 'bool', 'default': True},
    'strip_empty_ends': {'type': 'bool', 'default': True},
    'detach': {'type': 'bool', 'default': False},
    'exec_timeout': {'type': 'float'},
    'max_output_bytes': {'type': 'int', 'default': 16777216},
}
MODULE_KWARGS = {
    'mutually_exclusive': [('argv', 'command')],
    'required_one_of': [('argv', 'command')],
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE, **MODULE_KWARGS)


if __name__ == '__main__':
    main()
