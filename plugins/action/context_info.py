# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Fast path of context_info: it reads the docker config directory only, so it runs without any client."""

from __future__ import annotations

import os
import typing as t

from ansible.module_utils.common.arg_spec import ModuleArgumentSpecValidator
from ansible.module_utils.errors import UnsupportedError

from ansible_collections.dockerapi.engine.plugins.module_utils._errors import EngineError
from ansible_collections.dockerapi.engine.plugins.module_utils._runner import (
    build_argument_spec,
    error_result,
    unexpected_error_result,
)
from ansible_collections.dockerapi.engine.plugins.plugin_utils._fastpath import PARSED_IN_RESULT, FastPathAction, _hide


class ActionModule(FastPathAction):
    MODULE = 'context_info'

    def _run_in_process(self, invocation: bool = True) -> dict[str, t.Any]:
        module_spec, service, module_kwargs = self._module_definition()
        validator = ModuleArgumentSpecValidator(build_argument_spec(module_spec), module_kwargs.get('mutually_exclusive'))
        validation = validator.validate(dict(self._task.args))
        params = validation.validated_parameters
        no_log_values = set(validation._no_log_values)
        if validation.error_messages:
            msg = validation.errors.msg
            if isinstance(validation.errors[0], UnsupportedError):
                msg = 'Unsupported parameters for (dockerapi.engine.%s) module: %s' % (self.MODULE, msg)
            result: dict[str, t.Any] = {'failed': True, 'msg': msg}
        else:
            task_environment: dict[str, t.Any] = {}
            self._compute_environment_string(task_environment)
            environ = dict(os.environ)
            environ.update({k: str(v) for k, v in task_environment.items()})
            try:
                result = service(params, bool(self._task.check_mode), bool(self._task.diff), environ)
            except EngineError as exc:
                result = {'failed': True, 'msg': exc.msg}
                result.update(error_result(exc))
            except Exception as exc:  # pylint: disable=broad-except  # a bug of ours: the same result as the shipped module
                result = {'failed': True}
                result.update(unexpected_error_result(exc))
            result.setdefault('changed', False)
        if invocation:
            result['invocation'] = {'module_args': params}
        if PARSED_IN_RESULT:
            result['ansible_parsed'] = True
        return _hide(no_log_values, result)
