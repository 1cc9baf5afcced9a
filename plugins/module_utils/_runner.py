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
from ._auth import registry_auth_secrets
from ._connection import CONNECTION_ARGSPEC, inline_pem_values, resolve_settings
from ._dockerconfig import configure as configure_docker_config, found_secrets
from ._errors import EngineError, StreamError

Service = t.Callable[[EngineClient, t.Dict[str, t.Any], bool, bool], t.Dict[str, t.Any]]

TRACE_VARIABLE = 'DOCKERAPI_ENGINE_TRACE'


def build_argument_spec(module_spec: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    spec = copy.deepcopy(CONNECTION_ARGSPEC)
    spec.update(copy.deepcopy(dict(module_spec)))
    return spec


def secret_values(params: t.Mapping[str, t.Any]) -> set[str]:
    """Values to mask like no_log ones that an argument spec cannot name: a key pasted where its path belongs,
    the password or token inside ``registry_auth`` (and its string form whole), and after ``execute`` the
    credentials read from the docker config or a credential helper."""
    secrets = set(inline_pem_values(params).values())
    if 'registry_auth' in params:
        secrets |= registry_auth_secrets(params['registry_auth'])
    return secrets | found_secrets()


def error_result(exc: EngineError) -> dict[str, t.Any]:
    """The keys that go beside ``msg`` in fail_json for one of our errors."""
    details = dict(exc.details)
    if isinstance(exc, StreamError) and exc.log:
        details.setdefault('log', exc.log)
    return details


UNEXPECTED_PREFIX = 'Unexpected error in dockerapi.engine (please report it): '


def unexpected_error_result(exc: BaseException) -> dict[str, t.Any]:
    """``msg`` and ``exception`` for an exception that is not one of ours (a bug): the same in the module and the fast path."""
    return {'msg': '%s%s: %s' % (UNEXPECTED_PREFIX, type(exc).__name__, exc), 'exception': traceback.format_exc()}


def execute(service: Service, params: dict[str, t.Any], check_mode: bool, diff: bool,
            environ: t.Mapping[str, str] | None = None) -> dict[str, t.Any]:
    """Resolve the connection, negotiate once, run the service; raises EngineError.

    A service may carry ``failure_details``: keys every failure result holds unless the service set them
    (host_info's ``can_talk_to_docker: false``, as docker_host_info returns it when it cannot connect).
    """
    failure_details: t.Mapping[str, t.Any] = getattr(service, 'failure_details', None) or {}
    tracing = _tracing(environ) or bool(params.get('debug'))
    # Credential lookups (docker config, credential helpers) see the task's environment and config_path.
    configure_docker_config(environ, params.get('config_path'))
    try:
        settings = resolve_settings(params, os.environ if environ is None else environ)
        client = EngineClient(settings)
    except EngineError as exc:
        for key, value in failure_details.items():
            exc.details.setdefault(key, value)
        raise
    try:
        client.negotiate()
        result = service(client, params, check_mode, diff)
    except EngineError as exc:
        for key, value in failure_details.items():
            exc.details.setdefault(key, value)
        if tracing:
            exc.details['api_calls'] = _calls(client)
        raise
    finally:
        client.close()
    result.setdefault('changed', False)
    if tracing:
        result['api_calls'] = _calls(client)
    return result


def _tracing(environ: t.Mapping[str, str] | None) -> bool:
    """Whether DOCKERAPI_ENGINE_TRACE asks for the request trace (the option ``debug`` asks for it per task)."""
    return bool((os.environ if environ is None else environ).get(TRACE_VARIABLE))


def _calls(client: EngineClient) -> list[str]:
    return ['%s %s' % call for call in client.calls]


def _module_class() -> t.Any:
    """AnsibleModule that also hides ``secret_values`` in the arguments it logs (syslog/journal) while it starts."""
    from ansible.module_utils.basic import AnsibleModule

    class _Module(AnsibleModule):
        def _log_invocation(self) -> None:
            self.no_log_values.update(secret_values(self.params))
            super()._log_invocation()

    return _Module


def run_module(module_spec: t.Mapping[str, t.Any], service: Service, **module_kwargs: t.Any) -> None:
    module_kwargs.setdefault('supports_check_mode', True)
    module = _module_class()(argument_spec=build_argument_spec(module_spec), **module_kwargs)
    # Secrets only the values reveal (a key pasted where its path belongs, registry_auth's password): hide them
    # like no_log values everywhere.
    pem_values = list(secret_values(module.params))
    module.no_log_values.update(pem_values)
    try:  # ansible-core 2.22+ masks registered secrets instead of scrubbing results with no_log_values
        from ansible.module_utils.secrets import register_secrets
    except ImportError:
        pass
    else:
        register_secrets(pem_values)
    try:
        result = execute(service, module.params, module.check_mode, module._diff)
    except EngineError as exc:
        _hide_found_secrets(module)
        module.fail_json(msg=exc.msg, **error_result(exc))
    except Exception as exc:  # pylint: disable=broad-except  # a bug of ours: say so, with the traceback for the report
        _hide_found_secrets(module)
        module.fail_json(**unexpected_error_result(exc))
    _hide_found_secrets(module)
    # Passing warnings to exit_json is deprecated (ansible-core 2.19): hand them over one by one.
    for warning in result.pop('warnings', None) or []:
        module.warn(warning)
    module.exit_json(**result)


def _hide_found_secrets(module: t.Any) -> None:
    """Credentials the task read from the docker config or a credential helper: hidden like no_log values."""
    found = found_secrets()
    if not found:
        return
    module.no_log_values.update(found)
    try:
        from ansible.module_utils.secrets import register_secrets
    except ImportError:
        return
    register_secrets(list(found))


# ---- modules that talk to no daemon (tls_certificates) ------------------------------------

LocalService = t.Callable[[t.Dict[str, t.Any], bool, bool], t.Dict[str, t.Any]]


def run_local_module(module_spec: t.Mapping[str, t.Any], service: LocalService, **module_kwargs: t.Any) -> None:
    """``run_module`` for a module without a daemon: no connection options, no EngineClient.

    ``service(params, check_mode, diff) -> result``; errors are reported exactly as ``run_module`` does.
    """
    from ansible.module_utils.basic import AnsibleModule

    module_kwargs.setdefault('supports_check_mode', True)
    module = AnsibleModule(argument_spec=copy.deepcopy(dict(module_spec)), **module_kwargs)
    try:
        result = service(module.params, module.check_mode, module._diff)
    except EngineError as exc:
        module.fail_json(msg=exc.msg, **error_result(exc))
    except Exception as exc:  # pylint: disable=broad-except  # a bug of ours: say so, with the traceback for the report
        module.fail_json(**unexpected_error_result(exc))
    result.setdefault('changed', False)
    for warning in result.pop('warnings', None) or []:
        module.warn(warning)
    module.exit_json(**result)
