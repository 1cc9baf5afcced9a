# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registry credentials for pull, push and the registry lookups of the image modules.

The daemon takes them per request in ``X-Registry-Auth``: URL-safe base64 of a JSON object
with ``username``/``password``/``serveraddress`` or an ``identitytoken``. Push needs the header
even when anonymous (the daemon otherwise tries to read credentials from the request body), so
an empty object is sent when no credentials are given.
"""

from __future__ import annotations

import base64
import json
import typing as t

from ._errors import ConfigurationError

DOCKER_HUB_ADDRESS = 'https://index.docker.io/v1/'

# Only the secrets are no_log: marking the whole dictionary would also mask the user name and the
# registry address everywhere in the output (image names included).
REGISTRY_AUTH_ARGSPEC: dict[str, t.Any] = {
    'type': 'dict',
    'options': {
        'username': {'type': 'str'},
        'password': {'type': 'str', 'no_log': True},
        'serveraddress': {'type': 'str'},
        'identitytoken': {'type': 'str', 'no_log': True},
    },
}


def registry_of(repository: str) -> str:
    """The registry host of a repository name, as the docker CLI splits it (Docker Hub otherwise)."""
    first, sep, _rest = repository.partition('/')
    if sep and (('.' in first or ':' in first) or first == 'localhost' or first.lower() != first):
        return first
    return 'docker.io'


def auth_config(auth: t.Mapping[str, t.Any] | None, repository: str) -> dict[str, str]:
    """The credentials as the daemon wants them; ``{}`` for anonymous access."""
    if not auth:
        return {}
    username = auth.get('username')
    password = auth.get('password')
    token = auth.get('identitytoken')
    if token:
        if username or password:
            raise ConfigurationError('registry_auth takes either identitytoken or username and password, not both.')
        return {'identitytoken': token}
    if not username and not password:
        return {}
    if not username or password is None:
        raise ConfigurationError('registry_auth needs both username and password (%s is missing).'
                                 % ('username' if not username else 'password'))
    registry = registry_of(repository)
    server = auth.get('serveraddress') or (DOCKER_HUB_ADDRESS if registry == 'docker.io' else registry)
    return {'username': username, 'password': password, 'serveraddress': server}


def encode_auth(config: t.Mapping[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(dict(config)).encode('utf-8')).decode('ascii')


def auth_headers(auth: t.Mapping[str, t.Any] | None, repository: str) -> dict[str, str]:
    """``X-Registry-Auth`` for a request about ``repository`` (always present, possibly ``{}``)."""
    return {'X-Registry-Auth': encode_auth(auth_config(auth, repository))}


def build_auth_headers(auth: t.Mapping[str, t.Any] | None) -> dict[str, str]:
    """``X-Registry-Config`` for a build: credentials keyed by registry, used for its FROM pulls."""
    config = auth_config(auth, (auth or {}).get('serveraddress') or '')
    if not config:
        return {}
    server = (auth or {}).get('serveraddress')
    if not server:
        raise ConfigurationError('registry_auth of a build needs serveraddress: the registry host its FROM images '
                                 'come from, for example "registry.example.org:5000".')
    return {'X-Registry-Config': encode_auth({server: config})}
