#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: events
short_description: Query the Docker daemon's events, or wait for events to happen
version_added: 1.0.0
description:
  - Reads C(GET /events), the stream behind C(docker events).
  - "B(Query mode) (the default): returns the events between O(since) and O(until). O(until) defaults to now, so the
    task always ends: for a window in the past it returns at once, for a window reaching into the future it returns
    when that time comes (or as soon as O(max_events) events arrived)."
  - "B(Wait mode) (O(wait=true)): blocks until O(max_events) (default V(1)) events matching O(filters) have happened
    since O(since) (default: the moment the task starts), and returns them. Fails with a clear message when
    O(wait_timeout) seconds pass first. Use it instead of polling, for example to wait until a container reports
    C(health_status: healthy), dies, or an image is tagged."
  - The stream is read as it arrives and reading stops at O(max_events), so memory stays bounded by O(max_events)
    however busy the daemon is.
  - A connection that breaks off before the daemon ends the stream is an error, never a silently short list.
  - The daemon keeps only its most recent events (a few hundred) for replay; older ones are gone. Times are those of
    the daemon's clock; durations in O(since) and O(until) count back from the clock of the host the module runs on,
    as with the docker CLI.
  - Never changes anything.
author:
  - dockerapi.engine team (@dockerapi)
extends_documentation_fragment:
  - ansible.builtin.action_common_attributes
  - dockerapi.engine.connection
  - dockerapi.engine.attributes
  - dockerapi.engine.attributes.info_module
options:
  since:
    description:
      - Start of the window. Unix seconds (V(1700000000) or V(1700000000.25)), an RFC 3339 time
        (V(2024-05-01T12:00:00Z), V(2024-05-01T14:00:00.5+02:00)), a date or time without zone (V(2024-05-01),
        read in the local time zone of the host the module runs on, as the docker CLI does), or a Go duration
        meaning that long ago (V(10m), V(1h30m), V(90s), V(1.5h), V(.5s)). V(0) is Unix time 0, not now.
      - "A number above 10^11 (such as V(1700000000000)) is refused as milliseconds by mistake; give seconds."
      - Not set in query mode means as far back as the daemon remembers; in wait mode the default is now, so only
        events that happen while the task waits count. Set it in wait mode to also accept an event that happened
        shortly before the task started (for example V(30s)).
    type: raw
  until:
    description:
      - End of the window, in the same forms as O(since); a duration counts back from now, so V(0s) is now and
        V(-2m) is two minutes from now.
      - Defaults to now in query mode. Cannot be used in wait mode (O(wait_timeout) ends a wait).
      - Must not be before O(since).
    type: raw
  filters:
    description:
      - "Filters with the API's names: C(type) (V(container), V(image), V(volume), V(network), V(daemon),
        V(plugin), V(builder), V(service), V(node), V(secret), V(config)), C(container) (name or ID), C(image),
        C(event) (the action, for example V(start), V(die), V(health_status), or V(health_status: healthy)),
        C(label) (V(key) or V(key=value)), C(volume), C(network), C(daemon), C(plugin), C(scope), C(service),
        C(node), C(secret), C(config)."
      - "A value may be a string or a list (values of one key are OR-ed, different keys AND-ed); a dictionary
        value such as C({label: {env: prod}}) becomes V(env=prod)."
      - "The object filters (C(container), C(image), C(volume), C(network), C(plugin), C(service), C(node),
        C(secret), C(config)) match the B(start) of a name or ID: C(container: web) also matches C(web-old). Pick
        names that are not prefixes of each other, or check C(Actor.Attributes.name) in the result."
      - Volume and network events carry no labels, so a C(label) filter never matches them.
      - An unknown key fails the task before any request (the daemon would ignore it and return every event).
    type: dict
  max_events:
    description:
      - The most events to return. Reading stops as soon as this many arrived; in query mode RV(truncated) then
        says that more may exist.
      - Defaults to V(1) in wait mode and V(1000) in query mode.
    type: int
  wait:
    description:
      - Wait for O(max_events) matching events instead of reading a window.
    type: bool
    default: false
  wait_timeout:
    description:
      - In wait mode, the most seconds to wait in all (fractions allowed); when they pass first, the task fails and
        says how many of the wanted events came.
      - Separate from the connection option O(timeout), which bounds each request and, in query mode, how long past
        O(until) the daemon may take to end the stream.
    type: float
    default: 300
