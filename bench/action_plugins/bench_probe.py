# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark probe: our fast path with a stopwatch on each of its steps (bench/ only).

Runs exactly what ``dockerapi.engine.<module>``'s action plugin runs on the controller (the
class is inherited, not copied), with timers wrapped around the steps, and adds
``bench_probe`` to the result: the worker's CLOCK_MONOTONIC time at the start and end of
``run()`` and the seconds spent in each step. The patches live only in the worker process,
which ansible-core forks for this one task and discards afterwards.

The module comes from the variable ``bench_probe_module`` (default ``host_info``); its task
arguments are the module's own.
"""

from __future__ import annotations

import time
import typing as t

from ansible_collections.dockerapi.engine.plugins.module_utils import _client, _runner
from ansible_collections.dockerapi.engine.plugins.plugin_utils import _fastpath


class _Stopwatch:
    def __init__(self) -> None:
        self.marks: dict[str, float] = {}

    def wrap(self, name: str, func: t.Callable[..., t.Any]) -> t.Callable[..., t.Any]:
        def timed(*args: t.Any, **kwargs: t.Any) -> t.Any:
            start = time.monotonic()
            try:
                return func(*args, **kwargs)
            finally:
                self.marks[name] = self.marks.get(name, 0.0) + time.monotonic() - start
        return timed


class ActionModule(_fastpath.FastPathAction):

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        run_start = time.monotonic()
        task_vars = task_vars or {}
        self.MODULE = str(task_vars.get('bench_probe_module', 'host_info'))
        watch = _Stopwatch()
        original_definition = self._module_definition

        def module_definition() -> tuple[dict[str, t.Any], t.Any, dict[str, t.Any]]:
            spec, service, kwargs = watch.wrap('import module + service', original_definition)()
            return spec, watch.wrap('service (API calls after negotiation)', service), kwargs

        self._module_definition = module_definition  # type: ignore[method-assign]
        self._compute_environment_string = watch.wrap(  # type: ignore[method-assign]
            'task environment', self._compute_environment_string)
        _fastpath.build_argument_spec = watch.wrap('argument spec copy', _fastpath.build_argument_spec)
        validator = _fastpath.ModuleArgumentSpecValidator
        validator.validate = watch.wrap('argument validation', validator.validate)  # type: ignore[method-assign]
        _fastpath.execute = watch.wrap('execute (total)', _fastpath.execute)
        _fastpath.remove_values = watch.wrap('no_log filtering of the result', _fastpath.remove_values)
        _runner.resolve_settings = watch.wrap('connection settings', _runner.resolve_settings)
        _client.EngineClient.negotiate = watch.wrap(  # type: ignore[method-assign]
            'negotiation (connect + GET /version)', _client.EngineClient.negotiate)
        _client._UnixHTTPConnection.connect = watch.wrap(  # type: ignore[method-assign]
            'connect (unix socket)', _client._UnixHTTPConnection.connect)
        _client.EngineClient.close = watch.wrap('close', _client.EngineClient.close)  # type: ignore[method-assign]

        result = super().run(tmp, task_vars)
        result['bench_probe'] = {'run_start': run_start, 'run_end': time.monotonic(), 'steps': watch.marks}
        return result
