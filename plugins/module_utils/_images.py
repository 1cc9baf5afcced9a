# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Images: references, inspect/list, pull/push/tag/remove, and builds from a streamed context.

Services:

* ``image_info``  - list (``GET /images/json``) or inspect by name, never failing on a missing one;
* ``image``       - present (pull when missing or always, tag into ``repository``, push) or absent;
* ``image_build`` - ``POST /build`` with the context streamed as it is read (see ``_context``).

``changed`` always means "an image ID that a name points at is now different" (or a registry
now holds a manifest it did not hold before), never "we called the endpoint".
"""

from __future__ import annotations

import dataclasses
import http.client
import os
import re
import socket
import time
import typing as t

from ._auth import auth_headers, build_auth_headers, normalize_auth
from ._client import EngineClient, JSONStreamDecoder, Response, quote_path, stream_error_message
from ._compare import echo_arguments, parse_size, string_map
from ._context import (
    CHUNK_SIZE,
    check_context,
    exact_length,
    iter_context_tar,
    iter_tar_file,
    load_matcher,
    resolve_dockerfile,
)
from ._errors import APIError, ConfigurationError, ConnectionProblem, EngineError, NotFound, StreamError

# ---- references ------------------------------------------------------------------------------

_COMPONENT_RE = re.compile(r'^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$')
_DOMAIN_RE = re.compile(
    r'^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*'
    r'|\[[0-9a-fA-F:]+\])(?::[0-9]+)?$')
_TAG_RE = re.compile(r'^[\w][\w.-]{0,127}$')
_DIGEST_RE = re.compile(r'^[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,}$')
# The algorithms the daemon can verify, and their hex length (lowercase only, as go-digest requires).
_DIGEST_HEX = {'sha256': 64, 'sha384': 96, 'sha512': 128}
_ID_RE = re.compile(r'^(?:sha256:)?[0-9a-f]{64}$')


@dataclasses.dataclass(frozen=True)
class Reference:
    # A class, not a NamedTuple: a tuple would be taken for the argument list of '%s' % ref.
    repository: str
    tag: t.Optional[str]
    digest: t.Optional[str]

    def __str__(self) -> str:
        text = self.repository
        if self.tag:
            text += ':' + self.tag
        if self.digest:
            text += '@' + self.digest
        return text

    @property
    def tag_or_digest(self) -> str:
        return self.digest or self.tag or 'latest'


def is_image_id(text: str) -> bool:
    return bool(_ID_RE.match(text))


def _split_domain(repository: str) -> tuple[str | None, str]:
    first, sep, rest = repository.partition('/')
    if sep and ('.' in first or ':' in first or first == 'localhost' or first.lower() != first):
        return first, rest
    return None, repository


def parse_reference(text: str, default_tag: str | None = 'latest', option: str = 'name',
                    allow_digest: bool = True) -> Reference:
    """Split and check ``[registry/]path[:tag][@digest]`` as the daemon would, before any request."""
    value = (text or '').strip()
    if not value:
        raise ConfigurationError('%s is empty. Give an image reference such as "busybox:1.36" or '
                                 '"registry.example.org:5000/team/app:2.1".' % option)
    digest = None
    if '@' in value:
        value, digest = value.split('@', 1)
        if not allow_digest:
            raise ConfigurationError('%s %r carries a digest; a digest cannot be given to an image you tag or build. '
                                     'Use name:tag.' % (option, text))
        algorithm, _sep, hexpart = digest.partition(':')
        if not _DIGEST_RE.match(digest) or (algorithm in _DIGEST_HEX and (
                len(hexpart) != _DIGEST_HEX[algorithm] or hexpart.lower() != hexpart)):
            raise ConfigurationError('%s %r has an invalid digest %r (expected e.g. sha256:<64 lowercase hex digits>).'
                                     % (option, text, digest))
        if algorithm not in _DIGEST_HEX:
            raise ConfigurationError('%s %r has a digest with the unsupported algorithm %r: use sha256 (or sha384, '
                                     'sha512).' % (option, text, algorithm))
    tag = None
    slash = value.rfind('/')
    colon = value.rfind(':')
    if colon > slash:
        value, tag = value[:colon], value[colon + 1:]
        if not _TAG_RE.match(tag):
            raise ConfigurationError('%s %r has an invalid tag %r: a tag is up to 128 letters, digits, "_", "." and '
                                     '"-", not starting with "." or "-".' % (option, text, tag))
    domain, path = _split_domain(value)
    if domain is not None and not _DOMAIN_RE.match(domain):
        raise ConfigurationError('%s %r has an invalid registry host %r.' % (option, text, domain))
    components = path.split('/')
    for component in components:
        if not _COMPONENT_RE.match(component):
            hint = ' (repository names must be lowercase)' if component.lower() != component else ''
            raise ConfigurationError(
                '%s %r is not a valid image reference: %r is not a valid repository path component%s. Components are '
                'lowercase letters and digits, separated by ".", "_", "__" or "-".' % (option, text, component, hint))
    if len(value) > 255:
        raise ConfigurationError('%s %r is longer than 255 characters (without tag).' % (option, text))
    if tag is None and digest is None:
        tag = default_tag
    return Reference(value, tag, digest)


def familiar_name(repository: str) -> str:
    """The short form the daemon uses in RepoTags/RepoDigests (docker.io/library/x -> x)."""
    for prefix in ('docker.io/', 'index.docker.io/'):
        if repository.startswith(prefix):
            repository = repository[len(prefix):]
            if repository.startswith('library/') and repository.count('/') == 1:
                repository = repository[len('library/'):]
            break
    return repository


def repo_digests(image: t.Mapping[str, t.Any] | None, repository: str) -> set[str]:
    """The manifest digests the daemon recorded for ``repository`` (from pulls and pushes)."""
    wanted = familiar_name(repository)
    found: set[str] = set()
    for entry in (image or {}).get('RepoDigests') or []:
        repo, dummy, digest = str(entry).partition('@')
        if familiar_name(repo) == wanted and digest:
            found.add(digest)
    return found


# ---- small API wrappers ----------------------------------------------------------------------


def _odd_answer(what: str, answer: t.Any, expected: str) -> EngineError:
    return EngineError('The daemon answered %s with %s instead of %s. Check the daemon (or a proxy in front of it).'
                       % (what, type(answer).__name__, expected), daemon_answer=str(answer)[:200])


def inspect_image(client: EngineClient, name: str) -> dict[str, t.Any] | None:
    try:
        answer = client.get_json('/images/%s/json' % quote_path(name))
    except NotFound:
        return None
    if not isinstance(answer, dict) or not isinstance(answer.get('Id'), str):
        raise _odd_answer('the inspect of image %s' % name, answer, 'an image object with an Id')
    return answer


def list_images(client: EngineClient, all: bool = False, filters: t.Any = None) -> list[dict[str, t.Any]]:
    answer = client.get_json('/images/json', {'all': all, 'filters': filters}) or []
    if not isinstance(answer, list):
        raise _odd_answer('the image list', answer, 'a list')
    return answer


def image_id(image: t.Mapping[str, t.Any] | None) -> str | None:
    return image.get('Id') if image else None


def registry_digest(client: EngineClient, ref: Reference, auth: t.Mapping[str, t.Any] | None) -> tuple[str | None, str | None]:
    """The registry's current manifest digest for ``ref`` (``GET /distribution``), or (None, why not)."""
    try:
        answer = client.get_json('/distribution/%s/json' % quote_path(str(ref)),
                                 headers=auth_headers(auth, ref.repository))
    except NotFound:
        return None, 'not in the registry'
    except APIError as exc:
        return None, exc.message
    descriptor = (answer.get('Descriptor') if isinstance(answer, dict) else None) or {}
    digest = descriptor.get('digest') if isinstance(descriptor, dict) else None
    if not isinstance(digest, str) or not digest:
        return None, 'the daemon answered GET /distribution without a manifest digest'
    return digest, None


