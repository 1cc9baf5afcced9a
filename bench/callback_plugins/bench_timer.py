# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark callback: record when each task starts and when each host's result arrives.

Only for bench/ (enabled by bench/run through ANSIBLE_CALLBACK_PLUGINS/ANSIBLE_CALLBACKS_ENABLED).
Times are CLOCK_MONOTONIC seconds (``time.monotonic()``), which every process on the machine
shares, so the probe action plugins in bench/action_plugins can report timestamps taken inside
the worker process on the same clock. Everything is written as one JSON document to the file
named by the BENCH_TIMINGS environment variable when the playbook ends.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: bench_timer
type: aggregate
short_description: Record task start and result times for bench/ (not shipped)
description:
  - Writes the start time of every task and the arrival time of every host result as JSON to the
    file named by the E(BENCH_TIMINGS) environment variable.
requirements:
  - enabled with ANSIBLE_CALLBACKS_ENABLED
"""

import json
import os
import sys
import time
import typing as t

from ansible.plugins.callback import CallbackBase

# Modules whose presence in the controller's main process we report: a module imported there
# before the worker is forked costs the worker nothing.
_WATCHED_MODULES = (
    'ansible_collections.dockerapi.engine.plugins.action.host_info',
    'ansible_collections.dockerapi.engine.plugins.plugin_utils._fastpath',
    'ansible_collections.dockerapi.engine.plugins.module_utils._client',
    'ansible_collections.dockerapi.engine.plugins.modules.host_info',
    'ansible_collections.dockerapi.engine.plugins.module_utils._system',
    'ansible_collections.dockerapi.engine.plugins.modules.container_info',
    'ansible_collections.dockerapi.engine.plugins.module_utils._containers',
)


class CallbackModule(CallbackBase):
    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = 'aggregate'
    CALLBACK_NAME = 'bench_timer'
    CALLBACK_NEEDS_ENABLED = True

    def __init__(self) -> None:
        super().__init__()
        self._plays: list[dict[str, t.Any]] = []
        self._tasks: dict[str, dict[str, t.Any]] = {}
        self._order: list[str] = []
        self._current_play: dict[str, t.Any] | None = None
        self._started = time.monotonic()

    def v2_playbook_on_play_start(self, play: t.Any) -> None:
        self._current_play = {'name': play.get_name(), 'start': time.monotonic(), 'tasks': []}
        self._plays.append(self._current_play)

    def v2_playbook_on_task_start(self, task: t.Any, is_conditional: bool) -> None:
        uid = str(task._uuid)
        self._tasks[uid] = {'name': task.get_name(), 'action': task.action, 'start': time.monotonic(),
                            'results': {}}
        self._order.append(uid)
        if self._current_play is not None:
            self._current_play['tasks'].append(uid)

    def _record(self, result: t.Any, status: str) -> None:
        now = time.monotonic()
        entry = self._tasks.get(str(result._task._uuid))
        if entry is None:
            return
        res = result._result if isinstance(result._result, dict) else {}
        record: dict[str, t.Any] = {'end': now, 'status': status}
        probe = res.get('bench_probe')
        if probe:
            record['probe'] = probe
        if status != 'ok':
            record['msg'] = str(res.get('msg', ''))[:500]
        entry['results'][result._host.get_name()] = record

    def v2_runner_on_ok(self, result: t.Any) -> None:
        self._record(result, 'ok')

    def v2_runner_on_failed(self, result: t.Any, ignore_errors: bool = False) -> None:
        self._record(result, 'failed')

    def v2_runner_on_unreachable(self, result: t.Any) -> None:
        self._record(result, 'unreachable')

    def v2_runner_on_skipped(self, result: t.Any) -> None:
        self._record(result, 'skipped')

    def v2_playbook_on_stats(self, stats: t.Any) -> None:
        path = os.environ.get('BENCH_TIMINGS')
        if not path:
            return
        document = {
            'clock': 'monotonic',
            'callback_loaded': self._started,
            'end': time.monotonic(),
            'plays': self._plays,
            'tasks': [dict(self._tasks[uid], uuid=uid) for uid in self._order],
            'controller_imported': {name: name in sys.modules for name in _WATCHED_MODULES},
        }
        tmp = path + '.tmp'
        with open(tmp, 'w') as handle:
            json.dump(document, handle)
        os.replace(tmp, path)
