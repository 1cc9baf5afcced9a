# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Containers: the ``container`` and ``container_info`` services.

How ``container`` stays cheap and honest:

* It finds the container with one ``GET /containers/{name}/json`` (never a list of every
  container) and the image with one ``GET /images/{ref}/json``. An unchanged run makes those
  two reads after the version check, and no write.
* It compares only the options the task sets. Each option knows how to read its value from the
  inspect result and how to normalise both sides (units, port and env formats, the daemon's
  defaults), so a spelling never counts as a change.
* It plans every action first (``plan``), then carries the plan out (``apply``) unless in check
  mode: check mode reports exactly the actions a real run takes, because both use one plan.
* A recreate never removes the old container before its replacement exists: the replacement is
  created under a temporary name, the old one stopped and renamed aside, the replacement renamed
  into place and started, and only then the old one removed (``_replace``); a failure on the way
  puts the old container back and the message says what exists (``_undo``).
"""

from __future__ import annotations

import io
import json
import re
import time
import typing as t
import uuid

from ._auth import normalize_auth
from ._client import EngineClient, quote_path
from ._compare import (
    HIDDEN,
    echo_arguments,
    normalize_signal,
)
from ._errors import APIError, ConfigurationError, Conflict, ConnectionProblem, EngineError, NotFound, NotModified, StreamError
from ._images import (
    Reference, familiar_name, image_id, inspect_image, is_image_id, parse_reference, pull_image, registry_digest, repo_digests)
from ._system import list_containers
from ._container_networks import (
    NetworkChange, apply_network_change, change_entries, create_network_changes, network_changes, network_wish)
from ._container_networks import recreate_reasons as network_recreate_reasons
from . import _container_options as _engine
from ._container_options import (  # noqa: F401  # pylint: disable=unused-import  # re-exported from the engine
    HEALTHCHECK_DURATIONS,
    OPTION_ARGSPEC,
    UPDATABLE,
    Difference,
    Wanted,
    actual,
    comparison_for,
    create_body,
    desired,
    differences,
    hidden_options,
    option_warnings,
    prepare,
    shown,
    split_create_query,
    update_body,
    validate,
)

# ---- names -----------------------------------------------------------------------------

# The daemon's rule for container names; the length limit is ours: a longer name cannot serve as a
# DNS name on user networks, and beyond some kilobytes it no longer fits in a request line.
_NAME_RE = re.compile(r'[a-zA-Z0-9][a-zA-Z0-9_.-]+')  # used with fullmatch: no trailing newline slips through
MAX_NAME_LENGTH = 255


def check_name(name: str) -> None:
    if len(name) > MAX_NAME_LENGTH:
        raise ConfigurationError('Container name %s... is %d characters long; use at most %d (a container name is also '
                                 'its DNS name on user networks).' % (name[:40], len(name), MAX_NAME_LENGTH))
    if not _NAME_RE.fullmatch(name):
        raise ConfigurationError('Container name %r is not valid: use at least two characters, starting with a letter or '
                                 'digit, then letters, digits, "_", "." or "-".' % name)


def _temp_name(name: str, role: str) -> str:
    """A free name for the replacement (or the old container) while a recreate swaps them."""
    return '%s-dkapi-%s-%s' % (name, role, uuid.uuid4().hex[:8])


# ---- images ----------------------------------------------------------------------------

def image_reference(params: t.Mapping[str, t.Any]) -> tuple[str, Reference | None]:
    """(name to look the image up by, parsed reference; None when ``image`` is an image ID)."""
    text = str(params['image']).strip()
    if is_image_id(text):
        return text, None
    ref = parse_reference(text, option='image')
    return str(ref), ref


def _pull(client: EngineClient, ref: Reference, auth: t.Any = None) -> None:
    try:
        pull_image(client, ref, normalize_auth(auth), None)
    except (APIError, StreamError) as exc:
        exc.msg = '%s. Check the image name and tag, that the registry is reachable from the daemon, or set pull: never ' \
                  'and provide the image another way.' % exc.msg.rstrip('. ')
        raise


# ---- finding the container --------------------------------------------------------------

def get_container(client: EngineClient, name: str, exact: bool = True) -> dict[str, t.Any] | None:
    """Inspect by name; None when missing.

    The daemon also resolves ID prefixes, so with ``exact`` a container whose ID merely starts
    with ``name`` does not count as the container called ``name``.
    """
    try:
        found = client.get_json('/containers/%s/json' % quote_path(name))
    except NotFound:
        return None
    if exact and found and found.get('Name') != '/' + name and found.get('Id') != name:
        return None
    return found


# ---- what the task asks for: the option engine (``_container_options``) ----------------------
# desired/actual/differences/create_body/update_body/validate live in the engine; the names are
# imported above and stay importable from here for older callers.


# ---- plan and apply ---------------------------------------------------------------------
#
# The lifecycle (docker_container's state machine): find the container, resolve the image, compare,
# then update in place, recreate, connect networks and bring the run state (started, stopped,
# paused, healthy, run to completion with ``detach: false``) where the task asks. Every step that
# changes something is one entry of ``Plan.changes`` (the ``changes`` return key) and one word of
# ``Plan.actions``; check mode reports both from the same plan.

# Drivers whose logs the daemon can read back (docker_container's rule for ``container.Output``).
READABLE_LOG_DRIVERS = ('json-file', 'journald', 'local')
HIDE_VALUES = hidden_options()  # env, env_file: changes, diff and results show their keys only


class Plan(t.NamedTuple):
    actions: list[str]
    diffs: list[t.Any]
    update: dict[str, t.Any]
    connects: list[tuple[str, str]]
    pull: bool
    changes: t.Sequence[dict[str, t.Any]] = ()
    network_steps: t.Sequence[t.Any] = ()  # _container_networks.NetworkChange, looked up by (action, network)


def _is_running(container: dict[str, t.Any] | None) -> bool:
    state = (container or {}).get('State') or {}
    return bool(state.get('Running') or state.get('Restarting'))


def _is_paused(container: dict[str, t.Any] | None) -> bool:
    return bool(((container or {}).get('State') or {}).get('Paused'))


def pull_policy(params: t.Mapping[str, t.Any]) -> str:
    """``pull`` as never/missing/always: docker_container's true means always, false means missing."""
    value = params.get('pull')
    if value is None:
        return 'missing'
    if isinstance(value, bool):
        return 'always' if value else 'missing'
    text = str(value).strip().lower()
    if text in ('true', 'yes', 'on', '1'):
        return 'always'
    if text in ('false', 'no', 'off', '0'):
        return 'missing'
    if text in ('never', 'missing', 'always'):
        return text
    raise ConfigurationError('pull: %r is not one of never, missing, always, true (= always) or false (= missing).' % (value,))