def registry_is_newer(client: EngineClient, ref: Reference, local: t.Mapping[str, t.Any] | None,
                      auth: t.Any = None) -> tuple[bool | None, str | None, str | None]:
    """The one "does the registry hold something other than what we have" check, without pulling.

    Returns (newer, registry digest, why unknown): ``newer`` is True when the image is missing
    locally or the registry's manifest digest for ``ref`` is not among the digests the daemon
    recorded for that repository, False when it is, and None when the registry could not be asked.
    """
    digest, why = registry_digest(client, ref, auth)
    if digest is None:
        return None, None, why
    if local is None:
        return True, digest, None
    return digest not in repo_digests(local, ref.repository), digest, None


def _progress_line(obj: t.Any) -> str | None:
    """One readable log line for a progress object, or None for progress-bar updates.

    Anything may arrive here (``progressDetail: null``, a list, a bare string): odd shapes give
    no line, never an exception.
    """
    if not isinstance(obj, dict):
        return None
    detail = obj.get('progressDetail')
    if isinstance(detail, dict) and detail.get('current') is not None:
        return None
    status = obj.get('status')
    if not status:
        return None
    return '%s: %s' % (obj['id'], status) if obj.get('id') else str(status)


def _consume_progress(client: EngineClient, method: str, path: str, params: t.Mapping[str, t.Any],
                      headers: t.Mapping[str, str], what: str) -> tuple[list[str], list[dict[str, t.Any]]]:
    """Run a pull/push stream; an in-band error object (inside a 200 answer) is a failure."""
    log: list[str] = []
    aux: list[dict[str, t.Any]] = []
    try:
        for obj in client.stream_json(method, path, params, headers=headers, raise_on_error=False, timeout=None):
            if not isinstance(obj, dict):
                continue  # not a progress object: nothing to show or to act on
            message = stream_error_message(obj)
            if message is not None:
                raise StreamError('%s failed: %s' % (what, message), log=log, daemon_message=message)
            if isinstance(obj.get('aux'), dict):
                aux.append(obj['aux'])
            line = _progress_line(obj)
            if line is not None:
                log.append(line)
    except APIError as exc:  # refused before the stream started (HTTP 4xx/5xx)
        raise APIError(exc.status, exc.message, exc.method, exc.path,
                       msg='%s failed: %s' % (what, exc.message))
    return log, aux


