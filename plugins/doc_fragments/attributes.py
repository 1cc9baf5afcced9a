# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    # Every module is in the action group, so module_defaults can set the connection once.
    DOCUMENTATION = r"""
options: {}
attributes:
  action_group:
    description: Use C(group/dockerapi.engine.engine) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - dockerapi.engine.engine
  platform:
    support: full
    platforms: posix
"""

    # For *_info modules and other read-only modules.
    INFO_MODULE = r"""
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This action does not modify state.
  diff_mode:
    support: N/A
    details:
      - This action does not modify state.
"""
