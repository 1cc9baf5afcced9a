# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""In-process fast path: run a module's service inside the controller's worker process.

A module task normally pays for a new Python process, an AnsiballZ payload and the imports
of every call; our API calls take milliseconds, so that overhead is most of a controller-side
run (``connection: local`` or ``delegate_to: localhost``). When the task runs on the
controller through the ``local`` connection, without become and without async, the action
plugin validates the arguments with the module's own argument spec (module_defaults and the
action group are already merged into the task's arguments by ansible-core), applies the
task's ``environment:``, and calls the same service function the module would. Anywhere
else it ships the module unchanged.

Set the variable ``dockerapi_engine_fast_path: false`` (on a host, a play or a task's vars)
to always ship the module.
"""

from __future__ import annotations

import importlib
import os
import typing as t

from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.utils.display import Display

from ansible_collections.dockerapi.engine.plugins.module_utils._errors import EngineError
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import (
    build_argument_spec,
    error_result,
    execute,
)

display = Display()

FAST_PATH_VARIABLE = 'dockerapi_engine_fast_path'
_MODULE_PACKAGE = 'ansible_collections.dockerapi.engine.plugins.modules.'


class FastPathAction(ActionBase):
    """Base class of the collection's action plugins; subclasses set MODULE."""

    MODULE = ''
    _supports_check_mode = True
    _supports_async = True

    def __init_subclass__(cls, **kwargs: t.Any) -> None:
        # The strategy loads action classes in the main process before it forks a worker per
        # task: importing the module file (and its service family) here pays that import once
        # per playbook instead of once per task (the collection loader caches no bytecode).
        super().__init_subclass__(**kwargs)
        try:
            importlib.import_module(_MODULE_PACKAGE + cls.MODULE)
        except Exception:  # pylint: disable=broad-except
            pass  # run() imports it again and reports the failure properly

    def _module_definition(self) -> tuple[dict[str, t.Any], t.Any, dict[str, t.Any]]:
        module = importlib.import_module(_MODULE_PACKAGE + self.MODULE)
        return module.ARGUMENT_SPEC, module.SERVICE, dict(getattr(module, 'MODULE_KWARGS', {}))

    def _fast_path_applies(self, task_vars: dict[str, t.Any]) -> bool:
        if self._task.async_val or self._play_context.become:
            return False
        if getattr(self._connection, 'transport', None) != 'local':
            return False
        wanted = task_vars.get(FAST_PATH_VARIABLE, True)
        try:
            return boolean(wanted, strict=False)
        except TypeError:
            return True

    def run(self, tmp: t.Any = None, task_vars: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
        task_vars = task_vars or {}
        if not self._fast_path_applies(task_vars):
            result = super().run(tmp, task_vars)
            result.update(self._execute_module(module_name='dockerapi.engine.' + self.MODULE,
                                               module_args=self._task.args, task_vars=task_vars,
                                               wrap_async=self._task.async_val))
            return result
        return self._run_in_process()

    def _run_in_process(self) -> dict[str, t.Any]:
        module_spec, service, module_kwargs = self._module_definition()
        module_kwargs.pop('supports_check_mode', None)
        validator = ModuleArgumentSpecValidator(
            build_argument_spec(module_spec),
            module_kwargs.get('mutually_exclusive'),
            module_kwargs.get('required_together'),
            module_kwargs.get('required_one_of'),
            module_kwargs.get('required_if'),
            module_kwargs.get('required_by'),
        )
        validation = validator.validate(dict(self._task.args))
        no_log_values = validation._no_log_values
        params = validation.validated_parameters
        if validation.error_messages:
            msg = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                msg = 'Unsupported parameters for (dockerapi.engine.%s) module: %s' % (self.MODULE, msg)
            return _hide(no_log_values, {'failed': True, 'msg': msg, 'invocation': {'module_args': params}})

        task_environment: dict[str, t.Any] = {}
        self._compute_environment_string(task_environment)
        environ = dict(os.environ)
        environ.update({k: str(v) for k, v in task_environment.items()})

        try:
            result = execute(service, params, bool(self._task.check_mode), bool(self._task.diff), environ)
        except EngineError as exc:
            result = {'failed': True, 'msg': exc.msg}
            result.update(error_result(exc))
        for warning in result.pop('warnings', None) or []:
            display.warning(warning)
        result['invocation'] = {'module_args': params}
        # What ActionBase._execute_module adds to every module result.
        for stream in ('stdout', 'stderr'):
            if stream in result and stream + '_lines' not in result:
                result[stream + '_lines'] = (result[stream] or '').splitlines()
        return _hide(no_log_values, result)


def _hide(no_log_values: t.Set[str], result: dict[str, t.Any]) -> dict[str, t.Any]:
    """Mask no_log values as AnsibleModule does; most tasks have none, so skip the walk then."""
    return remove_values(result, no_log_values) if no_log_values else result
