# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The docker CLI's contexts, read the way the docker CLI reads them (never written here).

Storage (below the docker config directory: ``$DOCKER_CONFIG``, else ``~/.docker``):

- ``contexts/meta/<sha256 of the name>/meta.json``: ``{"Name", "Metadata": {"Description"},
  "Endpoints": {"docker": {"Host", "SkipTLSVerify"}}}``;
- ``contexts/tls/<sha256 of the name>/docker/{ca,cert,key}.pem``: the endpoint's TLS material, if any.

The context named ``default`` is not stored: it is E(DOCKER_HOST) (with E(DOCKER_TLS_VERIFY) and
E(DOCKER_CERT_PATH)) or the default socket.

Which context is current, in the docker CLI's order (``resolveContextName``): ``--context``, then ``--host``
or E(DOCKER_HOST) (both mean ``default``), then E(DOCKER_CONTEXT), then ``currentContext`` in config.json,
then ``default``. Our modules have no ``--context``; ``docker_host`` plays the part of ``--host``.

A context's endpoint becomes connection options: ``docker_host`` (http/https schemes become tcp),
``tls`` (TLS material present or ``SkipTLSVerify``), ``validate_certs`` (``not SkipTLSVerify``),
``ca_path``, ``client_cert``, ``client_key`` (the files beside it).
"""

from __future__ import annotations

import hashlib
import json
import os
import typing as t

from ._dockerconfig import default_config_path, load_config
from ._errors import ConfigurationError

DEFAULT_CONTEXT = 'default'
DEFAULT_SOCKET = 'unix:///var/run/docker.sock'
CONNECTION_PARAM_KEYS = ('docker_host', 'tls', 'validate_certs', 'ca_path', 'client_cert', 'client_key')
_TLS_FILES = (('ca_path', 'ca.pem'), ('client_cert', 'cert.pem'), ('client_key', 'key.pem'))


class DockerContext(t.NamedTuple):
    """One context as the docker CLI stores it (``default``: built from the environment)."""

    name: str
    description: str | None
    host: str | None  # the docker endpoint's Host, None when the context has no docker endpoint
    skip_tls_verify: bool
    meta_path: str | None  # None for default
    tls_path: str | None  # None for default
    tls_files: t.Tuple[t.Tuple[str, str], ...] = ()  # (option, path) of the TLS files present
    has_docker_endpoint: bool = True


def _environ(environ: t.Mapping[str, str] | None) -> t.Mapping[str, str]:
    return os.environ if environ is None else environ


def config_dir(environ: t.Mapping[str, str] | None = None) -> str:
    """The docker config directory: ``$DOCKER_CONFIG``, else ``~/.docker``."""
    return os.path.dirname(default_config_path(_environ(environ)))


def context_id(name: str) -> str:
    """The directory name of a context: the SHA-256 of its name, in hex."""
    return hashlib.sha256(name.encode('utf-8')).hexdigest()


def meta_root(environ: t.Mapping[str, str] | None = None) -> str:
    return os.path.join(config_dir(environ), 'contexts', 'meta')


def tls_root(environ: t.Mapping[str, str] | None = None) -> str:
    return os.path.join(config_dir(environ), 'contexts', 'tls')


def current_context_name(environ: t.Mapping[str, str] | None = None) -> tuple[str, str]:
    """The current context's name and where that choice came from, in the docker CLI's order."""
    environ = _environ(environ)
    if environ.get('DOCKER_HOST'):
        return DEFAULT_CONTEXT, 'DOCKER_HOST is set'
    if environ.get('DOCKER_CONTEXT'):
        return environ['DOCKER_CONTEXT'], 'DOCKER_CONTEXT'
    path = default_config_path(environ)
    try:
        current = load_config(path).get('currentContext')
    except ConfigurationError:
        current = None  # as the docker CLI: an unreadable config.json selects no context (credential lookups report it)
    if isinstance(current, str) and current:
        return current, 'currentContext in %s' % path
    return DEFAULT_CONTEXT, 'no context selected'


def normalize_host(host: str) -> str:
    """The endpoint Host as a docker_host value: http(s):// becomes tcp://, http+unix:// becomes unix://."""
    scheme, sep, rest = host.partition('://')
    if not sep:
        return host
    scheme = {'http': 'tcp', 'https': 'tcp', 'http+unix': 'unix'}.get(scheme.lower(), scheme)
    return '%s://%s' % (scheme, rest)


