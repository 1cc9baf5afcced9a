# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The only place that knows AnsibleModule.

A module file hands its own options and one service function to ``run_module``. The
service is ``service(client, params, check_mode, diff) -> result`` and never touches
AnsibleModule, so ``execute`` can also run it inside an action plugin on the controller.
"""

from __future__ import annotations

import copy
import os
import traceback
import typing as t

from ._client import EngineClient
from ._connection import CONNECTION_ARGSPEC, resolve_settings
from ._errors import EngineError, StreamError

Service = t.Callable[[EngineClient, t.Dict[str, t.Any], bool, bool], t.Dict[str, t.Any]]

TRACE_VARIABLE = 'DOCKERAPI_ENGINE_TRACE'


def build_argument_spec(module_spec: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    spec = copy.deepcopy(CONNECTION_ARGSPEC)
    spec.update(copy.deepcopy(dict(module_spec)))
    return spec


def error_result(exc: EngineError) -> dict[str, t.Any]:
    """The keys that go beside ``msg`` in fail_json for one of our errors."""
    details = dict(exc.details)
    if isinstance(exc, StreamError) and exc.log:
        details.setdefault('log', exc.log)
    return details


def execute(service: Service, params: dict[str, t.Any], check_mode: bool, diff: bool,
            environ: t.Mapping[str, str] | None = None) -> dict[str, t.Any]:
    """Resolve the connection, negotiate once, run the service; raises EngineError."""
    settings = resolve_settings(params, os.environ if environ is None else environ)
    client = EngineClient(settings)
    try:
        client.negotiate()
        result = service(client, params, check_mode, diff)
    except EngineError as exc:
        if _tracing(environ):
            exc.details['api_calls'] = _calls(client)
        raise
    finally:
        client.close()
    result.setdefault('changed', False)
    if _tracing(environ):
        result['api_calls'] = _calls(client)
    return result


def _tracing(environ: t.Mapping[str, str] | None) -> bool:
    return bool((os.environ if environ is None else environ).get(TRACE_VARIABLE))


def _calls(client: EngineClient) -> list[str]:
    return ['%s %s' % call for call in client.calls]


def run_module(module_spec: t.Mapping[str, t.Any], service: Service, **module_kwargs: t.Any) -> None:
    from ansible.module_utils.basic import AnsibleModule

    module_kwargs.setdefault('supports_check_mode', True)
    module = AnsibleModule(argument_spec=build_argument_spec(module_spec), **module_kwargs)
    try:
        result = execute(service, module.params, module.check_mode, module._diff)
    except EngineError as exc:
        module.fail_json(msg=exc.msg, **error_result(exc))
    except Exception as exc:  # a bug of ours: say so, with the traceback for the report
        module.fail_json(msg='Unexpected error in dockerapi.engine (please report it): %s: %s'
                         % (type(exc).__name__, exc), exception=traceback.format_exc())
    # Passing warnings to exit_json is deprecated (ansible-core 2.19): hand them over one by one.
    for warning in result.pop('warnings', None) or []:
        module.warn(warning)
    module.exit_json(**result)
