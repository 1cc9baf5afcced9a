#!/usr/bin/python
# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r"""
module: volume
short_description: Create, recreate or remove a named Docker volume
version_added: 1.0.0
description:
  - Makes a named volume present or absent.
  - "The daemon's own create is idempotent by name and silently ignores a differing driver, driver options or labels.
    This module compares them itself: the driver (O(driver), V(local) unless set) and every key of O(driver_options)
    and O(labels) the task gives. Keys the volume has beyond those are not a difference."
  - What happens on a difference is up to O(recreate); with the default V(never) the volume is left alone and the task
    warns, naming the differences.
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
      - The diff shows the volume's state, driver, driver options and labels before and after.
options:
  volume_name:
    description:
      - The volume's name. For the local driver, at least two characters, starting with a letter or digit, then
        letters, digits, C(_), C(.) or C(-).
    type: str
    required: true
    aliases: [name]
  state:
    description:
      - V(present) creates the volume when missing (or recreates it, see O(recreate)); V(absent) removes it.
      - Removing a volume that a container uses (even a stopped one) fails and names the containers.
    type: str
    choices: [present, absent]
    default: present
  driver:
    description:
      - The volume driver, compared with an existing volume's.
      - The default V(local) is community.docker's; a task without O(driver) therefore finds a volume of another
        driver different (set O(driver) to that driver to keep it).
    type: str
    default: local
  driver_options:
    description:
      - "Driver options (C(docker volume create --opt)), for example C({type: tmpfs, device: tmpfs, o: size=64m}) for
        the local driver. Values are strings; quote booleans."
    type: dict
    aliases: [driver_opts]
  labels:
    description:
      - Labels to set on the volume. Values are strings; quote booleans and numbers such as V("1.10") (a number that
        would not read back as written, a float or a boolean, is refused).
    type: dict
  recreate:
    description:
      - What to do with an existing volume that differs from the task. Recreating removes the volume and its data.
      - V(never) leaves it as it is and warns about the differences.
      - V(options-changed) recreates it when the driver, a driver option or a label differs.
      - V(always) recreates it on every run.
      - A volume in use by a container cannot be recreated; the task fails and names the containers.
      - Before the old volume is removed, a temporary volume with the new driver and options is created and removed
        again; when the daemon refuses it, the task fails and the volume and its data are left as they were.
    type: str
    choices: [never, options-changed, always]
    default: never
seealso:
  - module: dockerapi.engine.volume_info
"""

EXAMPLES = r"""
- name: A volume for the database
  dockerapi.engine.volume:
    name: pgdata
    labels:
      app: shop

- name: A tmpfs-backed volume, replaced when its options change
  dockerapi.engine.volume:
    name: scratch
    driver_options:
      type: tmpfs
      device: tmpfs
      o: size=64m
    recreate: options-changed

- name: Remove it
  dockerapi.engine.volume:
    name: scratch
    state: absent
"""

RETURN = r"""
volume:
  description:
    - The volume as C(GET /volumes/{name}) returns it after the task; before it in check mode. V(null) when it does
      not exist.
  returned: success
  type: dict
  sample: {"Name": "pgdata", "Driver": "local", "Mountpoint": "/var/lib/docker/volumes/pgdata/_data",
           "Labels": {"app": "shop"}, "Options": null, "Scope": "local", "CreatedAt": "2024-05-01T12:00:00Z"}
actions:
  description: What was done (or, in check mode, would be done), in order.
  returned: success
  type: list
  elements: str
  sample: ["recreated"]
differences:
  description: How the existing volume differs from the task (whether or not it was recreated).
  returned: when the volume exists and differs
  type: list
  elements: str
  sample: ["labels.app: 'old', wanted 'shop'"]
diff:
  description:
    - With O(state=present) in check mode, diff mode or with O(debug=true), C(differences) lists the options that
      differ, named as community.docker's docker_volume names them (C(driver), C(driver_options.<key>),
      C(labels.<key>)); empty when nothing differs or the volume is new.
    - In diff mode also C(before) and C(after), the volume's state, driver, driver options and labels.
  returned: in check mode, diff mode, or with O(debug=true)
  type: dict
  sample: {"differences": ["labels.app"]}
  contains:
    differences:
      description: The options that differ, as community.docker's docker_volume names them (C(driver), C(driver_options.<key>), C(labels.<key>)).
      returned: with O(state=present)
      type: list
      elements: str
    before:
      description: The volume as it was.
      returned: in diff mode
      type: dict
    after:
      description: The volume as it is after the task (or, in check mode, would be).
      returned: in diff mode
      type: dict
"""

from ansible_collections.dockerapi.engine.plugins.module_utils._runner import run_module
from ansible_collections.dockerapi.engine.plugins.module_utils._volumes import RECREATE_CHOICES, volume

SERVICE = volume
ARGUMENT_SPEC = {
    'volume_name': {'type': 'str', 'required': True, 'aliases': ['name']},
    'state': {'type': 'str', 'choices': ['present', 'absent'], 'default': 'present'},
    'driver': {'type': 'str', 'default': 'local'},
    'driver_options': {'type': 'dict', 'aliases': ['driver_opts']},
    'labels': {'type': 'dict'},
    'recreate': {'type': 'str', 'choices': list(RECREATE_CHOICES), 'default': 'never'},
}


def main() -> None:
    run_module(ARGUMENT_SPEC, SERVICE)


if __name__ == '__main__':
    main()
