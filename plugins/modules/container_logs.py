#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: container_logs
short_description: Read the logs of a Docker container
version_added: 1.0.0
description:
  - Returns a container's logs, like C(docker logs), with standard output and standard error kept apart
    (RV(stdout), RV(stderr)) and also as one ordered list of lines (RV(lines)).
  - Without a TTY the API's framed stream is demultiplexed; with a TTY the terminal merges both streams, so
    everything is in RV(stdout).
  - Reads logs of running and stopped containers. Works with the log drivers that can be read back, C(json-file),
    C(local) and C(journald) (and, from Docker 20.10 on, other drivers through the daemon's dual-logging cache when it
    is enabled). A driver without read support (such as C(none)) fails with a message naming the driver.
  - Never changes anything (C(changed) is always V(false)); check mode reads the logs as well.
  - The logs are read as they arrive and at most O(max_bytes) bytes are kept, so a huge log does not exhaust the
    memory of the host running the module.
  - There is no community.docker counterpart; options are named like the C(docker logs) flags.
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
    support: none
options:
  name:
    description: The container's name or ID.
    type: str
    required: true
    aliases: [container]
  stdout:
    description: Return what the container wrote to standard output.
    type: bool
    default: true
  stderr:
    description: Return what the container wrote to standard error.
    type: bool
    default: true
  since:
    description:
      - Only log lines from this time on (C(docker logs --since)). The same forms as the C(since) option of
        M(dockerapi.engine.events), that is Unix seconds (V(1700000000.5)), an RFC 3339 time
        (V(2024-05-01T12:00:00Z); without a zone it is local time of the host the module runs on, as with the docker
        CLI), or a Go duration meaning that long ago (V(10m), V(1h30m)).
    type: raw
  until:
    description:
      - Only log lines before this time (C(docker logs --until)), in the same forms as O(since). Must not be before
        O(since).
    type: raw
  tail:
    description: The number of lines to return from the end of the logs, or V(all).
    type: raw
    default: all
  timestamps:
    description:
      - Prefix every line with the time the daemon recorded it (RFC 3339 with nanoseconds), as C(docker logs -t).
      - The prefixes stay in RV(stdout) and RV(stderr); in RV(lines) they are moved to each entry's C(timestamp).
    type: bool
    default: false
  follow:
    description:
      - Keep reading new log lines until the container exits (the daemon then ends the stream) or O(follow_timeout)
        seconds have passed, whichever comes first. RV(timed_out) says which.
      - For a container that is not running this returns at once.
    type: bool
    default: false
  follow_timeout:
    description:
      - With O(follow=true), the most seconds to wait for the container to exit (fractions allowed). When they pass,
        the task returns what was read so far with RV(timed_out=true); it does not fail.
      - Ignored without O(follow).
    type: float
    default: 300
  max_bytes:
    description:
      - The most bytes of log kept, both streams together (timestamps count). When the logs are longer, reading stops
        there, RV(truncated) is V(true) and a warning says so. The beginning is kept; use O(tail) or O(since) to read
        a later part.
      - The default is 10 MiB.
    type: int
    default: 10485760
notes:
  - C(journald) logs are read by the daemon from the host's journal; the test daemons of this collection run without
    journald, so that driver is covered by the daemon's API contract only, not by this collection's tests.
  - With a TTY, lines end with CR LF in RV(stdout) (as C(docker logs) prints them); RV(lines) drops the CR.
seealso:
  - module: dockerapi.engine.container
  - module: dockerapi.engine.container_exec
  - module: dockerapi.engine.events
"""

EXAMPLES = r"""
- name: The last 50 lines of a service's log
  dockerapi.engine.container_logs:
    name: web
    tail: 50
  register: web_log

- name: Errors of the last ten minutes, with times
  dockerapi.engine.container_logs:
    name: web
    stdout: false
    since: 10m
    timestamps: true
  register: recent_errors

- name: Run a one-shot job and wait for it, showing its whole output
  dockerapi.engine.container_logs:
    name: migrate-db
    follow: true
    follow_timeout: 600
  register: job
  failed_when: job.timed_out
"""

RETURN = r"""
stdout:
  description: What the container wrote to standard output (with a TTY, both streams).
  returned: always
  type: str
  sample: "listening on :8080\n"
stderr:
  description: What the container wrote to standard error (empty with a TTY).
  returned: always
  type: str
  sample: ""
lines:
  description:
    - The log line by line, in the order the daemon sent it, each with the stream it came from.
    - C(timestamp) is set with O(timestamps=true).
  returned: always
  type: list
  elements: dict
  sample: [{stream: stdout, text: "listening on :8080"}, {stream: stderr, text: "warning: no TLS"}]
truncated:
  description: Whether the logs were cut at O(max_bytes).
  returned: always
  type: bool
  sample: false
timed_out:
  description: With O(follow=true), V(true) when O(follow_timeout) ended the wait; V(false) when the container
    exited or was not running, or when reading stopped at O(max_bytes) (then RV(truncated) is V(true)).
  returned: when O(follow=true)
  type: bool
  sample: false
container_id:
  description: The container's full ID.
  returned: always
  type: str
  sample: 4c7f5a...
log_driver:
  description: The container's log driver.
  returned: always
  type: str
  sample: json-file
tty:
  description: Whether the container has a TTY (then RV(stderr) is empty).
  returned: always
  type: bool
  sample: false
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._logs import logs_service
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = logs_service
ARGUMENT_SPEC = {
    'name': {'type': 'str', 'required': True, 'aliases': ['container']},
    'stdout': {'type': 'bool', 'default': True},
    'stderr': {'type': 'bool', 'default': True},
    'since': {'type': 'raw'},
    'until': {'type': 'raw'},
    'tail': {'type': 'raw', 'default': 'all'},
    'timestamps': {'type': 'bool', 'default': False},
    'follow': {'type': 'bool', 'default': False},
    'follow_timeout': {'type': 'float', 'default': 300.0},
    'max_bytes': {'type': 'int', 'default': 10485760},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
