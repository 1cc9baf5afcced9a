# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker CLI's configuration file and credential helpers: read like the docker CLI, write like ``docker login``.

Lookup order for a registry (``credentials_for``), as the docker CLI does it:

1. ``credHelpers[<registry>]`` names a helper program ``docker-credential-<name>`` for that registry;
2. otherwise ``credsStore`` names one helper for every registry;
3. otherwise the ``auths`` entry of the registry: ``auth`` (base64 of ``user:password``), ``username``/``password``,
   ``identitytoken``.

The config file is ``config_path`` when a module has that option, else ``$DOCKER_CONFIG/config.json``, else
``~/.docker/config.json``. Docker Hub's key is ``https://index.docker.io/v1/`` (for ``docker.io``,
``index.docker.io`` and ``registry-1.docker.io``); every other registry is keyed by its host (and port), and
an entry written with a scheme or path (``https://registry.example.org/v2/``) still matches its host.

A helper speaks over stdin/stdout: ``get`` (stdin: the server URL; stdout: ``{"ServerURL", "Username",
"Secret"}``, Username ``<token>`` meaning Secret is an identity token), ``store`` (stdin: that JSON),
``erase`` (stdin: the server URL) and ``list``. A helper that answers "credentials not found in native
keychain" has no credentials for the registry.

Every secret read from the file or a helper is remembered (``found_secrets``) so the runner hides it from
the task's output like a no_log value.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import tempfile
import typing as t

from ._errors import APIError, ConfigurationError

if t.TYPE_CHECKING:
    from ._client import EngineClient

DOCKER_HUB_KEY = 'https://index.docker.io/v1/'
DOCKER_HUB_NAMES = ('docker.io', 'index.docker.io', 'registry-1.docker.io')
HELPER_PREFIX = 'docker-credential-'
TOKEN_USERNAME = '<token>'
NOT_FOUND_MESSAGE = 'credentials not found in native keychain'
HELPER_TIMEOUT = 60

_CONTEXT: dict[str, t.Any] = {'environ': None, 'config_path': None}
_FOUND: set[str] = set()
# One task asks several times (digest lookup, pull, push): read the file and run the helper once per registry.
_CACHE: dict[tuple[str, str], dict[str, str] | None] = {}


# ---- the task's context: environment and config_path ------------------------------------------


def configure(environ: t.Mapping[str, str] | None = None, config_path: str | None = None) -> None:
    """Set the environment (the task's, in the fast path) and config file lookups use; forget found secrets."""
    _CONTEXT['environ'] = dict(environ) if environ is not None else None
    _CONTEXT['config_path'] = config_path or None
    _FOUND.clear()
    _CACHE.clear()


def _environ() -> t.Mapping[str, str]:
    environ = _CONTEXT.get('environ')
    return environ if environ is not None else os.environ


def found_secrets() -> set[str]:
    """Secrets read from a docker config or a credential helper during this task."""
    return set(_FOUND)


def remember_secret(*values: t.Any) -> None:
    for value in values:
        if isinstance(value, str) and value:
            _FOUND.add(value)


# ---- names ------------------------------------------------------------------------------------


def convert_to_hostname(url: str) -> str:
    """The docker CLI's rule: drop an ``http://``/``https://`` scheme and everything from the first ``/``."""
    stripped = url.strip()
    for scheme in ('http://', 'https://'):
        if stripped.lower().startswith(scheme):
            stripped = stripped[len(scheme):]
            break
    return stripped.split('/', 1)[0]


def registry_key(registry: str | None) -> str:
    """The key a registry has in the config and in credential helpers (Docker Hub's index URL, else host[:port])."""
    if not registry:
        return DOCKER_HUB_KEY
    host = convert_to_hostname(registry)
    if host.lower() in DOCKER_HUB_NAMES:
        return DOCKER_HUB_KEY
    return host


def default_config_path(environ: t.Mapping[str, str] | None = None) -> str:
    environ = _environ() if environ is None else environ
    directory = environ.get('DOCKER_CONFIG')
    if directory:
        return os.path.join(os.path.expanduser(directory), 'config.json')
    home = environ.get('HOME')
    if home:
        return os.path.join(home, '.docker', 'config.json')
    return os.path.join(os.path.expanduser('~'), '.docker', 'config.json')


def config_file(config_path: str | None = None) -> str:
    """The config file a lookup reads: ``config_path``, else the task's one, else ``$DOCKER_CONFIG``, else ``~``."""
    path = config_path or _CONTEXT.get('config_path')
    if path:
        return os.path.expanduser(path)
    return default_config_path()


# ---- the file ---------------------------------------------------------------------------------


def load_config(path: str) -> dict[str, t.Any]:
    """The config file's object; ``{}`` when it does not exist (or is empty)."""
    try:
        with open(path, 'rb') as handle:
            raw = handle.read()
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise ConfigurationError('The docker config %s is a directory; config_path names the file (config.json).' % path)
    except OSError as exc:
        raise ConfigurationError('The docker config %s cannot be read: %s.' % (path, exc.strerror or exc))
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw.decode('utf-8'))
    except (ValueError, UnicodeError) as exc:
        # The error position only, never the text: the file holds credentials.
        raise ConfigurationError('The docker config %s is not valid JSON (%s); fix or remove it.'
                                 % (path, getattr(exc, 'msg', 'not UTF-8')))
    if not isinstance(value, dict):
        raise ConfigurationError('The docker config %s does not hold a JSON object.' % path)
    return value


