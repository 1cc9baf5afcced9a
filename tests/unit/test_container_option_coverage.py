"""Parity cannot rot silently: every option and suboption of ``container`` has an integration test.

Walks ``ARGUMENT_SPEC`` of ``plugins/modules/container.py`` (every option, every suboption path such
as ``mounts.propagation``) and fails when a path has neither a row in the case table of
``tests/integration/test_container_options.py`` (``covered_paths()``) nor an entry in
``COVERED_ELSEWHERE`` naming an existing test function (checked by parsing that file with ``ast``).
"""

from __future__ import annotations

import ast
import importlib.util
import os
import sys
import typing as t

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils._connection import CONNECTION_ARGSPEC
from ansible_collections.dockerapi.engine.plugins.modules import container

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
INTEGRATION = os.path.join(ROOT, 'tests', 'integration')

_LIFECYCLE = 'tests/integration/test_container_lifecycle.py::'
_NETWORKS = 'tests/integration/test_container_networks.py::'
_CONNECTION = 'tests/integration/test_connection.py::'

# Options that do not describe the container (the run, the connection) or have their own test file.
COVERED_ELSEWHERE: dict[str, str] = {
    # the run: lifecycle (helper L's file) and the existing container tests
    'name': 'tests/integration/test_containers.py::test_unchanged_run_reads_three_times_and_writes_nothing',
    'image': 'tests/integration/test_containers.py::test_rebuilt_image_recreates_the_container',
    'state': _LIFECYCLE + 'test_state_healthy_waits_and_fails_clearly',
    'healthy_wait_timeout': _LIFECYCLE + 'test_state_healthy_waits_and_fails_clearly',
    'pull': 'tests/integration/test_containers.py::test_pull_missing_and_always_from_the_local_registry',
    'pull_check_mode_behavior': _LIFECYCLE + 'test_pull_true_false_and_check_mode_behavior',
    'registry_auth': 'tests/integration/test_image_interface.py::test_container_registry_auth_pulls_private_image',
    'detach': _LIFECYCLE + 'test_detach_false_returns_status_and_output_and_cleans_up',
    'cleanup': _LIFECYCLE + 'test_detach_false_returns_status_and_output_and_cleans_up',
    'output_logs': 'tests/integration/test_migration.py::test_community_docker_playbooks_run_unchanged_and_idempotently',
    'force_kill': _LIFECYCLE + 'test_force_kill_sends_kill_signal',
    'kill_signal': _LIFECYCLE + 'test_force_kill_sends_kill_signal',
    'paused': _LIFECYCLE + 'test_paused_with_updates_restart_and_removal',
    'restart': _LIFECYCLE + 'test_paused_with_updates_restart_and_removal',
    'recreate': 'tests/integration/test_replace_safety.py::test_recreate_without_image_keeps_the_containers_image',
    'removal_wait_timeout': _LIFECYCLE + 'test_paused_with_updates_restart_and_removal',
    'image_comparison': _LIFECYCLE + 'test_image_knobs',
    'image_label_mismatch': _LIFECYCLE + 'test_image_knobs',
    'image_name_mismatch': _LIFECYCLE + 'test_image_knobs',
    # networks (helper N's file)
    'network_mode': _NETWORKS + 'test_network_mode_container_name_default_and_id',
    'networks': _NETWORKS + 'test_networks_at_create_connect_and_alias_changes',
    'networks.name': _NETWORKS + 'test_networks_at_create_connect_and_alias_changes',
    'networks.aliases': _NETWORKS + 'test_networks_at_create_connect_and_alias_changes',
    'networks.ipv4_address': _NETWORKS + 'test_every_network_suboption',
    'networks.ipv6_address': _NETWORKS + 'test_every_network_suboption',
    'networks.links': _NETWORKS + 'test_every_network_suboption',
    'networks.mac_address': _NETWORKS + 'test_every_network_suboption',
    'networks.driver_opts': _NETWORKS + 'test_every_network_suboption',
    'networks.gw_priority': _NETWORKS + 'test_every_network_suboption',
    'networks_cli_compatible': _NETWORKS + 'test_strict_networks_detach_and_cli_compatible_false',
    # connection options (shared by every module)
    'docker_host': _CONNECTION + 'test_mutual_tls_succeeds_with_the_client_bundle',
    'tls': _CONNECTION + 'test_validate_certs_false_only_encrypts',
    'validate_certs': _CONNECTION + 'test_validate_certs_false_only_encrypts',
    'ca_path': _CONNECTION + 'test_mutual_tls_succeeds_with_the_client_bundle',
    'client_cert': _CONNECTION + 'test_mutual_tls_succeeds_with_the_client_bundle',
    'client_key': _CONNECTION + 'test_mutual_tls_succeeds_with_the_client_bundle',
    'client_key_passphrase': 'tests/integration/test_client_hardening.py::'
                             'test_encrypted_client_key_with_its_passphrase_connects_and_stays_hidden',
    'tls_hostname': _CONNECTION + 'test_tls_hostname_checks_another_name_than_the_address',
    'api_version': _CONNECTION + 'test_api_version_above_the_daemon',
    'timeout': 'tests/integration/test_client_hardening.py::test_unusable_timeouts_fail_clearly',
    'allow_insecure_tcp': _CONNECTION + 'test_plain_tcp_to_non_loopback_is_refused_before_connecting',
    'debug': 'tests/integration/test_containers.py::test_unchanged_run_reads_three_times_and_writes_nothing',
    'use_ssh_client': _CONNECTION + 'test_nonsense_settings',
}


