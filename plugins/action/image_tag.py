# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

from ansible_collections.dockerapi.engine.plugins.plugin_utils._fastpath import FastPathAction


class ActionModule(FastPathAction):
    MODULE = 'image_tag'
