# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The services of the thin image modules: ``image_pull``, ``image_push``, ``image_tag``, ``image_remove``.

community.docker's docker_image_pull/push/tag/remove, one for one. Everything that talks to the
daemon or a registry is ``_images``' (references, inspect, pull, push, tag, the registry digest
check); this file only decides what each module does with it. Credentials are never a task option
here (as in community.docker): ``_auth`` finds them in the docker config or a credential helper.
"""

from __future__ import annotations

import re
import typing as t

from ._client import EngineClient
from ._errors import ConfigurationError, EngineError
from ._images import (
    Reference,
    delete_image,
    image_id,
    inspect_image,
    is_image_id,
    parse_reference,
    pull_image,
    push_image,
    registry_digest,
    registry_is_newer,
    repo_digests,
    tag_image,
)

_SHORT_ID_RE = re.compile(r'^[0-9a-f]{12,63}$')


def _reference(params: t.Mapping[str, t.Any], option: str = 'name', allow_digest: bool = True) -> Reference:
    """``name`` with ``tag`` when the name carries neither tag nor digest (community.docker's rule)."""
    return parse_reference(params[option], default_tag=params.get('tag') or 'latest', option=option,
                           allow_digest=allow_digest)


def _lookup(params: t.Mapping[str, t.Any]) -> str:
    """What to inspect: an image ID as given, otherwise the reference with its tag."""
    name = (params.get('name') or '').strip()
    if is_image_id(name) or _SHORT_ID_RE.match(name):
        return name  # a (short) ID: the daemon resolves it, as the docker CLI does
    return str(_reference(params))


def _platform_differs(image: t.Mapping[str, t.Any] | None, platform: str | None) -> bool:
    """Whether a local image is for another platform than ``os[/arch[/variant]]`` asks for."""
    if not image or not platform:
        return False
    wanted = [part.strip().lower() for part in platform.split('/')]
    have = [str(image.get('Os') or '').lower(), str(image.get('Architecture') or '').lower(),
            str(image.get('Variant') or '').lower()]
    return any(want and want != got for want, got in zip(wanted, have))


# ---- image_pull ------------------------------------------------------------------------------


def image_pull(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    ref = _reference(params)
    platform = params.get('platform')
    before = inspect_image(client, str(ref))
    result: dict[str, t.Any] = {'changed': False, 'image': before or {}}
    if before is not None and params.get('pull') == 'not_present' and not _platform_differs(before, platform):
        return _with_diff(result, diff, before, before)
    if check_mode:
        if before is None or _platform_differs(before, platform):
            result['changed'] = True
        else:
            newer, _digest, why = registry_is_newer(client, ref, before)
            if newer is None:
                result['warnings'] = ['Could not ask the registry about %s (%s); reporting a change because a pull '
                                      'would run.' % (ref, why)]
            result['changed'] = newer is not False
        return _with_diff(result, diff, before, None if result['changed'] else before)
    pull_image(client, ref, None, platform)  # the progress log is not a return value of docker_image_pull
    after = inspect_image(client, str(ref))
    if after is None:
        raise EngineError('Pulling %s reported success, but the daemon has no image of that name afterwards.' % ref)
    result.update(changed=image_id(after) != image_id(before), image=after)
    return _with_diff(result, diff, before, after)


def _with_diff(result: dict[str, t.Any], diff: bool, before: t.Mapping[str, t.Any] | None,
               after: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
    if diff:
        result['diff'] = {'before': {'id': image_id(before)},
                          'after': {'id': image_id(after) if after is not None or not result['changed'] else '(new)'}}
    return result


# ---- image_push ------------------------------------------------------------------------------


def image_push(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    name = (params.get('name') or '').strip()
    if is_image_id(name):
        raise ConfigurationError('name %r is an image ID; an ID cannot be pushed. Tag it first (image_tag) and push '
                                 'that name.' % name)
    ref = _reference(params, allow_digest=False)
    local = inspect_image(client, str(ref))
    if local is None:
        raise ConfigurationError('Cannot push %s: the daemon has no image of that name. Pull, build, load or tag '
                                 'it first.' % ref)
    result: dict[str, t.Any] = {'changed': False, 'image': local}
    remote, _why = registry_digest(client, ref, None)
    pushed = remote
    if remote is None or remote not in repo_digests(local, ref.repository):
        # The registry's tag is missing or points at another manifest than this very image's.
        result['changed'] = True
        if not check_mode:
            pushed, _log = push_image(client, ref, None)  # the progress log is not a return value of docker_image_push
            result['changed'] = pushed is None or pushed != remote
            result['image'] = inspect_image(client, str(ref)) or local
        else:
            pushed = None
    if diff:
        result['diff'] = {'before': {'name': str(ref), 'registry_digest': remote},
                          'after': {'name': str(ref), 'registry_digest': pushed if pushed else '(pushed)'}}
    return result


# ---- image_tag -------------------------------------------------------------------------------


def image_tag(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    lookup = _lookup(params)
    targets = []
    for index, repository in enumerate(params.get('repository') or []):
        targets.append(parse_reference(str(repository), default_tag=params.get('tag') or 'latest',
                                       option='repository[%d]' % index, allow_digest=False))
    if not targets:
        raise ConfigurationError('repository is empty: give at least one name to tag the image as.')
    source = inspect_image(client, lookup)
    if source is None:
        raise ConfigurationError('Cannot tag %s: the daemon has no such image.' % lookup)
    source_id = image_id(source)
    keep = params.get('existing_images') == 'keep'
    tagged: list[str] = []
    before: dict[str, t.Any] = {}
    after: dict[str, t.Any] = {}
    for target in targets:
        current = image_id(inspect_image(client, str(target)))
        before[str(target)] = current
        after[str(target)] = current
        if current == source_id or (keep and current is not None):
            continue
        if not check_mode:
            tag_image(client, source_id or lookup, target)
        tagged.append(str(target))
        after[str(target)] = source_id
    result: dict[str, t.Any] = {'changed': bool(tagged), 'image': source, 'tagged_images': tagged}
    if diff:
        result['diff'] = {'before': {'tags': before}, 'after': {'tags': after}}
    return result


# ---- image_remove ----------------------------------------------------------------------------


def image_remove(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    lookup = _lookup(params)
    before = inspect_image(client, lookup)
    result: dict[str, t.Any] = {'changed': False, 'image': before or {}, 'deleted': [], 'untagged': []}
    if before is None:
        return _remove_diff(result, diff, None)
    result['changed'] = True
    if check_mode:
        tags = list(before.get('RepoTags') or [])
        by_id = is_image_id(lookup) or bool(_SHORT_ID_RE.match(lookup))
        result['untagged'] = tags if by_id or len(tags) <= 1 else [lookup]
        if by_id or len(tags) <= 1:
            result['deleted'] = [before['Id']]
        return _remove_diff(result, diff, before)
    entries = delete_image(client, lookup, bool(params.get('force')), params.get('prune', True))
    if entries is None:
        result['changed'] = False  # removed meanwhile: the state is what was asked
        return _remove_diff(result, diff, None)
    result['deleted'] = [e['Deleted'] for e in entries if e.get('Deleted')]
    result['untagged'] = [e['Untagged'] for e in entries if e.get('Untagged')]
    return _remove_diff(result, diff, before)


def _remove_diff(result: dict[str, t.Any], diff: bool, before: t.Mapping[str, t.Any] | None) -> dict[str, t.Any]:
    if diff:
        result['diff'] = {'before': {'id': image_id(before), 'tags': sorted((before or {}).get('RepoTags') or [])},
                          'after': {'id': None if result['changed'] else image_id(before),
                                    'untagged': result['untagged']}}
    return result