def _option_paths(spec: t.Mapping[str, t.Any], prefix: str = '') -> list[str]:
    paths = []
    for name, entry in spec.items():
        path = prefix + name
        paths.append(path)
        if entry.get('options'):
            paths.extend(_option_paths(entry['options'], path + '.'))
    return paths


def _load_case_table() -> t.Any:
    """Import the integration case table; its ``from conftest import`` must see the integration conftest."""
    saved = {name: sys.modules.get(name) for name in ('conftest', 'harness_info')}
    path_added = INTEGRATION not in sys.path
    try:
        spec = importlib.util.spec_from_file_location('conftest', os.path.join(INTEGRATION, 'conftest.py'))
        integration_conftest = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        sys.modules['conftest'] = integration_conftest
        spec.loader.exec_module(integration_conftest)  # type: ignore[union-attr]
        spec = importlib.util.spec_from_file_location('dockerapi_container_option_cases',
                                                      os.path.join(INTEGRATION, 'test_container_options.py'))
        module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
        spec.loader.exec_module(module)  # type: ignore[union-attr]
        return module
    finally:
        for name, old in saved.items():
            if old is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = old
        if path_added and INTEGRATION in sys.path:
            sys.path.remove(INTEGRATION)


CASES_MODULE = _load_case_table()
# The module's full spec: its ARGUMENT_SPEC plus the connection options every module gets (_runner.run_module).
FULL_SPEC = dict(CONNECTION_ARGSPEC, **container.ARGUMENT_SPEC)
SPEC_PATHS = _option_paths(FULL_SPEC)


def _test_functions(relative: str) -> set[str]:
    with open(os.path.join(ROOT, relative)) as handle:
        tree = ast.parse(handle.read(), relative)
    return {node.name for node in ast.walk(tree) if isinstance(node, ast.FunctionDef) and node.name.startswith('test_')}


@pytest.mark.parametrize('path', SPEC_PATHS)
def test_every_option_path_has_an_integration_test(path: str) -> None:
    if path in CASES_MODULE.covered_paths():
        return
    assert path in COVERED_ELSEWHERE, (
        'container option %r has no row in tests/integration/test_container_options.py (CASES) and no entry in '
        'COVERED_ELSEWHERE of this file: add a case that sets it, witnesses it and changes it' % path)


@pytest.mark.parametrize('path', sorted(COVERED_ELSEWHERE))
def test_tests_named_elsewhere_exist(path: str) -> None:
    relative, name = COVERED_ELSEWHERE[path].split('::', 1)
    assert os.path.exists(os.path.join(ROOT, relative)), '%s: %s does not exist' % (path, relative)
    assert name in _test_functions(relative), '%s: no function %s in %s' % (path, name, relative)


def test_tests_named_in_the_case_table_exist() -> None:
    functions = _test_functions('tests/integration/test_container_options.py')
    missing = {path: name for path, name in CASES_MODULE.PROVEN_HERE.items() if name not in functions}
    assert not missing


def test_case_table_names_only_real_options() -> None:
    """A row for an option the module does not have (a typo, a rename) proves nothing."""
    unknown = sorted(set(CASES_MODULE.covered_paths()) - set(SPEC_PATHS) - _aliases(FULL_SPEC))
    assert not unknown, 'rows for options container does not have: %s' % unknown
    stale = sorted(set(COVERED_ELSEWHERE) - set(SPEC_PATHS))
    assert not stale, 'COVERED_ELSEWHERE names options container does not have: %s' % stale


def test_every_group_row_changes_only_its_own_options() -> None:
    """Rows of one group share a container: their options must not overlap (one would hide the other)."""
    seen: dict[tuple[str, str], t.Any] = {}
    for case in CASES_MODULE.CASES:
        assert case.action in ('updated', 'recreated', 'ignored', 'none'), case
        assert case.group in CASES_MODULE.GROUPS, case
        for option in set(case.first) | set(case.second):
            key = (case.group, option)
            if option == 'restart_policy' and case.group == 'update-cfs':
                continue
            assert key not in seen, 'group %s sets %s in two rows: %s and %s' % (case.group, option, seen[key], case.paths)
            seen[key] = case.paths


def _aliases(spec: t.Mapping[str, t.Any]) -> set[str]:
    return {alias for entry in spec.values() for alias in entry.get('aliases') or []}