def default_context(environ: t.Mapping[str, str] | None = None) -> DockerContext:
    """``default``: E(DOCKER_HOST) (with E(DOCKER_TLS_VERIFY)/E(DOCKER_CERT_PATH), as the CLI reads them) or the socket."""
    environ = _environ(environ)
    files: list[tuple[str, str]] = []
    cert_path = environ.get('DOCKER_CERT_PATH')
    if environ.get('DOCKER_TLS_VERIFY') and cert_path:
        for option, filename in _TLS_FILES:
            candidate = os.path.join(os.path.expanduser(cert_path), filename)
            if os.path.isfile(candidate):
                files.append((option, candidate))
    return DockerContext(
        name=DEFAULT_CONTEXT,
        description='Current DOCKER_HOST based configuration',
        host=environ.get('DOCKER_HOST') or DEFAULT_SOCKET,
        skip_tls_verify=False,
        meta_path=None,
        tls_path=None,
        tls_files=tuple(files),
    )


def _missing(name: str, source: str | None, environ: t.Mapping[str, str]) -> ConfigurationError:
    names = [context.name for context in list_contexts(environ, strict=False)]
    hint = ''
    if source == 'DOCKER_CONTEXT':
        hint = ' Unset DOCKER_CONTEXT or set it to an existing context.'
    elif source and source.startswith('currentContext'):
        hint = ' Run `docker context use default` (or another existing context) to fix config.json.'
    return ConfigurationError(
        'Docker context %r%s does not exist: there is no %s. `docker context ls` lists the contexts of this docker '
        'config directory (%s): %s. Create it with `docker context create`, or set DOCKER_CONFIG to the directory '
        'that holds it.%s'
        % (name, ' (from %s)' % source if source else '', os.path.join(meta_root(environ), context_id(name), 'meta.json'),
           config_dir(environ), ', '.join(names), hint),
        context=name)


def _read_meta(meta_file: str) -> dict[str, t.Any]:
    try:
        with open(meta_file, 'rb') as handle:
            data = json.loads(handle.read().decode('utf-8'))
    except FileNotFoundError:
        raise
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            'The docker context metadata %s cannot be read (%s). Fix or remove that context '
            '(`docker context rm`).' % (meta_file, exc))
    if not isinstance(data, dict):
        raise ConfigurationError('The docker context metadata %s is not a JSON object. Fix or remove that context.' % meta_file)
    return data


def _from_meta(data: t.Mapping[str, t.Any], meta_dir: str, environ: t.Mapping[str, str]) -> DockerContext:
    name = data.get('Name')
    if not isinstance(name, str) or not name:
        raise ConfigurationError('The docker context metadata %s names no context (Name). Fix or remove it.'
                                 % os.path.join(meta_dir, 'meta.json'))
    metadata = data.get('Metadata')
    description = metadata.get('Description') if isinstance(metadata, dict) else None
    endpoints = data.get('Endpoints')
    endpoint = endpoints.get('docker') if isinstance(endpoints, dict) else None
    host = endpoint.get('Host') if isinstance(endpoint, dict) else None
    tls_path = os.path.join(tls_root(environ), context_id(name))
    files: list[tuple[str, str]] = []
    for option, filename in _TLS_FILES:
        candidate = os.path.join(tls_path, 'docker', filename)
        if os.path.isfile(candidate):
            files.append((option, candidate))
    return DockerContext(
        name=name,
        description=description if isinstance(description, str) else None,
        host=normalize_host(host) if isinstance(host, str) and host else None,
        skip_tls_verify=bool(endpoint.get('SkipTLSVerify')) if isinstance(endpoint, dict) else False,
        meta_path=meta_dir,
        tls_path=tls_path,
        tls_files=tuple(files),
        has_docker_endpoint=isinstance(endpoint, dict),
    )


def load_context(name: str, environ: t.Mapping[str, str] | None = None, source: str | None = None) -> DockerContext:
    """The context ``name``; ConfigurationError naming it and where it was looked for when it does not exist."""
    environ = _environ(environ)
    if not isinstance(name, str) or not name:
        raise ConfigurationError('A docker context name must be a non-empty string, got %r.' % (name,))
    if name == DEFAULT_CONTEXT:
        return default_context(environ)
    meta_dir = os.path.join(meta_root(environ), context_id(name))
    try:
        data = _read_meta(os.path.join(meta_dir, 'meta.json'))
    except FileNotFoundError:
        raise _missing(name, source, environ)
    return _from_meta(data, meta_dir, environ)