def write_config(path: str, config: t.Mapping[str, t.Any]) -> None:
    """Write the config atomically (temp file in the same directory, then rename), mode 0600."""
    target = os.path.realpath(path)
    directory = os.path.dirname(target)
    try:
        os.makedirs(directory, mode=0o700, exist_ok=True)
        fd, temp = tempfile.mkstemp(prefix='.config.json.', dir=directory)
    except OSError as exc:
        raise ConfigurationError('Cannot write the docker config %s: %s.' % (path, exc.strerror or exc))
    try:
        with os.fdopen(fd, 'w', encoding='utf-8') as handle:
            os.fchmod(handle.fileno(), 0o600)
            json.dump(config, handle, indent='\t')
            handle.write('\n')
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except OSError as exc:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise ConfigurationError('Cannot write the docker config %s: %s.' % (path, exc.strerror or exc))


def find_auths_key(config: t.Mapping[str, t.Any], key: str) -> str | None:
    """The ``auths`` key holding ``key``'s entry: the same key, else one with the same host (scheme/path ignored)."""
    auths = config.get('auths')
    if not isinstance(auths, dict):
        return None
    if key in auths:
        return key
    wanted = convert_to_hostname(key).lower()
    for candidate in auths:
        if registry_key(candidate) == key or convert_to_hostname(candidate).lower() == wanted:
            return candidate
    return None


def decode_entry(entry: t.Any, key: str) -> dict[str, str] | None:
    """An ``auths`` entry -> ``{username, password}`` and/or ``identitytoken``; None when it holds none."""
    if not isinstance(entry, dict):
        return None
    result: dict[str, str] = {}
    encoded = entry.get('auth')
    if isinstance(encoded, str) and encoded:
        remember_secret(encoded)
        try:
            user, sep, password = base64.b64decode(encoded + '=' * (-len(encoded) % 4)).decode('utf-8').partition(':')
        except (ValueError, UnicodeError):
            sep = ''
        if not sep:
            raise ConfigurationError('The auth of %s in the docker config is not base64 of "user:password" '
                                     '(its value is not shown).' % key)
        result['username'], result['password'] = user, password
    for name in ('username', 'password'):
        if isinstance(entry.get(name), str) and entry[name] and name not in result:
            result[name] = entry[name]
    token = entry.get('identitytoken')
    if isinstance(token, str) and token:
        result['identitytoken'] = token
    remember_secret(result.get('password'), result.get('identitytoken'))
    if not result.get('password'):
        result.pop('password', None)
    if not result.get('password') and not result.get('identitytoken'):
        return None
    return result


def encode_entry(username: str, password: str, identitytoken: str | None = None) -> dict[str, str]:
    """The ``auths`` entry ``docker login`` writes (an identity token replaces the password)."""
    entry = {'auth': base64.b64encode(('%s:%s' % (username, '' if identitytoken else password)).encode('utf-8')).decode('ascii')}
    if identitytoken:
        entry['identitytoken'] = identitytoken
    return entry


# ---- credential helpers -----------------------------------------------------------------------


def helper_for(config: t.Mapping[str, t.Any], key: str) -> str | None:
    """The helper name for a registry: ``credHelpers`` (by key or host) first, then ``credsStore``."""
    helpers = config.get('credHelpers')
    if isinstance(helpers, dict):
        candidates = [key, convert_to_hostname(key)]
        if key == DOCKER_HUB_KEY:
            candidates += list(DOCKER_HUB_NAMES)
        for candidate in candidates:
            name = helpers.get(candidate)
            if isinstance(name, str) and name:
                return name
    store = config.get('credsStore')
    if isinstance(store, str) and store:
        return store
    return None


class HelperMissing(ConfigurationError):
    """The helper program is not on PATH."""