def pull_image(client: EngineClient, ref: Reference, auth: t.Mapping[str, t.Any] | None,
               platform: str | None) -> list[str]:
    params = {'fromImage': ref.repository, 'tag': ref.tag_or_digest, 'platform': platform}
    log, _aux = _consume_progress(client, 'POST', '/images/create', params, auth_headers(auth, ref.repository),
                                  'Pulling %s' % ref)
    return log


def push_image(client: EngineClient, ref: Reference, auth: t.Mapping[str, t.Any] | None) -> tuple[str | None, list[str]]:
    log, aux = _consume_progress(client, 'POST', '/images/%s/push' % quote_path(ref.repository),
                                 {'tag': ref.tag or 'latest'}, auth_headers(auth, ref.repository),
                                 'Pushing %s' % ref)
    digest = next((a.get('Digest') for a in aux if a.get('Digest')), None)
    return digest, log


def tag_image(client: EngineClient, source: str, target: Reference) -> None:
    client.request('POST', '/images/%s/tag' % quote_path(source), {'repo': target.repository, 'tag': target.tag})


# ---- image_info ------------------------------------------------------------------------------


def image_info(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    names = params.get('name')
    if not names:
        return {'changed': False, 'images': list_images(client, params.get('all'), params.get('filters'))}
    if params.get('filters') or params.get('all'):
        raise ConfigurationError('filters and all apply to the image list; leave them out when name is given.')
    images: list[dict[str, t.Any]] = []
    missing: list[str] = []
    for name in names:
        found = inspect_image(client, _lookup_name(name))
        if found is None:
            missing.append(name)
        else:
            images.append(found)
    return {'changed': False, 'images': images, 'missing': missing}


def _lookup_name(name: str) -> str:
    """What to inspect for a user-given name: IDs as they are, references with their tag checked."""
    text = name.strip()
    if is_image_id(text) or re.match(r'^[0-9a-f]{12,63}$', text):
        return text  # a (short) ID; the daemon resolves prefixes
    return str(parse_reference(text))


# ---- image (present / absent) ----------------------------------------------------------------


class _Plan:
    """What ``image`` did or would do, for the result and diff."""

    def __init__(self) -> None:
        self.actions: list[str] = []
        self.changed = False
        self.log: list[str] = []

    def did(self, action: str) -> None:
        self.actions.append(action)
        self.changed = True


def image(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    # Credentials are checked (and a string form decoded) before any request.
    params = dict(params, registry_auth=normalize_auth(params.get('registry_auth')))
    params.update(_interface(params))
    if params.get('state') == 'absent':
        return _image_absent(client, params, check_mode, diff)
    return _image_present(client, params, check_mode, diff)


_PULL_MODES = {'missing': 'missing', 'not_present': 'missing', 'always': 'always', 'never': 'never'}
_SOURCE_NEEDS = {'build': 'build', 'load': 'load_path'}
_PRESENT_ONLY = ('source', 'build', 'load_path', 'archive_path', 'push', 'repository')


def _interface(params: t.Mapping[str, t.Any]) -> dict[str, t.Any]:
    """docker_image's interface on top of ours: ``pull`` as a string (ours) or a dict (``platform``), ``source``."""
    pull = params.get('pull')
    platform = params.get('platform')
    if isinstance(pull, dict):
        unknown = sorted(set(pull) - {'platform'})
        if unknown:
            raise ConfigurationError('pull as a dictionary takes only platform (as in docker_image); got %s.'
                                     % ', '.join(unknown))
        if pull.get('platform') and platform and pull['platform'] != platform:
            raise ConfigurationError('pull.platform (%s) and platform (%s) differ; give one.' % (pull['platform'], platform))
        platform = pull.get('platform') or platform
        mode = 'missing'
    elif pull is None or pull == '':
        mode = 'missing'
    elif isinstance(pull, str) and pull in _PULL_MODES:
        mode = _PULL_MODES[pull]
    else:
        raise ConfigurationError('pull must be one of missing, always, never (or not_present), or a dictionary with '
                                 'platform as in docker_image; got %r.' % (pull,))
    source = params.get('source')
    force_source = bool(params.get('force_source') or params.get('force_pull'))
    if params.get('state') == 'absent':
        given = [name for name in _PRESENT_ONLY if params.get(name)]
        if given and given != ['source']:
            raise ConfigurationError('%s apply to state=present only; leave them out with state=absent.'
                                     % ', '.join(given))
    elif source in _SOURCE_NEEDS and not params.get(_SOURCE_NEEDS[source]):
        raise ConfigurationError('source=%s needs %s.' % (source, _SOURCE_NEEDS[source]))
    elif source is None and (params.get('build') or params.get('load_path')):
        raise ConfigurationError('build and load_path take effect with source=build and source=load; set source.')
    if source == 'local':
        mode = 'never'
    elif source in ('build', 'load') and mode == 'always':
        raise ConfigurationError('pull=always refreshes by pulling; with source=%s use force_source to %s again.'
                                 % (source, source))
    elif force_source and source in (None, 'pull'):
        mode = 'always'
    return {'pull_mode': mode, 'platform': platform, 'force_source': force_source,
            'force_absent': bool(params.get('force_absent') or params.get('force'))}


def _image_ref(params: t.Mapping[str, t.Any]) -> Reference:
    return parse_reference(params['name'], default_tag=params.get('tag') or 'latest')


def _target_ref(params: t.Mapping[str, t.Any], source: Reference) -> Reference | None:
    repository = params.get('repository')
    if not repository:
        return None
    return parse_reference(repository, default_tag=source.tag or params.get('tag') or 'latest',
                           option='repository', allow_digest=False)


def _pull_mode(params: t.Mapping[str, t.Any]) -> str:
    if params.get('pull_mode'):
        return str(params['pull_mode'])
    return 'always' if params.get('force_pull') or params.get('force_source') else (params.get('pull') or 'missing')


def _image_present(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    name = params['name'].strip()
    auth = params.get('registry_auth')
    pull = _pull_mode(params)
    if is_image_id(name):
        if params.get('repository') is None and params.get('push'):
            raise ConfigurationError('push needs a repository when name is an image ID.')
        ref = None
        lookup = name
    else:
        ref = _image_ref(params)
        lookup = str(ref)
    target = _target_ref(params, ref or Reference('', params.get('tag') or 'latest', None))
    if params.get('push') and ref is not None and ref.digest and target is None:
        raise ConfigurationError('A reference with a digest cannot be pushed; set repository to the name:tag to push.')

    plan = _Plan()
    before = inspect_image(client, lookup)
    current = before
    warnings: list[str] = []

    # 1. Have the image (pull when missing, or always to refresh; or build or load it).
    source = params.get('source')
    if source in ('build', 'load') and ref is None:
        raise ConfigurationError('source=%s needs name to be an image name, not an ID.' % source)
    if ref is None:
        if before is None:
            raise ConfigurationError('No image with ID %s exists on the daemon (an ID cannot be pulled). Pull it by '
                                     'name instead.' % name)
    elif source == 'build':
        if before is None or params.get('force_source'):
            current = _ensure_built(client, params, ref, before, check_mode, plan)
    elif source == 'load':
        if before is None or params.get('force_source'):
            current = _ensure_loaded(client, params, ref, before, check_mode, plan)
    elif before is None and pull == 'never':
        raise ConfigurationError('Image %s is not on the daemon and pull is never. Pull it (pull: missing), build it '
                                 '(dockerapi.engine.image_build) or load it first.' % ref)
    elif before is None or pull == 'always':
        current = _ensure_pulled(client, ref, before, auth, params.get('platform'), check_mode, plan, warnings)

    source_id = image_id(current)

    # 2. Tag it into repository.
    target_before: dict[str, t.Any] | None = None
    if target is not None:
        target_before = inspect_image(client, str(target))
        if source_id is None or image_id(target_before) != source_id:
            if not check_mode:
                tag_image(client, source_id or lookup, target)
            plan.did('Tagged %s as %s' % (lookup, target))

    # 3. Push.
    pushed: dict[str, t.Any] | None = None
    if params.get('push'):
        push_ref = target or ref
        if push_ref is None:  # excluded above (an ID without repository), kept for the type checker
            raise ConfigurationError('push needs a repository when name is an image ID.')
        try:
            pushed = _ensure_pushed(client, push_ref, current if source_id else None, auth, check_mode, plan)
        except EngineError as exc:
            if target is not None and not check_mode and plan.actions and plan.actions[-1].startswith('Tagged'):
                # The tag was made only to be pushed: put it back as it was, so a failed task leaves no trace.
                exc.msg += ' ' + _restore_tag(client, target, target_before)
            raise

    # 4. Archive.
    if params.get('archive_path'):
        _ensure_archived(client, params['archive_path'], lookup, current, check_mode, plan)

    after = None if check_mode else inspect_image(client, lookup)
    result: dict[str, t.Any] = {
        'changed': plan.changed,
        'actions': plan.actions,
        'image': after if not check_mode else current,
    }
    if pushed is not None:
        result['push'] = pushed
    if plan.log:
        result['log'] = plan.log
        result['stdout'] = '\n'.join(plan.log)
    if warnings:
        result['warnings'] = warnings
    if diff:
        result['diff'] = {
            'before': _state_summary(before, target, target_before),
            'after': _state_summary(current if check_mode else after, target,
                                    inspect_image(client, str(target)) if target and not check_mode else None,
                                    predicted=plan if check_mode else None),
        }
    return result


# docker_image's build suboptions -> the image_build service's options (one build path for both modules).
_BUILD_OPTIONS = {'path': 'path', 'dockerfile': 'dockerfile', 'args': 'buildargs', 'cache_from': 'cache_from',
                  'labels': 'labels', 'target': 'target', 'nocache': 'nocache', 'pull': 'pull', 'rm': 'rm',
                  'network': 'network_mode', 'platform': 'platform', 'etc_hosts': 'extra_hosts', 'shm_size': 'shm_size',
                  'http_timeout': 'build_timeout', 'container_limits': 'container_limits'}


def _ensure_built(client: EngineClient, params: t.Mapping[str, t.Any], ref: Reference, before: dict[str, t.Any] | None,
                  check_mode: bool, plan: _Plan) -> dict[str, t.Any] | None:
    build = params.get('build') or {}
    build_params: dict[str, t.Any] = {'name': str(ref), 'tag': ref.tag or params.get('tag') or 'latest'}
    for ours, theirs in _BUILD_OPTIONS.items():
        if build.get(ours) is not None:
            build_params[theirs] = build[ours]
    auth = params.get('registry_auth')
    if auth and auth.get('serveraddress'):
        build_params['registry_auth'] = auth  # else the docker config's credentials, for every registry
    if check_mode:
        prepare_build(build_params)  # the options are checked in check mode too
        plan.did('Built image %s' % ref)
        return before
    built = _image_build(client, build_params, False, False)
    plan.log.extend(built.get('log') or [])
    if built.get('image_id') != image_id(before):
        plan.did('Built image %s' % ref)
    return built.get('image') or inspect_image(client, str(ref))


def _ensure_loaded(client: EngineClient, params: t.Mapping[str, t.Any], ref: Reference, before: dict[str, t.Any] | None,
                   check_mode: bool, plan: _Plan) -> dict[str, t.Any] | None:
    from ._archive import load_archive, read_archive  # pylint: disable=import-outside-toplevel  # _archive imports us
    path = params['load_path']
    if not os.path.isfile(path):
        raise ConfigurationError('load_path %s does not exist or is not a file.' % path)
    if check_mode:
        read_archive(path)  # fails clearly on a file that is not an image archive
        plan.did('Loaded image %s from %s' % (ref, path))
        return before
    names, lines = load_archive(client, path)
    plan.log.extend(lines)
    after = inspect_image(client, str(ref))
    if after is None:
        raise ConfigurationError('The archive %s did not contain %s; the daemon loaded %s.'
                                 % (path, ref, ', '.join(names) or 'nothing'), loaded=names)
    if image_id(after) != image_id(before):
        plan.did('Loaded image %s from %s' % (ref, path))
    return after


def _ensure_archived(client: EngineClient, path: str, lookup: str, current: dict[str, t.Any] | None,
                     check_mode: bool, plan: _Plan) -> None:
    from ._archive import image_export  # pylint: disable=import-outside-toplevel  # _archive imports us
    if check_mode and current is None:
        plan.did('Archived %s to %s' % (lookup, path))  # the image would be pulled, built or loaded first
        return
    exported = image_export(client, {'names': [lookup], 'path': path}, check_mode, False)
    if exported.get('changed'):
        plan.did('Archived %s to %s' % (lookup, path))


def _restore_tag(client: EngineClient, target: Reference, before: dict[str, t.Any] | None) -> str:
    """Undo the tag of this run after a failed push; returns a sentence for the error message."""
    try:
        if before is None:
            client.delete('/images/%s' % quote_path(str(target)), {'noprune': True})
            return 'The tag %s made for the push was removed again.' % target
        tag_image(client, str(before['Id']), target)
        return 'The tag %s was set back to %s.' % (target, before['Id'])
    except EngineError as exc:
        return 'The tag %s made for the push could not be undone (%s).' % (target, exc)


def _ensure_pulled(client: EngineClient, ref: Reference, before: dict[str, t.Any] | None,
                   auth: t.Mapping[str, t.Any] | None, platform: str | None, check_mode: bool, plan: _Plan,
                   warnings: list[str]) -> dict[str, t.Any] | None:
    if check_mode:
        if before is None:
            plan.did('Pulled image %s' % ref)
            return None
        # Ask the registry (without pulling) whether it holds something newer than what we have.
        newer, digest, why = registry_is_newer(client, ref, before, auth)
        if newer is None:
            warnings.append('Could not ask the registry about %s (%s); reporting a change because a pull would '
                            'run.' % (ref, why))
            plan.did('Pulled image %s' % ref)
        elif newer:
            plan.did('Pulled image %s (registry has %s)' % (ref, digest))
        return before
    plan.log.extend(pull_image(client, ref, auth, platform))
    after = inspect_image(client, str(ref))
    if after is None:
        raise EngineError('Pulling %s reported success, but the daemon has no image of that name afterwards.' % ref)
    if image_id(after) != image_id(before):
        plan.did('Pulled image %s' % ref)
    return after


def _ensure_pushed(client: EngineClient, ref: Reference, image_obj: dict[str, t.Any] | None,
                   auth: t.Mapping[str, t.Any] | None, check_mode: bool, plan: _Plan) -> dict[str, t.Any]:
    """Push unless the registry already holds this image under that tag; report the digests."""
    remote, _why = registry_digest(client, ref, auth)
    local = repo_digests(image_obj, ref.repository) if image_obj else set()
    info: dict[str, t.Any] = {'name': str(ref), 'registry_digest_before': remote}
    if remote is not None and remote in local:
        info['digest'] = remote
        return info  # the registry's tag already points at this very manifest
    if check_mode:
        plan.did('Pushed %s' % ref)
        return info
    digest, log = push_image(client, ref, auth)
    plan.log.extend(log)
    info['digest'] = digest
    if digest != remote:
        plan.did('Pushed %s (%s)' % (ref, digest))
    return info


def _state_summary(image_obj: dict[str, t.Any] | None, target: Reference | None, target_obj: dict[str, t.Any] | None,
                   predicted: _Plan | None = None) -> dict[str, t.Any]:
    summary: dict[str, t.Any] = {'id': image_id(image_obj)}
    if image_obj:
        summary['tags'] = sorted(image_obj.get('RepoTags') or [])
    if target is not None:
        summary['repository'] = {'name': str(target), 'id': image_id(target_obj)}
    if predicted is not None:
        summary['planned_actions'] = list(predicted.actions)
    return summary


def delete_image(client: EngineClient, lookup: str, force: bool, prune: bool = True) -> list[dict[str, t.Any]] | None:
    """``DELETE /images/{lookup}``: the daemon's ``Deleted``/``Untagged`` entries; None when the image is gone already."""
    try:
        answer = client.delete('/images/%s' % quote_path(lookup), {'force': force, 'noprune': not prune}) or []
    except NotFound:
        return None
    except APIError as exc:
        if exc.status == 409:
            raise APIError(exc.status, exc.message, exc.method, exc.path,
                           msg='Cannot remove image %s: %s. Remove the containers that use it, or set force: true (an '
                               'image with several tags removed by ID also needs force).' % (lookup, exc.message))
        raise
    return [entry for entry in answer if isinstance(entry, dict)] if isinstance(answer, list) else []


def _image_absent(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    if params.get('push') or params.get('repository'):
        raise ConfigurationError('push and repository apply to state=present only; leave them out with state=absent.')
    name = params['name'].strip()
    force = params.get('force_absent') or params.get('force')
    lookup = name if is_image_id(name) else str(_image_ref(params))
    before = inspect_image(client, lookup)
    result: dict[str, t.Any] = {'changed': False, 'actions': [], 'image': None}
    if before is None:
        if diff:
            result['diff'] = {'before': {'id': None}, 'after': {'id': None}}
        return result
    result['changed'] = True
    result['actions'] = ['Removed image %s' % lookup]
    if not check_mode:
        entries = delete_image(client, lookup, bool(force))
        if entries is None:  # removed meanwhile by someone else: the state is what was asked
            result['changed'] = False
            result['actions'] = []
            entries = []
        result['deleted'] = [e['Deleted'] for e in entries if e.get('Deleted')]
        result['untagged'] = [e['Untagged'] for e in entries if e.get('Untagged')]
    if diff:
        result['diff'] = {'before': _state_summary(before, None, None),
                          'after': {'id': None}}
    return result


# ---- image_build -----------------------------------------------------------------------------

def optional_size(value: t.Any, option: str) -> int | None:
    """An optional size option (shm_size): unset stays None, the rest as every size option."""
    if value is None or value == '':
        return None
    return parse_size(value, option)


class BuildRequest(t.NamedTuple):
    """Everything a build sends, checked before the first byte goes out."""

    tags: list[Reference]
    query: dict[str, t.Any]
    headers: dict[str, str]
    source: str  # 'path' or 'context_tar'
    location: str  # the context directory, or the tar file


def _build_tags(params: t.Mapping[str, t.Any]) -> list[Reference]:
    main = parse_reference(params['name'], default_tag=params.get('tag') or 'latest', allow_digest=False)
    tags = [main]
    for extra in params.get('tags') or []:
        ref = parse_reference(extra, option='tags', allow_digest=False)
        if ref not in tags:
            tags.append(ref)
    return tags


def prepare_build(params: t.Mapping[str, t.Any]) -> BuildRequest:
    """Check every option before anything is sent (an early daemon error can cut an upload short)."""
    tags = _build_tags(params)
    path, context_tar = params.get('path'), params.get('context_tar')
    if bool(path) == bool(context_tar):
        raise ConfigurationError('Give exactly one of path (a context directory) and context_tar (a tar file).')
    dockerfile = params.get('dockerfile')
    if path:
        root = os.path.abspath(path)
        if not os.path.isdir(root):
            raise ConfigurationError('path %s is not a directory. Give the build context directory, or use context_tar '
                                     'for a tar file.' % path)
        dockerfile = resolve_dockerfile(root, dockerfile)
        location = root
    else:
        location = os.path.abspath(context_tar)
        if not os.path.isfile(location):
            raise ConfigurationError('context_tar %s does not exist or is not a file.' % context_tar)
        if not os.access(location, os.R_OK):
            raise ConfigurationError('context_tar %s cannot be read by this user.' % context_tar)
        if dockerfile and (os.path.isabs(dockerfile) or dockerfile.startswith('../')):
            raise ConfigurationError('dockerfile %r must be a path inside the tar (relative), e.g. "Dockerfile".'
                                     % dockerfile)
    extra_hosts = params.get('extra_hosts') or {}
    query = {
        't': [str(ref) for ref in tags],
        'dockerfile': dockerfile,
        'buildargs': string_map(params.get('buildargs'), 'buildargs', allow_null=True) or None,
        'labels': string_map(params.get('labels'), 'labels') or None,
        'target': params.get('target') or None,
        'nocache': bool(params.get('nocache')),
        'pull': bool(params.get('pull')) or None,
        'rm': params.get('rm', True) is not False,
        # Default true: a failed step leaves no intermediate container behind (the docker CLI's default is false).
        'forcerm': params.get('forcerm', True) is not False,
        'networkmode': params.get('network_mode') or None,
        'platform': params.get('platform') or None,
        'cachefrom': list(params['cache_from']) if params.get('cache_from') else None,
        'extrahosts': ['%s:%s' % (host, ip) for host, ip in extra_hosts.items()] or None,
        'shmsize': optional_size(params.get('shm_size'), 'shm_size'),
    }
    limits = params.get('container_limits') or {}
    unknown_limits = sorted(set(limits) - {'memory', 'memswap', 'cpushares', 'cpusetcpus'})
    if unknown_limits:
        raise ConfigurationError('container_limits takes memory, memswap, cpushares and cpusetcpus; got %s.'
                                 % ', '.join(unknown_limits))
    query.update({
        'memory': optional_size(limits.get('memory'), 'container_limits.memory'),
        # -1 (unlimited swap) is passed as it is
        'memswap': -1 if str(limits.get('memswap')).strip() == '-1'
        else optional_size(limits.get('memswap'), 'container_limits.memswap'),
        'cpushares': limits.get('cpushares'),
        'cpusetcpus': limits.get('cpusetcpus') or None,
    })
    headers = {'Content-Type': 'application/x-tar'}
    headers.update(build_auth_headers(params.get('registry_auth')))
    return BuildRequest(tags, query, headers, 'path' if path else 'context_tar', location)


class BuildFailed(StreamError):
    """The build ran and failed: the failing step, the daemon's error and the log travel with it."""


class _Deadline:
    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self.end = time.monotonic() + seconds if seconds else None

    def remaining(self) -> float | None:
        if self.end is None:
            return None
        return self.end - time.monotonic()

    def expired(self) -> bool:
        left = self.remaining()
        return left is not None and left <= 0


class BuildTimeout(EngineError):
    """build_timeout passed: the connection is closed, which makes the daemon cancel the build."""


def _guarded(chunks: t.Iterator[bytes], deadline: _Deadline, counter: list[int]) -> t.Iterator[bytes]:
    """The upload, cut off when build_timeout passes; counts the bytes sent."""
    for chunk in chunks:
        if deadline.expired():
            raise BuildTimeout('build_timeout (%s s) passed while the context was being sent. Nothing was built.'
                               % deadline.seconds)
        counter[0] += len(chunk)
        yield chunk


class _BuildLog:
    """Collects the build output as lines and remembers the step in progress."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._partial = ''
        self.step: str | None = None
        self.image_id: str | None = None

    def feed(self, obj: t.Any) -> None:
        if not isinstance(obj, dict):
            return  # not an output object: nothing to log
        if isinstance(obj.get('aux'), dict) and obj['aux'].get('ID'):
            self.image_id = obj['aux']['ID']
        text = obj.get('stream')
        if isinstance(text, str):
            self._partial += text
            while '\n' in self._partial:
                line, self._partial = self._partial.split('\n', 1)
                self._add(line)
            return
        line = _progress_line(obj)
        if line is not None:
            self._add(line)

    def _add(self, line: str) -> None:
        line = line.rstrip('\r')
        if line.startswith('Step ') and ' : ' in line:
            self.step = line
        self.lines.append(line)

    def finish(self) -> list[str]:
        if self._partial:
            self._add(self._partial)
            self._partial = ''
        return self.lines


def _failure_message(request: BuildRequest, step: str | None, error: str) -> str:
    where = ' at %s' % step.replace(' : ', ' (', 1) + ')' if step else ''
    return 'Building %s failed%s: %s' % (request.tags[0], where, error)


def run_build(client: EngineClient, request: BuildRequest, body: t.Iterator[bytes], deadline: _Deadline,
              content_length: int | None = None) -> tuple[str | None, list[str], int]:
    """Send the context, follow the output; returns (image ID, log lines, bytes sent)."""
    sent = [0]
    headers = dict(request.headers)
    if content_length is not None:
        headers['Content-Length'] = str(content_length)
    log = _BuildLog()
    try:
        response = client.request('POST', '/build', request.query, data=_guarded(body, deadline, sent),
                                  headers=headers, stream=True, timeout=None)
    except APIError as exc:
        hint = _hint(exc.message)
        text = _failure_message(request, None, exc.message)
        if hint:
            text = text.rstrip('.') + '.' + hint
        raise BuildFailed(text, daemon_message=exc.message, status=exc.status, log=[])
    with response:
        decoder = JSONStreamDecoder()
        try:
            for chunk in _timed_chunks(response, deadline):
                for obj in decoder.feed(chunk):
                    message = stream_error_message(obj)
                    if message is not None:
                        lines = log.finish()
                        raise BuildFailed(_failure_message(request, log.step, message), log=lines,
                                          failed_step=log.step, daemon_message=message)
                    log.feed(obj)
            decoder.finish()
        except (socket.timeout, TimeoutError):
            if deadline.seconds is None:
                raise ConnectionProblem('Timed out waiting for output of the build of %s (last step: %s).'
                                        % (request.tags[0], log.step or 'none'), log=log.finish())
            raise BuildTimeout('build_timeout (%s s) passed during the build; the connection was closed, which '
                               'cancels the build on the daemon. Nothing was tagged. Last step: %s'
                               % (deadline.seconds, log.step or 'none'), log=log.finish())
        except (OSError, http.client.HTTPException) as exc:
            raise ConnectionProblem('The connection to the daemon broke during the build of %s (%s); the daemon cancels '
                                    'a build whose client is gone, so nothing was tagged.' % (request.tags[0], exc),
                                    log=log.finish())
    return log.image_id, log.finish(), sent[0]


def _timed_chunks(response: Response, deadline: _Deadline) -> t.Iterator[bytes]:
    """The response's chunks; each read waits at most until the deadline (none without build_timeout)."""
    chunks = response.iter_chunks()
    while True:
        left = deadline.remaining()
        if left is not None:
            if left <= 0:
                raise socket.timeout('build_timeout')
            response.set_read_timeout(left)
        try:
            chunk = next(chunks)
        except StopIteration:
            return
        yield chunk


def _hint(message: str) -> str:
    lowered = message.lower()
    if 'dockerfile' in lowered and ('locate' in lowered or 'not found' in lowered):
        return ' Check dockerfile: it is a path inside the context.'
    if 'parse error' in lowered or 'unknown instruction' in lowered:
        return ' Fix the Dockerfile.'
    if 'target' in lowered:
        return ' Check target: it must name a stage (FROM ... AS <name>) of the Dockerfile.'
    return ''


def image_build(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """Build and tag; the result echoes the arguments with buildargs values hidden (names only), success or failure."""
    try:
        result = _image_build(client, params, check_mode, diff)
    except EngineError as exc:
        exc.details['invocation'] = echo_arguments(params, ('buildargs', 'args'))
        raise
    result['invocation'] = echo_arguments(params, ('buildargs', 'args'))
    return result


def _image_build(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    request = prepare_build(params)
    main = request.tags[0]
    before = {str(ref): image_id(inspect_image(client, str(ref))) for ref in request.tags}
    previous = before[str(main)]
    result: dict[str, t.Any] = {'previous_image_id': previous}

    if request.source == 'path':
        matcher = load_matcher(request.location, request.query['dockerfile'])
        summary = check_context(request.location, matcher)  # fails on unreadable files before any write
        result['context'] = {'files': summary.files, 'directories': summary.directories, 'bytes': summary.bytes}
        tar_bytes = summary.tar_bytes
    else:
        matcher = None
        tar_bytes = os.path.getsize(request.location)
        result['context'] = {'bytes': os.path.getsize(request.location)}

    if check_mode:
        # Nothing is built: all that can be known is whether the tag exists yet.
        result.update(changed=previous is None, image_id=previous, image=None, log=[])
        if diff:
            result['diff'] = {'before': {'image_id': previous}, 'after': {'image_id': previous or '(to be built)'}}
        return result

    deadline = _Deadline(params.get('build_timeout'))
    # The tar is produced while it is sent; its exact size is known from the first pass, so the
    # body goes with a Content-Length (measured faster on 20.10 and 28.5 than chunked encoding).
    if matcher is not None:
        chunks = iter_context_tar(request.location, matcher, CHUNK_SIZE)
    else:
        chunks = iter_tar_file(request.location, CHUNK_SIZE)
    body = exact_length(chunks, tar_bytes)
    built_id, log, sent = run_build(client, request, body, deadline, tar_bytes)
    result['context']['bytes_sent'] = sent

    after = {str(ref): image_id(inspect_image(client, str(ref))) for ref in request.tags}
    current = after[str(main)]
    if current is None:
        raise BuildFailed('The build of %s ended without an error, but the tag does not exist afterwards.' % main,
                          log=log)
    if built_id and built_id != current:
        # Someone re-tagged meanwhile: say what the tag points at now, and warn.
        result.setdefault('warnings', []).append(
            'The build produced %s, but %s now points at %s (another build or tag ran at the same time).'
            % (built_id, main, current))
    result.update(
        changed=any(after[key] != before[key] for key in after),
        image_id=current,
        image=inspect_image(client, current),
        log=log,
    )
    if diff:
        result['diff'] = {'before': {'image_id': previous, 'tags': before},
                          'after': {'image_id': current, 'tags': after}}
    return result