def _comparison_for(option: str, params: t.Mapping[str, t.Any]) -> str:
    """The resolved comparison of ``option`` (a row, ``image`` or ``networks``): the engine's."""
    return str(comparison_for(option, params))


def _option_differences(want: dict[str, t.Any], container: dict[str, t.Any], params: dict[str, t.Any],
                        image: dict[str, t.Any] | None, client: EngineClient) -> list[t.Any]:
    """The engine's differences, without the image (the lifecycle compares that itself)."""
    return [d for d in differences(want, container, params, image, client) if d.option != 'image']


def _updatable(diff: t.Any) -> bool:
    flag = getattr(diff, 'updatable', None)
    return bool(diff.option in UPDATABLE if flag is None else flag)


def _image_name(text: t.Any) -> str:
    """An image reference as one spelling (``busybox`` and ``docker.io/library/busybox:latest`` are one name)."""
    value = str(text or '').strip()
    if not value or is_image_id(value):
        return value
    try:
        ref = parse_reference(value, option='image')
    except ConfigurationError:
        return value
    repository = familiar_name(ref.repository)
    if repository.startswith('library/') and repository.count('/') == 1:
        repository = repository[len('library/'):]
    return '%s:%s%s' % (repository, ref.tag or 'latest', '@' + ref.digest if ref.digest else '')


