"""roles/remote_api: defaults/main.yml and meta/argument_specs.yml describe the same variables."""

from __future__ import annotations

import os

import pytest
import yaml

ROLE = os.path.join(os.path.dirname(__file__), '..', '..', '..', 'roles', 'remote_api')
PYTHON_TYPES = {'bool': bool, 'int': int, 'list': list, 'str': str, 'path': str, 'dict': dict}


def load(*parts):
    with open(os.path.join(ROLE, *parts)) as f:
        return yaml.safe_load(f)


DEFAULTS = load('defaults', 'main.yml')
OPTIONS = load('meta', 'argument_specs.yml')['argument_specs']['main']['options']


def test_every_default_is_specified_and_every_option_has_a_default():
    optional_without_default = {name for name, spec in OPTIONS.items() if spec.get('required') is False}
    assert set(DEFAULTS) == set(OPTIONS) - optional_without_default
    assert optional_without_default == {'remote_api_ca_passphrase'}


def test_public_variables_are_prefixed():
    assert all(name.startswith('remote_api_') for name in list(DEFAULTS) + list(OPTIONS))


@pytest.mark.parametrize('name', sorted(OPTIONS))
def test_option_is_documented_and_typed(name):
    spec = OPTIONS[name]
    assert spec.get('description'), name
    assert spec.get('type') in PYTHON_TYPES, name
    if spec['type'] == 'list':
        assert spec.get('elements'), name


@pytest.mark.parametrize('name', sorted(DEFAULTS))
def test_default_has_the_specified_type(name):
    value, spec = DEFAULTS[name], OPTIONS[name]
    if isinstance(value, str) and '{{' in value:
        return  # templated: checked by the role's argument validation at run time
    assert isinstance(value, PYTHON_TYPES[spec['type']]), (name, value)
    if not (isinstance(spec.get('default'), str) and spec['default'].startswith('<')):
        assert spec.get('default') == value or (spec['type'] == 'path' and value == os.path.expanduser(
            spec.get('default', ''))), (name, value, spec.get('default'))
