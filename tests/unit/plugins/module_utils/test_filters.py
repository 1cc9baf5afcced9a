from __future__ import annotations

import json

import pytest

from ansible_collections.dockerapi.engine.plugins.module_utils._errors import ConfigurationError
from ansible_collections.dockerapi.engine.plugins.module_utils._filters import encode_filters, normalize_filters


def test_values_become_lists_of_strings():
    assert normalize_filters({'name': 'demo', 'status': ['running', 'paused'], 'dangling': True, 'limit': 3,
                              'label': {'env': 'prod', 'tier': None}, 'skip': None}) == {
        'name': ['demo'], 'status': ['running', 'paused'], 'dangling': ['true'], 'limit': ['3'],
        'label': ['env=prod', 'tier']}


def test_encoding_is_json_map_of_lists():
    assert json.loads(encode_filters({'label': 'a=b', 'label!': ['c']})) == {'label': ['a=b'], 'label!': ['c']}
    assert normalize_filters(None) == {} and normalize_filters({}) == {}


@pytest.mark.parametrize('bad', [{'name': {'nested': {'x': 1}}}, {'name': [['x']]}, ['name']])
def test_unusable_values_fail_clearly(bad):
    with pytest.raises(ConfigurationError):
        normalize_filters(bad)
