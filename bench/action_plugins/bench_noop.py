# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark probe: an action that does nothing, to time ansible-core's own per-task work (bench/ only).

Like ``ansible.builtin.debug`` it ships no module; it returns the worker's CLOCK_MONOTONIC
time at the start and end of ``run()`` in ``bench_probe`` so bench/run can split a task's wall
time into "before run()" (fork of the worker, task setup), run() itself, and "after run()"
(result back to the main process and its callbacks).
"""

from __future__ import annotations

import time
import typing as t

from ansible.plugins.action import ActionBase


class ActionModule(ActionBase):
    _supports_check_mode = True

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        run_start = time.monotonic()
        result = super().run(tmp, task_vars)
        result['changed'] = False
        result['bench_probe'] = {'run_start': run_start, 'run_end': time.monotonic(), 'steps': {}}
        return result