def helper_program(name: str) -> str:
    program = HELPER_PREFIX + name
    found = shutil.which(program, path=_environ().get('PATH', os.defpath))
    if not found:
        raise HelperMissing('The docker config names the credential helper %r, but %s is not on PATH. Install it, or '
                            'remove credsStore/credHelpers from the config.' % (name, program))
    return found


def _run_helper(name: str, action: str, data: str) -> tuple[int, str]:
    program = helper_program(name)
    try:
        proc = subprocess.run([program, action], input=data.encode('utf-8'), capture_output=True,
                              timeout=HELPER_TIMEOUT, env=dict(_environ()), check=False)
    except subprocess.TimeoutExpired:
        raise ConfigurationError('The credential helper %s did not answer "%s" within %d seconds.'
                                 % (program, action, HELPER_TIMEOUT))
    except OSError as exc:
        raise ConfigurationError('The credential helper %s cannot run: %s.' % (program, exc.strerror or exc))
    output = proc.stdout.decode('utf-8', 'replace').strip()
    if proc.returncode != 0:
        message = output or proc.stderr.decode('utf-8', 'replace').strip() or 'exit status %d' % proc.returncode
        return proc.returncode, message
    return 0, output


def helper_get(name: str, key: str) -> dict[str, str] | None:
    """Credentials from a helper; None when it has none for the registry."""
    code, output = _run_helper(name, 'get', key)
    if code != 0:
        if NOT_FOUND_MESSAGE in output.lower():
            return None
        raise ConfigurationError('The credential helper %s%s failed to get the credentials of %s: %s'
                                 % (HELPER_PREFIX, name, key, _first_line(output)))
    try:
        answer = json.loads(output)
    except ValueError:
        raise ConfigurationError('The credential helper %s%s answered "get" with something that is not JSON.' % (HELPER_PREFIX, name))
    if not isinstance(answer, dict):
        return None
    user = answer.get('Username') or ''
    secret = answer.get('Secret') or ''
    if not isinstance(user, str) or not isinstance(secret, str) or not secret:
        return None
    remember_secret(secret)
    if user == TOKEN_USERNAME:
        return {'identitytoken': secret}
    return {'username': user, 'password': secret}


def helper_store(name: str, key: str, username: str, secret: str) -> None:
    code, output = _run_helper(name, 'store', json.dumps({'ServerURL': key, 'Username': username, 'Secret': secret}))
    if code != 0:
        raise ConfigurationError('The credential helper %s%s failed to store the credentials of %s: %s'
                                 % (HELPER_PREFIX, name, key, _first_line(output)))


def helper_erase(name: str, key: str) -> None:
    code, output = _run_helper(name, 'erase', key)
    if code != 0 and NOT_FOUND_MESSAGE not in output.lower():
        raise ConfigurationError('The credential helper %s%s failed to erase the credentials of %s: %s'
                                 % (HELPER_PREFIX, name, key, _first_line(output)))


def helper_list(name: str) -> dict[str, str]:
    code, output = _run_helper(name, 'list', '')
    if code != 0:
        raise ConfigurationError('The credential helper %s%s failed to list its credentials: %s'
                                 % (HELPER_PREFIX, name, _first_line(output)))
    try:
        answer = json.loads(output or '{}')
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in answer.items()} if isinstance(answer, dict) else {}


def _first_line(text: str) -> str:
    line = (text.strip().splitlines() or [''])[0]
    return line[:300]


# ---- lookups ----------------------------------------------------------------------------------


def stored_credentials(config: t.Mapping[str, t.Any], key: str) -> dict[str, str] | None:
    """What the config (or its helper) holds for a registry key: ``username``/``password`` or ``identitytoken``."""
    helper = helper_for(config, key)
    auths_key = find_auths_key(config, key)
    if helper:
        try:
            found = helper_get(helper, key)
        except HelperMissing:
            # The docker CLI fails here; a helper named in a config the registry has no entry in (Docker Desktop's
            # "desktop" on a machine without it) must not break anonymous pulls.
            if auths_key is None:
                return None
            raise
        if found is not None:
            return found
    if auths_key is None:
        return None
    return decode_entry(config['auths'][auths_key], auths_key)


def credentials_for(registry: str | None, config_path: str | None = None) -> dict[str, str] | None:
    """The docker CLI's credentials for a registry (host[:port], a URL or ``docker.io``) as X-Registry-Auth wants
    them, or None for anonymous access."""
    key = registry_key(registry)
    path = config_file(config_path)
    if (path, key) not in _CACHE:
        config = load_config(path)
        found = stored_credentials(config, key) if config else None
        _CACHE[(path, key)] = dict(found, serveraddress=key) if found else None
    cached = _CACHE[(path, key)]
    return dict(cached) if cached else None