def list_contexts(environ: t.Mapping[str, str] | None = None, strict: bool = True) -> list[DockerContext]:
    """Every context (``default`` included), sorted by name, like ``docker context ls``."""
    environ = _environ(environ)
    contexts = [default_context(environ)]
    root = meta_root(environ)
    try:
        entries = sorted(os.listdir(root))
    except (FileNotFoundError, NotADirectoryError):
        entries = []
    except OSError as exc:
        if strict:
            raise ConfigurationError('The docker contexts directory %s cannot be read (%s).' % (root, exc))
        entries = []
    for entry in entries:
        meta_file = os.path.join(root, entry, 'meta.json')
        if not os.path.isfile(meta_file):
            continue
        try:
            contexts.append(_from_meta(_read_meta(meta_file), os.path.join(root, entry), environ))
        except (ConfigurationError, FileNotFoundError):
            if strict:
                raise
    return sorted(contexts, key=lambda context: context.name)


def module_config(context: DockerContext) -> dict[str, t.Any]:
    """Connection options for this collection's modules (module_defaults of the group) that reach the context's daemon.

    ``tls`` here means "use TLS" (this collection's meaning; validation is ``validate_certs``).
    """
    if not context.has_docker_endpoint or not context.host:
        return {}
    config: dict[str, t.Any] = {'docker_host': context.host}
    if context.host.split('://', 1)[0] in ('unix', 'ssh', 'npipe', 'fd'):
        config['tls'] = False
        return config
    files = dict(context.tls_files)
    if files or context.skip_tls_verify:
        config['tls'] = True
        config['validate_certs'] = not context.skip_tls_verify
        config.update(files)
    else:
        config['tls'] = False
    return config


def _params_of(name: str, environ: t.Mapping[str, str], source: str | None) -> dict[str, t.Any]:
    context = load_context(name, environ, source)
    if not context.has_docker_endpoint or not context.host:
        raise ConfigurationError(
            'Docker context %r (%s) has no docker endpoint (Endpoints.docker.Host). Recreate it with '
            '`docker context create %s --docker host=...`.' % (name, context.meta_path, name), context=name)
    return module_config(context)


def context_connection_params(name: str | None = None, environ: t.Mapping[str, str] | None = None) -> dict[str, t.Any]:
    """Connection option values (docker_host, tls, validate_certs, ca_path, client_cert, client_key) of a context.

    ``name`` None: the current context. ``default`` gives ``{}`` (the caller falls back to E(DOCKER_HOST) or the
    default socket, as it does without a context). Raises ConfigurationError for a missing or unreadable context.
    """
    environ = _environ(environ)
    source = None
    if name is None:
        name, source = current_context_name(environ)
    if name == DEFAULT_CONTEXT:
        return {}
    return _params_of(name, environ, source)


def apply_current_context(params: t.Mapping[str, t.Any], environ: t.Mapping[str, str]
                          ) -> tuple[t.Mapping[str, t.Any], str | None]:
    """For resolve_settings when neither docker_host nor DOCKER_HOST is set: the task's options over the current
    context's. Returns (params, description of the context used, e.g. "docker context prod (from DOCKER_CONTEXT)")
    or (params unchanged, None) for the default context."""
    name, source = current_context_name(environ)
    if name == DEFAULT_CONTEXT:
        return params, None
    merged = dict(params)
    for key, value in _params_of(name, environ, source).items():
        if merged.get(key) is None:
            merged[key] = value
    return merged, 'docker context %s (from %s)' % (name, source)


# ---- the context_info module (reads files only, no daemon) ----------------------------------


def _entry(context: DockerContext, current: str) -> dict[str, t.Any]:
    return {
        'current': context.name == current,
        'name': context.name,
        'description': context.description,
        'meta_path': context.meta_path,
        'tls_path': context.tls_path,
        'config': module_config(context),
    }


def context_info(params: t.Mapping[str, t.Any], check_mode: bool = False, diff: bool = False,
                 environ: t.Mapping[str, str] | None = None) -> dict[str, t.Any]:
    """The service of the context_info module: ``service(params, check_mode, diff)`` of run_local_module."""
    environ = _environ(environ)
    if params.get('cli_context'):
        current, source = params['cli_context'], 'cli_context option'
    else:
        current, source = current_context_name(environ)
    if params.get('name'):
        contexts = [load_context(params['name'], environ, 'name option')]
    elif params.get('only_current'):
        contexts = [load_context(current, environ, source)]
    else:
        contexts = list_contexts(environ)
    return {
        'changed': False,
        'contexts': sorted((_entry(context, current) for context in contexts), key=lambda entry: entry['name']),
        'current_context_name': current,
        'current_context_source': source,
    }