def _hidden(option: str, value: t.Any, changed: t.Collection[str] = ()) -> t.Any:
    """Values of env and env_file never reach changes, diff or results: their keys do."""
    if option not in HIDE_VALUES:
        return value
    if isinstance(value, dict):
        return {str(k): (None if v is None else (HIDDEN_CHANGED if k in changed else HIDDEN)) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [str(v).partition('=')[0] for v in value]
    return HIDDEN if value is not None else None


def _change(option: str, wanted: t.Any, have: t.Any, comparison: str | None, action: str) -> dict[str, t.Any]:
    changed: list[str] = []
    if option in HIDE_VALUES and isinstance(wanted, dict):
        have_map = have if isinstance(have, dict) else {}
        changed = [k for k in wanted if have_map.get(k) != wanted[k]]
    return {'option': option, 'wanted': _hidden(option, wanted, changed), 'actual': _hidden(option, have),
            'comparison': comparison, 'action': action}


def _state_word(container: t.Mapping[str, t.Any] | None) -> str:
    if container is None:
        return 'absent'
    return str((container.get('State') or {}).get('Status') or 'unknown state')


def _resolve_image(client: EngineClient, params: dict[str, t.Any], check_mode: bool,
                   result: dict[str, t.Any]) -> tuple[dict[str, t.Any] | None, bool]:
    """(local image inspect or None, whether a pull is part of the plan); pulls unless check mode."""
    lookup, ref = image_reference(params)
    policy = pull_policy(params)
    local = inspect_image(client, lookup)
    if ref is None:
        if local is None:
            raise ConfigurationError('No image with ID %s exists on the daemon, and an ID cannot be pulled. Give the image '
                                     'by name, or load it first.' % lookup)
        return local, False
    if policy == 'always':
        if check_mode:
            if local is None or params.get('pull_check_mode_behavior') == 'always':
                return None, True
            # image_not_present: ask the registry (through the daemon, without pulling) whether the tag moved.
            digest, why = registry_digest(client, ref, normalize_auth(params.get('registry_auth')))
            if digest is None:
                result.setdefault('warnings', []).append(
                    'Check mode could not ask the registry about %s (%s); as pull_check_mode_behavior is '
                    'image_not_present, it assumes the pull would bring the same image.' % (ref, why))
                return local, False
            if digest in repo_digests(local, ref.repository):
                return local, False
            return None, True
        before = image_id(local)
        _pull(client, ref, params.get('registry_auth'))
        local = inspect_image(client, lookup)
        if local is None:
            raise EngineError('Image %s was pulled but the daemon does not show it; check the reference.' % ref)
        return local, image_id(local) != before
    if local is not None:
        return local, False
    if policy == 'never':
        raise ConfigurationError(
            'Image %s is not present on the daemon and pull is never. Build, load or pull %s first, or set pull: '
            'missing to pull it.' % (ref, ref))
    if check_mode:
        return None, True
    _pull(client, ref, params.get('registry_auth'))
    local = inspect_image(client, lookup)
    if local is None:
        raise EngineError('Image %s was pulled but the daemon does not show it; check the reference.' % ref)
    return local, True


def _check_lifecycle(params: dict[str, t.Any], image: dict[str, t.Any] | None) -> None:
    """Lifecycle options that cannot work together, before any change."""
    if params.get('healthy_wait_timeout') is not None and params['healthy_wait_timeout'] <= 0:
        raise ConfigurationError('healthy_wait_timeout must be a positive number of seconds, got %r.'
                                 % params['healthy_wait_timeout'])
    if params.get('removal_wait_timeout') is not None and params['removal_wait_timeout'] < 0:
        raise ConfigurationError('removal_wait_timeout cannot be negative, got %r.' % params['removal_wait_timeout'])
    if params.get('kill_signal') is not None and not str(params['kill_signal']).strip():
        raise ConfigurationError('kill_signal is empty: give a signal name or number such as SIGKILL, SIGUSR1 or 9.')
    labels = params.get('labels')
    if labels is not None and image and params.get('image_label_mismatch') == 'fail' \
            and _comparison_for('labels', params) == 'strict':
        extra = sorted(k for k in (((image.get('Config') or {}).get('Labels')) or {}) if k not in labels)
        if extra:
            raise ConfigurationError(
                'The image brings labels the task does not set (%s), and labels are compared strict with '
                'image_label_mismatch: fail. Add them to labels, or set image_label_mismatch: ignore.' % ', '.join(extra))


def plan(client: EngineClient, params: dict[str, t.Any], container: dict[str, t.Any] | None,
         image: dict[str, t.Any] | None, pulled: bool, compare_image: dict[str, t.Any] | None = None) -> Plan:
    """The actions of a run, in order, and the ``changes`` that say why; check mode reports them, a real run does them.

    A recreate is ``create`` (the replacement, under a temporary name), the connects of the
    replacement, ``stop`` (or ``kill``, the old one), ``rename`` (old one aside, replacement into its
    name), ``start`` (the replacement, when the state asks for it) and ``remove`` (the old one):
    nothing is removed before its replacement exists, and a start that fails puts the old container back.
    ``compare_image`` is the image whose defaults the comparison uses (``image_comparison``).
    """
    state = params['state']
    actions: list[str] = []
    changes: list[dict[str, t.Any]] = []
    stop_word = 'kill' if params.get('force_kill') else 'stop'
    if pulled:
        actions.append('pull')
        changes.append(_change('image', params.get('image'), (container or {}).get('Image'), None, 'pulled'))
    diffs: list[t.Any] = []
    update: dict[str, t.Any] = {}
    connects: list[tuple[str, str]] = []
    running = _is_running(container)
    paused = _is_paused(container)

    if state == 'absent':
        if container is not None:
            if paused:
                actions.append('unpause')
            if running:
                actions.append(stop_word)
            actions.append('remove')
            changes.append(_change('state', 'absent', _state_word(container), None, 'removed'))
        return Plan(actions, diffs, update, connects, pulled, changes)

    base = compare_image if compare_image is not None else image
    want = desired(params, base, client)
    want.pop('image', None)
    recreate = False
    if container is None:
        if not params.get('image'):
            raise ConfigurationError('Container %s does not exist, and creating it needs image.' % params['name'])
        actions.append('create')
        changes.append(_change('state', state, 'absent', None, 'created'))
    else:
        diffs = _option_differences(want, container, params, base, client)
        fixed = [d for d in diffs if not _updatable(d)]
        reasons = []
        image_mode = _comparison_for('image', params)
        if params.get('image') and image_mode != 'ignore':
            wanted_id = image['Id'] if image else '(to be pulled) %s' % params['image']
            if wanted_id != container.get('Image'):
                reasons.append(_change('image', wanted_id, container.get('Image'), image_mode, 'recreated'))
            have_name = (container.get('Config') or {}).get('Image')
            if params.get('image_name_mismatch', 'recreate') == 'recreate' and have_name \
                    and _image_name(params['image']) != _image_name(have_name):
                reasons.append(_change('image_name', str(params['image']), have_name, image_mode, 'recreated'))
        if params.get('recreate'):
            reasons.append(_change('recreate', True, None, None, 'recreated'))
        # network settings only a create applies (an endpoint's mac_address): helper N's part
        reasons.extend(network_recreate_reasons(params, container, _comparison_for('networks', params), client))
        recreate = bool(reasons or fixed)
        for diff in diffs:
            changes.append(_change(diff.option, diff.after, diff.before, getattr(diff, 'comparison', None)
                                   or _comparison_for(diff.option, params), 'recreated' if recreate else 'updated'))
        changes.extend(reasons)
        if recreate:
            actions.append('create')
        elif diffs:
            update = update_body(params, diffs, container, client)
            actions.append('update')
    network_mode = _comparison_for('networks', params)
    if container is None or recreate:
        # Networks given in the create body need no connect; before API 1.44 the rest are connected after.
        steps = create_network_changes(params, client, network_mode)
    else:
        steps = network_changes(params, container, network_mode, client)
        changes.extend(change_entries(steps, network_mode))
    connects = [(step.action, step.network) for step in steps]
    actions.extend('%s:%s' % c for c in connects)
    if recreate:
        if paused:
            actions.append('unpause')
        if running:
            actions.append(stop_word)
        actions.append('rename')

    fresh = container is None or recreate
    if state in ('started', 'healthy'):
        if fresh or not running:
            actions.append('start')
            if not fresh:
                changes.append(_change('state', state, _state_word(container), None, 'started'))
        elif params.get('restart'):
            if paused:
                actions.append('unpause')  # the daemon does not restart a paused container
            actions.append('restart')
            changes.append(_change('restart', True, _state_word(container), None, 'restarted'))
    elif state == 'stopped':
        if running and not fresh:
            if paused:
                actions.append('unpause')
            actions.append(stop_word)
            changes.append(_change('state', state, _state_word(container), None, 'stopped'))
    # present: whether the container runs stays as it is; a recreated one is left created (docker_container).
    if state == 'started' and params.get('paused') is not None:
        will_run = 'start' in actions or 'restart' in actions or (running and not fresh)
        is_paused = paused and not fresh and 'restart' not in actions
        if will_run and is_paused != bool(params['paused']):
            actions.append('pause' if params['paused'] else 'unpause')
            changes.append(_change('paused', bool(params['paused']), is_paused, None,
                                   'paused' if params['paused'] else 'unpaused'))
    if recreate:
        actions.append('remove')
    if params.get('detach') is False and params.get('cleanup') and 'start' in actions and not params.get('auto_remove'):
        actions.append('cleanup')
        changes.append(_change('state', 'absent', 'exited', None, 'removed'))
    return Plan(actions, diffs, update, connects, pulled, changes, steps)


def _stop(client: EngineClient, cid: str, timeout: int | None) -> None:
    params = {'t': timeout} if timeout is not None else None
    wait = (timeout if timeout is not None and timeout >= 0 else 10) + client.settings.timeout
    try:
        client.request('POST', '/containers/%s/stop' % quote_path(cid), params, timeout=wait)
    except NotModified:
        pass


def _kill(client: EngineClient, cid: str, signal: str | None) -> None:
    """force_kill: POST /kill with kill_signal (the daemon's default is SIGKILL)."""
    try:
        client.request('POST', '/containers/%s/kill' % quote_path(cid),
                       {'signal': normalize_signal(signal)} if signal else None)
    except NotModified:
        pass
    except Conflict as exc:
        if 'is not running' not in exc.message:
            raise


def _pause(client: EngineClient, cid: str, pause: bool) -> None:
    try:
        client.request('POST', '/containers/%s/%s' % (quote_path(cid), 'pause' if pause else 'unpause'))
    except Conflict as exc:
        # already in the wanted state (a race with another run): nothing to do
        if ('is already paused' if pause else 'is not paused') not in exc.message:
            raise


def _halt(client: EngineClient, cid: str, params: t.Mapping[str, t.Any], action: str) -> None:
    """The ``stop`` or ``kill`` step of a plan."""
    if action == 'kill':
        _kill(client, cid, params.get('kill_signal'))
    else:
        _stop(client, cid, params.get('stop_timeout'))


def _remove(client: EngineClient, cid: str, keep_volumes: bool, wait_timeout: float | None = None) -> None:
    try:
        client.delete('/containers/%s' % quote_path(cid), {'force': True, 'v': not keep_volumes})
    except NotFound:
        return  # auto_remove got there first
    except Conflict as exc:
        if 'in progress' not in exc.message:
            raise
    # A removal already in progress (auto_remove after stop): wait until the name is free.
    try:
        client.request('POST', '/containers/%s/wait' % quote_path(cid), {'condition': 'removed'},
                       timeout=wait_timeout if wait_timeout else client.settings.timeout * 2)
    except (NotFound, Conflict):
        pass


def _remove_old(client: EngineClient, cid: str, params: t.Mapping[str, t.Any]) -> None:
    """Remove a container the task replaces or drops: keep_volumes and removal_wait_timeout apply."""
    _remove(client, cid, params.get('keep_volumes', True), params.get('removal_wait_timeout'))


def wait_until_removed(client: EngineClient, container: dict[str, t.Any], params: t.Mapping[str, t.Any]) -> None:
    """A container the daemon is removing (state ``removing``): wait until it is gone, at most removal_wait_timeout."""
    limit = params.get('removal_wait_timeout')
    try:
        client.request('POST', '/containers/%s/wait' % quote_path(container['Id']), {'condition': 'removed'},
                       timeout=limit if limit else None)
    except (NotFound, Conflict):
        pass
    except ConnectionProblem as exc:
        raise EngineError('Container %s is being removed by the daemon and was not gone within removal_wait_timeout '
                          '(%s s): %s. Nothing was changed; run the task again later or raise removal_wait_timeout.'
                          % (params['name'], limit, exc.msg))


def _rename(client: EngineClient, cid: str, name: str) -> None:
    client.request('POST', '/containers/%s/rename' % quote_path(cid), {'name': name})


class NameTaken(EngineError):
    """A fresh create found the name taken: someone else created that container meanwhile."""


def _lookup_quietly(client: EngineClient, name: str) -> dict[str, t.Any] | None | EngineError:
    try:
        return get_container(client, name)
    except EngineError as exc:
        return exc


def _create(client: EngineClient, body: dict[str, t.Any], name: str, result: dict[str, t.Any]) -> str:
    """POST /containers/create under ``name``; never sent twice (see _lost_create)."""
    # A connection of its own: the client resends a request once when a kept-alive connection turns out
    # closed, and a create whose answer was lost must not be resent blindly.
    client.close()
    body, query = split_create_query(body)  # platform travels as a query parameter (the engine's create_body)
    answer = client.post_json('/containers/create', dict(query, name=name), body) or {}
    if not answer.get('Id'):
        raise EngineError('The daemon answered the create of container %s without an ID: %r' % (name, answer))
    warnings = [w for w in answer.get('Warnings') or [] if w]
    if warnings:
        result.setdefault('warnings', []).extend(warnings)
    return str(answer['Id'])


def _create_fresh(client: EngineClient, params: dict[str, t.Any], result: dict[str, t.Any]) -> str:
    name = params['name']
    body, dummy = create_body(params, client, None)
    try:
        return _create(client, body, name, result)
    except Conflict as exc:
        # Only a container made by someone else since our lookup can hold the name now.
        raise NameTaken('Cannot create container %s: the name was taken meanwhile (%s). Another process created a '
                        'container of that name while this task ran; run the task again to manage it, or choose '
                        'another name.' % (name, exc.message), status=exc.status)
    except APIError as exc:
        raise EngineError('The daemon refused to create container %s (HTTP %d): %s. Nothing was changed.'
                          % (name, exc.status, exc.message), status=exc.status)
    except ConnectionProblem as exc:
        found = _lookup_quietly(client, name)
        if isinstance(found, EngineError):
            now = ('Whether it was created could not be checked (%s): look with docker ps -a --filter name=^/%s$ before '
                   'running the task again.' % (found.msg, name))
        elif found is None:
            now = 'No container of that name exists, so the create did not happen; nothing was changed. Run the task again.'
        else:
            now = ('A container of that name exists now (ID %s, %s): most likely this request created it. It was left '
                   'as it is and nothing else was done; run the task again to bring it to the requested state.'
                   % (found['Id'][:12], _state_word(found)))
        raise EngineError('No usable answer came to the create of container %s (%s). The request was not sent again. '
                          '%s' % (name, exc.msg, now))


def _current_image(client: EngineClient, container: dict[str, t.Any]) -> str:
    """The image a recreate without ``image`` uses: the container's own (by name if that name still means it)."""
    image = str(container.get('Image') or '')
    named = str((container.get('Config') or {}).get('Image') or '')
    if named and named != image and image_id(inspect_image(client, named)) == image:
        return named
    return image


def apply(client: EngineClient, params: dict[str, t.Any], container: dict[str, t.Any] | None,
          the_plan: Plan, result: dict[str, t.Any]) -> str | None:
    """Carry the plan out; returns the ID of the container afterwards (None when removed)."""
    if container is not None and 'create' in the_plan.actions:
        return _replace(client, params, container, the_plan, result)
    cid = container['Id'] if container else None
    stop_timeout = params.get('stop_timeout')
    for action in the_plan.actions:
        if action in ('pull', 'cleanup'):
            continue  # the pull happened while resolving the image; cleanup follows the run (detach: false)
        if action in ('stop', 'kill'):
            _halt(client, cid, params, action)
        elif action in ('pause', 'unpause'):
            _pause(client, cid, action == 'pause')
        elif action == 'remove':
            _remove_old(client, cid, params)
            cid = None
        elif action == 'create':
            cid = _create_fresh(client, params, result)
        elif action == 'update':
            answer = client.post_json('/containers/%s/update' % quote_path(cid), None, the_plan.update) or {}
            warnings = [w for w in answer.get('Warnings') or [] if w]
            if warnings:
                result.setdefault('warnings', []).extend(warnings)
        elif action.split(':', 1)[0] in ('connect', 'reconnect', 'disconnect'):
            _network_step(client, cid, params, the_plan, action)
        elif action == 'start':
            try:
                _start(client, cid, params['name'], _waiter(result, params))
            except EngineError as exc:
                if 'create' in the_plan.actions:
                    # Do not leave behind a container this task made and that cannot run.
                    _remove(client, cid, keep_volumes=False)
                    exc.msg += ' The container was removed again; fix the cause and rerun the task.'
                raise
        elif action == 'restart':
            wait = (stop_timeout if stop_timeout is not None and stop_timeout >= 0 else 10) + client.settings.timeout
            client.request('POST', '/containers/%s/restart' % quote_path(cid),
                           {'t': stop_timeout} if stop_timeout is not None else None, timeout=wait)
    return cid


class _Swap:
    """Where a recreate stands, so that a failure can put things back and say exactly what exists."""

    def __init__(self, name: str, old: dict[str, t.Any]) -> None:
        self.name = name
        self.old_id = str(old['Id'])
        self.was_running = _is_running(old)
        self.auto_remove = bool((old.get('HostConfig') or {}).get('AutoRemove'))
        self.new_id: str | None = None
        self.new_name = ''
        self.stopped = False
        self.old_aside: str | None = None
        self.old_gone = False
        self.new_named = False
        self.started = False

    def unchanged(self) -> str:
        return ' Nothing was changed: container %s (ID %s) is as it was (%s).' % (
            self.name, self.old_id[:12], 'running' if self.was_running else 'not running')


def _replace(client: EngineClient, params: dict[str, t.Any], old: dict[str, t.Any], the_plan: Plan,
             result: dict[str, t.Any]) -> str | None:
    """A recreate: the replacement is created first; the old container goes only once the new one is in place."""
    swap = _Swap(params['name'], old)
    create_params = params if params.get('image') else dict(params, image=_current_image(client, old))
    body, dummy = create_body(create_params, client, None)
    swap.new_name = _temp_name(swap.name, 'new')
    try:
        swap.new_id = _create(client, body, swap.new_name, result)
    except APIError as exc:
        raise EngineError('The daemon refused to create the replacement for container %s (HTTP %d): %s.%s'
                          % (swap.name, exc.status, exc.message.rstrip('.'), swap.unchanged()), status=exc.status)
    except ConnectionProblem as exc:
        found = _lookup_quietly(client, swap.new_name)
        if isinstance(found, EngineError):
            now = (' Whether the replacement was created could not be checked (%s): if a container %s exists, remove it. '
                   'Container %s (ID %s) was not touched.' % (found.msg, swap.new_name, swap.name, swap.old_id[:12]))
        elif found is None:
            now = ' No replacement was created.' + swap.unchanged()
        else:
            try:
                _remove(client, found['Id'], keep_volumes=False)
                now = ' The replacement had been created (%s) and was removed again.%s' % (swap.new_name, swap.unchanged())
            except EngineError as err:
                now = (' The replacement had been created as %s and could not be removed (%s); remove it. Container %s '
                       '(ID %s) was not touched.' % (swap.new_name, err.msg, swap.name, swap.old_id[:12]))
        raise EngineError('No usable answer came to the create of the replacement for container %s (%s). The request '
                          'was not sent again.%s' % (swap.name, exc.msg, now))
    step = ''
    try:
        for action in the_plan.actions:
            step = action
            if action in ('pull', 'create'):
                continue
            if action.split(':', 1)[0] in ('connect', 'reconnect', 'disconnect'):
                _network_step(client, swap.new_id, params, the_plan, action)
            elif action in ('pause', 'unpause'):
                # before the replacement starts: the old one (unpaused to stop it); after: the replacement
                _pause(client, swap.new_id if swap.started else swap.old_id, action == 'pause')
            elif action in ('stop', 'kill'):
                _halt(client, swap.old_id, params, action)
                swap.stopped = True
            elif action == 'rename':
                if swap.auto_remove:
                    # The daemon removes an auto_remove container once it stops: wait until its name is free.
                    _remove_old(client, swap.old_id, params)
                    swap.old_gone = True
                else:
                    aside = _temp_name(swap.name, 'old')
                    _rename(client, swap.old_id, aside)
                    swap.old_aside = aside
                _rename(client, swap.new_id, swap.name)
                swap.new_named = True
            elif action == 'start':
                _start(client, swap.new_id, swap.name, _waiter(result, params))
                swap.started = True
            elif action == 'remove':
                if not swap.old_gone:
                    _remove_old(client, swap.old_id, params)
                    swap.old_gone = True
    except EngineError as exc:
        exc.msg = 'Recreating container %s failed at step %s: %s %s' % (swap.name, step, exc.msg.rstrip(),
                                                                        _undo(client, swap, params))
        raise
    return swap.new_id


def _undo(client: EngineClient, swap: _Swap, params: dict[str, t.Any]) -> str:
    """Put the old container back where possible; returns what exists now, in words."""
    if swap.started and swap.new_named:
        # Only the removal of the old one failed: the replacement runs.
        return ('The replacement runs as %s (ID %s); the old container could not be removed and is kept as %s (ID %s): '
                'remove it yourself.' % (swap.name, swap.new_id[:12] if swap.new_id else '?', swap.old_aside or swap.name,
                                         swap.old_id[:12]))
    if swap.old_gone:
        # auto_remove: the old container went away when it stopped; keep the replacement rather than nothing.
        where = swap.name if swap.new_named else swap.new_name
        return ('The old container (ID %s) was removed by the daemon when it stopped (auto_remove), so it cannot be put '
                'back. The replacement exists as %s (ID %s), not running; fix the cause and rerun the task.'
                % (swap.old_id[:12], where, (swap.new_id or '?')[:12]))
    notes = []
    problems = []
    try:
        if swap.new_id:
            _remove(client, swap.new_id, keep_volumes=False)
            notes.append('the replacement was removed')
    except EngineError as err:
        problems.append('the replacement %s (ID %s) could not be removed (%s)' % (
            swap.name if swap.new_named else swap.new_name, (swap.new_id or '?')[:12], err.msg))
    if swap.old_aside:
        try:
            _rename(client, swap.old_id, swap.name)
            notes.append('the old container got its name back')
        except EngineError as err:
            problems.append('the old container (ID %s) could not be renamed back from %s (%s)'
                            % (swap.old_id[:12], swap.old_aside, err.msg))
    if swap.was_running and swap.stopped:
        try:
            _start(client, swap.old_id, swap.name)
            notes.append('the old container was started again')
        except EngineError as err:
            problems.append('the old container (ID %s) could not be started again (%s)' % (swap.old_id[:12], err.msg))
    if problems:
        return 'Undoing it: %s. Now: %s; fix this by hand.' % ('; '.join(notes) or 'nothing could be undone',
                                                               '; '.join(problems))
    return 'The old container is back as it was: %s (ID %s), %s (%s).' % (
        swap.name, swap.old_id[:12], 'running' if swap.was_running else 'not running', ', '.join(notes) or 'untouched')


def _start(client: EngineClient, cid: str, name: str, waiter: _Waiter | None = None) -> None:
    """Start; with ``waiter`` (detach: false) the wait for the exit is registered first, so no exit is missed."""
    if waiter is not None:
        waiter.register(client, cid)
    try:
        client.request('POST', '/containers/%s/start' % quote_path(cid))
    except NotModified:
        pass
    except APIError as exc:
        if waiter is not None:
            waiter.close()
        raise EngineError('Container %s was created but does not start (HTTP %d): %s' % (name, exc.status, exc.message),
                          status=exc.status)


def _network_step(client: EngineClient, cid: str, params: dict[str, t.Any], the_plan: Plan, action: str) -> None:
    """One ``connect:NET`` / ``reconnect:NET`` / ``disconnect:NET`` step, carried out by the network code."""
    verb, network = action.split(':', 1)
    step = next((s for s in the_plan.network_steps if s.action == verb and s.network == network), None)
    if step is None:
        wish = next((n for n in params.get('networks') or [] if n['name'] == network), None)
        step = NetworkChange(verb, network, network_wish(wish) if wish else None, None)
    apply_network_change(client, cid, params, step)


HIDDEN_CHANGED = '<hidden, changed>'


def _secret_keys(params: t.Mapping[str, t.Any]) -> list[str]:
    """The variables whose values the results never show: those of env and of env_file."""
    keys = [str(k) for k in (params.get('env') or {})]
    if params.get('env_file') and params['state'] != 'absent':
        keys.extend(_engine.read_env_file(params['env_file']))
    return keys


def hide_env_in_inspect(container: dict[str, t.Any] | None, keys: t.Collection[str]) -> dict[str, t.Any] | None:
    """The inspect result with the values of the task's env variables replaced by a marker."""
    if not container or not keys:
        return container
    config = container.get('Config') or {}
    if not config.get('Env'):
        return container
    env = []
    for entry in config['Env']:
        key, sep, dummy = str(entry).partition('=')
        env.append('%s=%s' % (key, HIDDEN) if sep and key in keys else entry)
    return dict(container, Config=dict(config, Env=env))


def _diff_view(want: dict[str, Wanted], container: dict[str, t.Any] | None, params: dict[str, t.Any],
               the_plan: Plan) -> dict[str, t.Any]:
    """``--diff``: before and after of just what changes (a create shows every option it sets).

    ``differences`` is docker_container's list shape: ``[{option: {parameter: wanted, container: actual}}]``.
    """
    before: dict[str, t.Any] = {}
    after: dict[str, t.Any] = {}
    if container is None and params['state'] != 'absent':
        before['exists'], after['exists'] = False, True
        after['running'] = 'start' in the_plan.actions and 'cleanup' not in the_plan.actions
        for option, wanted in want.items():
            value = wanted.value if isinstance(wanted, Wanted) else getattr(wanted, 'value', wanted)
            after[option] = _hidden(option, value, list(value) if isinstance(value, dict) else ())
    elif container is not None and 'remove' in the_plan.actions and params['state'] == 'absent':
        before['exists'], after['exists'] = True, False
        before['running'], after['running'] = _is_running(container), False
    differences_list = []
    for entry in the_plan.changes:
        option = entry['option']
        if option == 'state' and entry['action'] in ('created', 'removed'):
            continue
        if option == 'state':
            before['running'] = _is_running(container)
            after['running'] = entry['action'] in ('started', 'restarted')
            continue
        if option == 'networks' and isinstance(entry['wanted'], dict):
            before.setdefault('networks', {}).update(entry['actual'] or {})
            after.setdefault('networks', {}).update(entry['wanted'])
        else:
            before[option], after[option] = entry['actual'], entry['wanted']
        if entry['action'] not in ('pulled', 'paused', 'unpaused', 'restarted'):
            differences_list.append({option: {'parameter': entry['wanted'], 'container': entry['actual']}})
    view: dict[str, t.Any] = {'before': before, 'after': after}
    if differences_list:
        view['differences'] = differences_list
    return view


class _Waiter:
    """``detach: false``: the wait for the container's exit, asked for before the start and read after the run."""

    def __init__(self) -> None:
        self.cid: str | None = None
        self.response: t.Any = None

    def register(self, client: EngineClient, cid: str) -> None:
        self.close()
        self.cid = cid
        # The daemon sends the head of the answer at once and the body when the container exits.
        self.response = client.request('POST', '/containers/%s/wait' % quote_path(cid), {'condition': 'next-exit'},
                                       stream=True)

    def close(self) -> None:
        if self.response is not None:
            self.response.close()
            self.response = None

    def status(self, name: str) -> int:
        try:
            body = b''.join(self.response.iter_chunks())
        finally:
            self.close()
        try:
            answer = json.loads(body.decode('utf-8')) if body.strip() else {}
        except ValueError:
            answer = {}
        if not isinstance(answer, dict) or answer.get('StatusCode') is None:
            raise EngineError('The wait for container %s ended without an exit status (%r).' % (name, body[:200]))
        message = (answer.get('Error') or {}).get('Message')
        if message:
            raise EngineError('Waiting for container %s to exit failed: %s' % (name, message))
        return int(answer['StatusCode'])


def _waiter(result: dict[str, t.Any], params: t.Mapping[str, t.Any]) -> _Waiter | None:
    if params.get('detach') is not False:
        return None
    return t.cast(_Waiter, result.setdefault('_waiter', _Waiter()))


def _run_output(client: EngineClient, cid: str, container: t.Mapping[str, t.Any]) -> tuple[str, bool]:
    """(the container's output, whether it is the real output): docker_container's rule per log driver."""
    host = container.get('HostConfig') or {}
    if host.get('AutoRemove'):
        return 'Cannot retrieve result as auto_remove is enabled', False
    driver = (host.get('LogConfig') or {}).get('Type') or 'json-file'
    if driver not in READABLE_LOG_DRIVERS:
        return 'Result logged using `%s` driver' % driver, False
    from ._client import iter_frames  # pylint: disable=import-outside-toplevel
    answer = client.request('GET', '/containers/%s/logs' % quote_path(cid), {'stdout': 1, 'stderr': 1})
    data = answer.body or b''
    if not (container.get('Config') or {}).get('Tty'):
        reader = io.BytesIO(data)
        data = b''.join(payload for dummy, payload in iter_frames(reader.read))
    return data.decode('utf-8', 'replace'), True


def _log_output(name: str, output: str) -> None:
    """output_logs: the output goes to the system log of the host the module runs on, as docker_container does."""
    import syslog  # pylint: disable=import-outside-toplevel
    syslog.openlog('ansible-dockerapi.engine.container')
    for line in output.splitlines() or ['']:
        syslog.syslog(syslog.LOG_INFO, '%s: %s' % (name, line))


def _finish_run(client: EngineClient, params: dict[str, t.Any], cid: str, waiter: _Waiter,
                the_plan: Plan, result: dict[str, t.Any]) -> dict[str, t.Any] | None:
    """detach: false — wait for the exit, collect the output, clean up; returns the inspect (+ Output)."""
    name = params['name']
    status = waiter.status(name)
    result['status'] = status
    found = get_container(client, cid)
    if found is None:
        output = 'Cannot retrieve result as auto_remove is enabled'
    else:
        output, real = _run_output(client, cid, found)
        if params.get('output_logs'):
            if real:
                _log_output(name, output)
            else:
                result.setdefault('warnings', []).append('output_logs: %s' % output)
    if 'cleanup' in the_plan.actions and found is not None:
        _remove(client, cid, keep_volumes=False, wait_timeout=params.get('removal_wait_timeout'))
        found = None
    return dict(found or {}, Output=output)


def _wait_healthy(client: EngineClient, params: dict[str, t.Any], cid: str) -> dict[str, t.Any]:
    """state: healthy — poll the health status (backoff from 0.25 s, at most 5 s between looks).

    No health check counts as healthy (docker_container); ``unhealthy``, an exit or the time-out fail,
    naming the last output of the health check.
    """
    name = params['name']
    limit = float(params.get('healthy_wait_timeout') or 300)
    deadline = time.monotonic() + limit
    delay = 0.25
    while True:
        found = client.get_json('/containers/%s/json' % quote_path(cid))
        state = found.get('State') or {}
        health = state.get('Health') or {}
        status = health.get('Status')
        last = (health.get('Log') or [{}])[-1] or {}
        said = ''
        if last:
            said = ' The last health check (exit code %s) said: %s' % (
                last.get('ExitCode'), str(last.get('Output') or '').strip() or '(nothing)')
        if status in (None, '', 'none', 'healthy'):
            return found
        shown_container = hide_env_in_inspect(found, _secret_keys(params))
        if not state.get('Running'):
            raise EngineError('Container %s stopped (%s, exit code %s) while waiting for it to become healthy.%s'
                              % (name, state.get('Status'), state.get('ExitCode'), said), container=shown_container)
        if status == 'unhealthy':
            raise EngineError('Container %s is unhealthy.%s' % (name, said), container=shown_container)
        left = deadline - time.monotonic()
        if left <= 0:
            raise EngineError('Container %s did not become healthy within healthy_wait_timeout (%s s); its health '
                              'status is %s.%s' % (name, limit, status, said), container=shown_container)
        time.sleep(min(delay, left))
        delay = min(delay * 1.5, 5.0)


def _await_container(client: EngineClient, name: str) -> dict[str, t.Any] | None:
    """The container another run is creating under ``name``.

    The daemon reserves a name before the container can be inspected, so a lookup right after a
    409 may still say 404: look again for a few seconds.
    """
    deadline = time.monotonic() + min(10.0, float(client.settings.timeout or 10))
    while True:
        found = get_container(client, name)
        if found is not None or time.monotonic() >= deadline:
            return found
        time.sleep(0.2)


def container_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """Bring one container to the requested state, changing only what differs.

    The result carries its own ``invocation`` (Ansible keeps one a module provides) so that the
    echoed arguments do not show env values either.
    """
    try:
        result = _container_service(client, params, check_mode, diff)
    except EngineError as exc:
        exc.details['invocation'] = echo_arguments(params)
        raise
    result['invocation'] = echo_arguments(params)
    return result


def _container_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {'changed': False}
    params = dict(params, name=str(params['name']).lstrip('/'))  # the daemon stores names with one leading /
    params = prepare(params)  # aliases, compatibility defaults, the network_mode the networks imply
    params['pull'] = pull_policy(params)
    name = params['name']
    check_name(name)
    if params['state'] != 'absent':
        validate(params, client)
        result.setdefault('warnings', []).extend(option_warnings(params, client))
        if not result['warnings']:
            del result['warnings']
    container = get_container(client, name)
    if container is not None and _state_word(container) == 'removing':
        if check_mode:
            container = None  # it is going away; the run would create a new one
        else:
            wait_until_removed(client, container, params)
            container = get_container(client, name)
    image: dict[str, t.Any] | None = None
    compare_image: dict[str, t.Any] | None = None
    pulled = False
    if params['state'] != 'absent' and params.get('image'):
        image, pulled = _resolve_image(client, params, check_mode, result)
    elif container is not None and params['state'] != 'absent' and params.get('command') == [] \
            and params.get('entrypoint') is None:
        # command: [] means the image's default: without image, that of the container's own image.
        image = inspect_image(client, str(container.get('Image') or ''))
    if container is not None and params['state'] != 'absent' and params.get('image_comparison') == 'current-image' \
            and params.get('image') and (image is None or image.get('Id') != container.get('Image')):
        # Compare the options the image provides defaults for with the container's own image (docker_container).
        compare_image = inspect_image(client, str(container.get('Image') or ''))
    if params['state'] != 'absent':
        _check_lifecycle(params, compare_image or image)
    the_plan = plan(client, params, container, image, pulled, compare_image)
    if diff:
        want = desired(params, compare_image or image) if params['state'] != 'absent' and container is None else {}
        result['diff'] = _diff_view(want, container, params, the_plan)
    env_keys = _secret_keys(params)
    result['changes'] = list(the_plan.changes)
    if check_mode or not [a for a in the_plan.actions if a != 'pull']:
        result['actions'] = the_plan.actions
        result['changed'] = bool(the_plan.actions)
        if not check_mode and container is not None and params['state'] == 'healthy':
            health = ((container.get('State') or {}).get('Health') or {}).get('Status')
            if health not in (None, '', 'none', 'healthy'):
                container = _wait_healthy(client, params, container['Id'])
        result['container'] = hide_env_in_inspect(container, env_keys)
        return result
    try:
        cid = apply(client, params, container, the_plan, result)
    except NameTaken:
        # Another run (a parallel fork with the same task) created it since our lookup: manage that one.
        container = _await_container(client, name)
        if container is None:
            raise
        the_plan = plan(client, params, container, image, pulled, compare_image)
        result['changes'] = list(the_plan.changes)
        cid = apply(client, params, container, the_plan, result) if the_plan.actions else container['Id']
    except EngineError:
        waiter = result.pop('_waiter', None)
        if waiter is not None:
            waiter.close()
        raise
    result['actions'] = the_plan.actions
    result['changed'] = bool(the_plan.actions)
    waiter = result.pop('_waiter', None)
    if waiter is not None and waiter.response is not None and cid:
        found = _finish_run(client, params, cid, waiter, the_plan, result)
        result['container'] = hide_env_in_inspect(found, env_keys)
        if result['status'] != 0:
            output = str((found or {}).get('Output') or '')
            raise EngineError(output if output.strip() else 'Container %s exited with status %d.' % (name, result['status']),
                              **{k: v for k, v in result.items() if k != 'warnings'})
        return result
    if cid and params['state'] == 'healthy':
        try:
            found = _wait_healthy(client, params, cid)
        except EngineError as exc:
            # what was done stays in the result: the container was changed even though it is not healthy
            exc.details.update(changed=result['changed'], actions=result['actions'], changes=result['changes'])
            raise
    else:
        found = client.get_json('/containers/%s/json' % quote_path(cid)) if cid else None
    result['container'] = hide_env_in_inspect(found, env_keys)
    return result


# ---- container_info ---------------------------------------------------------------------

def container_info_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool,
                           diff: bool) -> dict[str, t.Any]:
    """One container by name or ID (never failing when missing), or the filtered list."""
    if params.get('name'):
        found = get_container(client, params['name'], exact=False)
        return {'changed': False, 'exists': found is not None, 'container': found}
    containers = list_containers(client, all=params.get('all'), filters=params.get('filters'),
                                 limit=params.get('limit'), size=params.get('size'))
    return {'changed': False, 'containers': containers}