def all_credentials(config_path: str | None = None) -> dict[str, dict[str, str]]:
    """Every registry's credentials (for a build's X-Registry-Config), keyed like the config."""
    config = load_config(config_file(config_path))
    keys: list[str] = []
    for section in ('auths', 'credHelpers'):
        value = config.get(section)
        if isinstance(value, dict):
            keys.extend(registry_key(k) for k in value)
    store = config.get('credsStore')
    if isinstance(store, str) and store:
        try:
            keys.extend(registry_key(k) for k in helper_list(store))
        except HelperMissing:
            pass
    result: dict[str, dict[str, str]] = {}
    for key in dict.fromkeys(keys):
        found = stored_credentials(config, key)
        if found:
            result[key] = dict(found, serveraddress=key)
    return result


# ---- login / logout (the login module's service) ---------------------------------------------


def _same_credentials(stored: t.Mapping[str, str] | None, username: str, password: str) -> bool:
    if not stored or stored.get('username') != username:
        return False
    if 'password' in stored:
        return stored['password'] == password
    # An identity token the registry gave at an earlier login: the password is not stored to compare with.
    return bool(stored.get('identitytoken'))


def _drop_variants(config: dict[str, t.Any], key: str, keep: str | None = None) -> bool:
    """Remove every ``auths`` entry of the registry (any spelling of its key but ``keep``); whether one was removed."""
    auths = config.get('auths')
    if not isinstance(auths, dict):
        return False
    removed = False
    host = convert_to_hostname(key).lower()
    for candidate in list(auths):
        if candidate != keep and (registry_key(candidate) == key or convert_to_hostname(candidate).lower() == host):
            del auths[candidate]
            removed = True
    return removed


def _authenticate(client: EngineClient, key: str, username: str, password: str) -> dict[str, t.Any]:
    try:
        answer = client.post_json('/auth', body={'username': username, 'password': password, 'serveraddress': key})
    except APIError as exc:
        raise ConfigurationError('Logging in to %s as %s failed: %s' % (key, username, exc.message),
                                 status=exc.status, daemon_message=exc.message)
    return answer if isinstance(answer, dict) else {}


def login(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    key = registry_key(params.get('registry_url') or DOCKER_HUB_KEY)
    path = os.path.expanduser(params.get('config_path') or default_config_path())
    config = load_config(path)
    before_config = json.dumps(config, sort_keys=True)
    helper = helper_for(config, key)
    stored = stored_credentials(config, key)
    result: dict[str, t.Any] = {'changed': False}
    before = {'registry': key, 'logged_in': bool(stored), 'username': (stored or {}).get('username')}

    if params.get('state') == 'absent':
        if stored or find_auths_key(config, key) is not None:
            result['changed'] = True
            if not check_mode:
                if helper and stored:
                    helper_erase(helper, key)
                _drop_variants(config, key)
                if json.dumps(config, sort_keys=True) != before_config:
                    write_config(path, config)
        after = {'registry': key, 'logged_in': False, 'username': None}
    else:
        username, password = params.get('username'), params.get('password')
        if not username or not password:
            raise ConfigurationError('state=present needs username and password.')
        same = _same_credentials(stored, username, password)
        status = 'Login Succeeded'
        token = None
        if not same or params.get('reauthorize'):
            answer = _authenticate(client, key, username, password)
            status = answer.get('Status') or status
            token = answer.get('IdentityToken') or None
            remember_secret(token)
        if not same:
            result['changed'] = True
            if not check_mode:
                if helper:
                    helper_store(helper, key, TOKEN_USERNAME if token else username, token or password)
                    _drop_variants(config, key, keep=key)
                    auths = config.setdefault('auths', {})
                    auths[key] = {k: v for k, v in (auths.get(key) or {}).items()
                                  if k not in ('auth', 'identitytoken', 'username', 'password')}
                else:
                    _drop_variants(config, key, keep=key)
                    auths = config.setdefault('auths', {})
                    entry = {k: v for k, v in (auths.get(key) or {}).items()
                             if k not in ('auth', 'identitytoken', 'username', 'password')}
                    entry.update(encode_entry(username, password, token))
                    remember_secret(entry['auth'])
                    auths[key] = entry
                if json.dumps(config, sort_keys=True) != before_config or not os.path.exists(path):
                    write_config(path, config)
        result['login_result'] = {'serveraddress': key, 'username': username, 'status': status}
        after = {'registry': key, 'logged_in': True, 'username': username}
    _CACHE.clear()
    if diff:
        result['diff'] = {'before': before, 'after': after}
    return result
