# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Registry credentials for pull, push and the registry lookups of the image modules.

The daemon takes them per request in ``X-Registry-Auth``: URL-safe base64 of a JSON object
with ``username``/``password``/``serveraddress`` or an ``identitytoken``. Push needs the header
even when anonymous (the daemon otherwise tries to read credentials from the request body), so
an empty object is sent when no credentials are found.

Where credentials come from, first match wins: the task's ``registry_auth``; otherwise the docker
CLI's config for the registry (``_dockerconfig.credentials_for``: ``credHelpers`` -> ``credsStore``
-> ``auths``); otherwise none (anonymous).
"""

from __future__ import annotations

import base64
import json
import typing as t

from ._dockerconfig import all_credentials, credentials_for
from ._errors import ConfigurationError

DOCKER_HUB_ADDRESS = 'https://index.docker.io/v1/'

# Not no_log as a whole: that would also mask the user name and the registry address wherever they occur in
# the output (image names included). The runner hides exactly the secrets instead (registry_auth_secrets).
REGISTRY_AUTH_ARGSPEC: dict[str, t.Any] = {'type': 'raw'}
AUTH_KEYS = ('username', 'password', 'serveraddress', 'identitytoken', 'auth', 'email')
_NOT_SHOWN = '(its value is not shown: it holds credentials)'


def _decode_string(text: str) -> dict[str, t.Any]:
    """A JSON object, or base64 (URL-safe or standard, padding optional) of one; never echoes the text."""
    text = text.strip()
    candidates = [text]
    if not text.startswith('{'):
        padded = text + '=' * (-len(text) % 4)
        for decode in (base64.urlsafe_b64decode, base64.b64decode):
            try:
                candidates.append(decode(padded.encode('ascii')).decode('utf-8'))
                break
            except (ValueError, UnicodeError):
                continue
    for candidate in reversed(candidates):
        try:
            value = json.loads(candidate)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    raise ConfigurationError('registry_auth is a string that is neither a JSON object nor base64 of one (an '
                             'X-Registry-Auth value) %s. Give a dictionary with username and password (or '
                             'identitytoken), or such a string.' % _NOT_SHOWN)


def normalize_auth(value: t.Any) -> dict[str, t.Any] | None:
    """registry_auth as given (dict, JSON string or base64 X-Registry-Auth) -> a checked dict, or None."""
    if value is None or value == '' or value == {}:
        return None
    if isinstance(value, str):
        value = _decode_string(value)
    if not isinstance(value, dict):
        raise ConfigurationError('registry_auth must be a dictionary (username, password, serveraddress or '
                                 'identitytoken) or a string holding one, not a %s %s.' % (type(value).__name__, _NOT_SHOWN))
    unknown = sorted(str(k) for k in value if k not in AUTH_KEYS)
    if unknown:
        raise ConfigurationError('registry_auth has unknown key%s %s; it takes %s.'
                                 % ('s' if len(unknown) > 1 else '', ', '.join(unknown), ', '.join(AUTH_KEYS[:4])))
    result: dict[str, t.Any] = {}
    for key, item in value.items():
        if item is None or item == '':
            continue
        if not isinstance(item, str):
            raise ConfigurationError('registry_auth.%s must be a string %s.' % (key, _NOT_SHOWN))
        result[key] = item
    encoded = result.pop('auth', None)
    result.pop('email', None)  # accepted in X-Registry-Auth, ignored by the daemon
    if encoded is not None and not (result.get('username') or result.get('password')):
        try:
            user, sep, password = base64.b64decode(encoded + '=' * (-len(encoded) % 4)).decode('utf-8').partition(':')
        except (ValueError, UnicodeError):
            sep = ''
        if not sep:
            raise ConfigurationError('registry_auth.auth is not base64 of "user:password" %s.' % _NOT_SHOWN)
        result['username'], result['password'] = user, password
    return result or None


def registry_of(repository: str) -> str:
    """The registry host of a repository name, as the docker CLI splits it (Docker Hub otherwise)."""
    first, sep, _rest = repository.partition('/')
    if sep and (('.' in first or ':' in first) or first == 'localhost' or first.lower() != first):
        return first
    return 'docker.io'


def auth_config(auth: t.Any, repository: str) -> dict[str, str]:
    """The credentials as the daemon wants them: ``registry_auth``, else the docker config's; ``{}`` for anonymous access."""
    auth = normalize_auth(auth)
    if not auth:
        return credentials_for(registry_of(repository)) or {}
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


def encode_auth(config: t.Mapping[str, t.Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(dict(config)).encode('utf-8')).decode('ascii')


def auth_headers(auth: t.Any, repository: str) -> dict[str, str]:
    """``X-Registry-Auth`` for a request about ``repository`` (always present, possibly ``{}``)."""
    return {'X-Registry-Auth': encode_auth(auth_config(auth, repository))}


def build_auth_headers(auth: t.Any) -> dict[str, str]:
    """``X-Registry-Config`` for a build: credentials keyed by registry, used for its FROM pulls."""
    auth = normalize_auth(auth)
    if not auth:
        # Like the docker CLI: every registry's credentials from the docker config, for whichever FROM needs them.
        everything = all_credentials()
        return {'X-Registry-Config': encode_auth(everything)} if everything else {}
    config = auth_config(auth, auth.get('serveraddress') or '')
    if not config:
        return {}
    server = (auth or {}).get('serveraddress')
    if not server:
        raise ConfigurationError('registry_auth of a build needs serveraddress: the registry host its FROM images '
                                 'come from, for example "registry.example.org:5000".')
    return {'X-Registry-Config': encode_auth({server: config})}


def registry_auth_secrets(value: t.Any) -> set[str]:
    """What of ``registry_auth`` must never be shown: a string form whole, and the password, token and auth inside."""
    secrets: set[str] = set()
    if isinstance(value, str) and value.strip():
        secrets.add(value)
        secrets.add(value.strip())
    for form in (value, _quietly(normalize_auth, value)):
        if isinstance(form, str):
            form = _quietly(_decode_string, form)
        if isinstance(form, dict):
            secrets.update(item for key, item in form.items()
                           if key in ('password', 'identitytoken', 'auth') and isinstance(item, str) and item)
    return secrets


def _quietly(parse: t.Callable[[t.Any], t.Any], value: t.Any) -> t.Any:
    try:
        return parse(value)
    except ConfigurationError:
        return None
