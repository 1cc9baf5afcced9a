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

from ansible import constants as C
from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator
from ansible.module_utils.common.parameters import remove_values
from ansible.module_utils.errors import UnsupportedError
from ansible.module_utils.parsing.convert_bool import boolean
from ansible.plugins.action import ActionBase
from ansible.release import __version__ as ansible_core_version
from ansible.utils.display import Display

try:  # ansible-core 2.22+: no_log values are registered secrets, masked wherever results are shown
    from ansible.module_utils.secrets import register_secrets
except ImportError:  # older cores scrub the result itself (remove_values), as AnsibleModule does
    register_secrets = None  # type: ignore[assignment]  # pylint: disable=invalid-name

from ansible_collections.dockerapi.engine.plugins.module_utils._errors import EngineError
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import (
    build_argument_spec,
    error_result,
    execute,
    secret_values,
    unexpected_error_result,
)

display = Display()

# Before ansible-core 2.19 a module's warnings travel in its result (and stay in a registered
# variable); from 2.19 on the worker collects them apart from the result.
CORE = tuple(int(part) for part in ansible_core_version.split('.')[:2])
WARNINGS_IN_RESULT = CORE < (2, 19)
# From ansible-core 2.22 on, ActionBase._execute_module marks a parsed module result with a visible
# ``ansible_parsed: true`` (formerly the internal ``_ansible_parsed``).
PARSED_IN_RESULT = CORE >= (2, 22)

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
        return self._run_in_process(_injects_invocation(task_vars))

    def _run_in_process(self, invocation: bool = True) -> dict[str, t.Any]:
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
        params = validation.validated_parameters
        # Secrets only the values reveal (a pasted key, registry_auth's password): hidden as the shipped module does.
        no_log_values = set(validation._no_log_values) | secret_values(params)
        if validation.error_messages:
            msg = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                msg = 'Unsupported parameters for (dockerapi.engine.%s) module: %s' % (self.MODULE, msg)
            result = {'failed': True, 'msg': msg}
            if invocation:
                result['invocation'] = {'module_args': params}
            if PARSED_IN_RESULT:
                result['ansible_parsed'] = True
            return _hide(no_log_values, result)

        task_environment: dict[str, t.Any] = {}
        self._compute_environment_string(task_environment)
        environ = dict(os.environ)
        environ.update({k: str(v) for k, v in task_environment.items()})

        try:
            result = execute(service, params, bool(self._task.check_mode), bool(self._task.diff), environ)
        except EngineError as exc:
            result = {'failed': True, 'msg': exc.msg}
            result.update(error_result(exc))
        except Exception as exc:  # pylint: disable=broad-except  # a bug of ours: the same result as the shipped module
            result = {'failed': True}
            result.update(unexpected_error_result(exc))
        no_log_values |= secret_values(params)  # now also the credentials read from the docker config
        warnings = result.pop('warnings', None) or []
        if WARNINGS_IN_RESULT and warnings:
            result['warnings'] = list(warnings)
        else:
            for warning in warnings:
                display.warning(warning)
        if invocation:
            result.setdefault('invocation', {'module_args': params})  # a service may echo its arguments itself (container hides env)
        else:
            result.pop('invocation', None)
        # What ActionBase._execute_module adds to every module result.
        for stream in ('stdout', 'stderr'):
            if stream in result and stream + '_lines' not in result:
                result[stream + '_lines'] = (result[stream] or '').splitlines()
        if PARSED_IN_RESULT:
            result['ansible_parsed'] = True
        return _hide(no_log_values, result)


def _injects_invocation(task_vars: dict[str, t.Any]) -> bool:
    """Whether a shipped module's result carries ``invocation`` on this core.

    ansible-core 2.21 made it optional (``INJECT_INVOCATION``, off by default); before, every
    module result carried it.
    """
    if C.config.get_configuration_definition('INJECT_INVOCATION') is None:
        return True
    return boolean(C.config.get_config_value('INJECT_INVOCATION', variables=task_vars), strict=False)


def _hide(no_log_values: t.Set[str], result: dict[str, t.Any]) -> dict[str, t.Any]:
    """Mask no_log values as AnsibleModule does on this core; most tasks have none, so skip the walk then."""
    if not no_log_values:
        return result
    if register_secrets is not None:
        # The validator registered the no_log options already; this adds the pasted PEM keys.
        register_secrets(value for value in no_log_values if isinstance(value, str))
        return result
    return remove_values(result, no_log_values)