notes:
  - "The daemon sends no keep-alive data on this stream: a proxy between the task and a remote daemon that cuts idle
    connections makes a long wait fail (as a broken stream, not as a time-out)."
seealso:
  - module: dockerapi.engine.host_info
"""

EXAMPLES = r"""
- name: Container events of the last ten minutes
  dockerapi.engine.events:
    since: 10m
    filters:
      type: container
  register: recent

- name: Everything that happened to one container in a fixed window
  dockerapi.engine.events:
    since: "2024-05-01T12:00:00Z"
    until: "2024-05-01T12:30:00Z"
    filters:
      container: web-1

- name: Start a container with a health check (any module or command)
  ansible.builtin.command: docker run -d --name web-1 --health-cmd 'wget -q -O- localhost' my/web
  changed_when: true

- name: Wait (up to two minutes) until it reports healthy, instead of polling
  dockerapi.engine.events:
    wait: true
    since: 1m  # also accept it if it became healthy just before this task
    wait_timeout: 120
    filters:
      container: web-1
      event: "health_status: healthy"

- name: Wait for three containers labelled role=worker to start
  dockerapi.engine.events:
    wait: true
    max_events: 3
    filters:
      type: container
      event: start
      label: role=worker
"""

RETURN = r"""
events:
  description:
    - The events, oldest first, as the daemon sends them, each with an added C(time_iso).
  returned: success
  type: list
  elements: dict
  contains:
    Type:
      description: Object type (V(container), V(image), V(volume), V(network), ...).
      type: str
      sample: container
    Action:
      description: "What happened, for example V(create), V(start), V(die), V(destroy), V(health_status: healthy)."
      type: str
      sample: start
    Actor:
      description: C(ID) of the object and its C(Attributes) (for containers the name, image, labels, and
        C(exitCode) on C(die)).
      type: dict
      sample: {"ID": "2f1c...", "Attributes": {"name": "web-1", "image": "busybox"}}
    time:
      description: Unix seconds (daemon clock).
      type: int
      sample: 1714564800
    timeNano:
      description: Unix nanoseconds (daemon clock).
      type: int
      sample: 1714564800123456789
    time_iso:
      description: The same time in RFC 3339, UTC, with nanoseconds (added by this module).
      type: str
      sample: "2024-05-01T12:00:00.123456789Z"
  sample:
    - Type: container
      Action: start
      Actor: {"ID": "2f1c9f3e1a7b", "Attributes": {"name": "web-1", "image": "busybox"}}
      scope: local
      time: 1714564800
      timeNano: 1714564800123456789
      time_iso: "2024-05-01T12:00:00.123456789Z"
truncated:
  description:
    - V(true) when reading stopped because O(max_events) events had arrived before the daemon ended the window, so
      more events may exist; always V(false) in wait mode.
  returned: success
  type: bool
  sample: false
since:
  description: The start of the window that was asked for, in RFC 3339 (UTC); V(null) when not set.
  returned: success
  type: str
  sample: "2024-05-01T11:50:00.000000000Z"
until:
  description: The end of the window that was asked for, in RFC 3339 (UTC); V(null) in wait mode.
  returned: success
  type: str
  sample: "2024-05-01T12:00:00.000000000Z"
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._events import events
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module

SERVICE = events
ARGUMENT_SPEC = {
    'since': {'type': 'raw'},
    'until': {'type': 'raw'},
    'filters': {'type': 'dict'},
    'max_events': {'type': 'int'},
    'wait': {'type': 'bool', 'default': False},
    'wait_timeout': {'type': 'float', 'default': 300},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
