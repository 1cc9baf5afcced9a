# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""prune: containers, images, volumes, networks and builder cache, with a real check mode.

The Engine API has no dry run for prune. Check mode therefore reads what the daemon holds and
applies the daemon's own prune rules to it, with the same filters:

* containers: not running (created, exited, dead), created before ``until``, labels match;
* images: the daemon's candidates (untagged leaf images, or with ``dangling=false`` every
  image), minus those a container uses or with child images; deleting one also deletes its
  untagged parents and the layers no remaining image shares, which the daemon lists too;
* volumes: local driver, no driver options, not used by any container, labels match and,
  on API 1.42 or newer unless ``all``, anonymous only;
* networks: custom ones (not bridge, host, none) with no container attached.

* build cache: records not in use; without ``all`` not shared and not internal/frontend
  records; ``until`` (a duration: not used for that long) and the record filters. BuildKit
  decides on more than ``/system/df`` shows, so this one is reported as an estimate.

``label`` and ``label!`` follow the daemon's matching (every ``label`` value must match; a
thing is spared when every ``label!`` value matches). ``until`` is resolved once, by the
daemon's rules (a duration before the daemon's clock, a zone-less date in the daemon's zone,
both read from ``/info``), and the resulting Unix time is what the real run sends: check mode
and the real run mean the same instant.
"""

from __future__ import annotations

import hashlib
import re
import time
import typing as t

from ._client import EngineClient, quote_path
from ._compare import parse_size
from ._errors import APIError, ConfigurationError, EngineError, NotFound
from ._filters import normalize_filters
from ._timeparse import NS_PER_SECOND, created_ns, has_zone, now_ns, parse_duration, parse_rfc3339, parse_time, to_query

ACCEPTED = {
    'containers': ('until', 'label', 'label!'),
    'images': ('dangling', 'until', 'label', 'label!'),
    'volumes': ('label', 'label!', 'all'),
    'networks': ('until', 'label', 'label!'),
}
ANONYMOUS_LABEL = 'com.docker.volume.anonymous'
PREDEFINED_NETWORKS = ('bridge', 'host', 'none')


# ---- filter semantics (pure) ------------------------------------------------------------

def match_kv_list(wanted: t.Iterable[str], labels: t.Mapping[str, str] | None) -> bool:
    """The daemon's MatchKVList: every ``key`` or ``key=value`` must be present in labels."""
    labels = labels or {}
    for item in wanted:
        key, sep, value = item.partition('=')
        if key not in labels:
            return False
        if sep and labels[key] != value:
            return False
    return True


def labels_match(filters: t.Mapping[str, list[str]], labels: t.Mapping[str, str] | None) -> bool:
    if filters.get('label') and not match_kv_list(filters['label'], labels):
        return False
    if filters.get('label!') and match_kv_list(filters['label!'], labels):
        return False
    return True


class DaemonClock(t.NamedTuple):
    """The daemon's "now" and its zone (from ``/info`` ``SystemTime``), which its own ``until`` parsing uses."""

    now: int  # Unix nanoseconds
    offset: int  # seconds east of UTC


def daemon_clock(client: EngineClient) -> DaemonClock:
    """Read the daemon's clock and zone; this host's clock and zone if the daemon does not say."""
    info = client.get_json('/info')
    parsed = parse_rfc3339(info.get('SystemTime') if isinstance(info, dict) else None)
    if parsed is None:
        local = now_ns()
        return DaemonClock(local, _local_offset(local))
    return DaemonClock(parsed[0], parsed[1])


def _local_offset(ns: int) -> int:
    stamp = time.localtime(ns // NS_PER_SECOND)
    return int(stamp.tm_gmtoff or 0)


def parse_until(value: t.Any, option: str, clock: DaemonClock) -> int:
    """``until`` as the daemon reads it, to Unix nanoseconds: a Go duration before the daemon's now,
    Unix seconds, or an RFC 3339 date (without a zone: the daemon's local time, as ``dockerd`` parses it)."""
    ns = parse_time(value, option, now=clock.now, zone_offset=clock.offset)
    if ns is None:
        raise ConfigurationError('%s is empty: give a duration such as 24h, a date such as 2024-03-01T12:00:00Z, or '
                                 'Unix seconds.' % option)
    return ns


def iso_to_ns(text: str | None) -> int | None:
    """RFC 3339 with nanoseconds (inspect's ``Created``) -> Unix nanoseconds."""
    return created_ns(text)


def resolve_until(kind: str, filters: dict[str, list[str]], client: EngineClient,
                  clock: list[DaemonClock]) -> int | None:
    """Fix ``until`` to one instant, and send that instant (Unix seconds) in the real run as well.

    The daemon would read a duration against its own clock at the moment of the request and a
    zone-less date in its own zone; doing that here once, and sending the result, makes check
    mode and the real run mean the same instant.
    """
    values = filters.get('until') or []
    if not values:
        return None
    if len(values) > 1:
        raise ConfigurationError('%s_filters has more than one until; give one.' % kind)
    value = values[0]
    if parse_duration(value) is not None or not has_zone(value):
        if not clock:
            clock.append(daemon_clock(client))
        current = clock[0]
    else:
        current = DaemonClock(now_ns(), 0)  # not used by an absolute time with a zone
    ns = parse_until(value, '%s_filters.until' % kind, current)
    filters['until'] = [to_query(ns)]
    return ns


def chain_ids(diff_ids: list[str]) -> list[str]:
    """Layer chain IDs of an image's RootFS.Layers, as the daemon's layer store keys them."""
    chains: list[str] = []
    for diff_id in diff_ids:
        if not chains:
            chains.append(diff_id)
        else:
            chains.append('sha256:' + hashlib.sha256(('%s %s' % (chains[-1], diff_id)).encode()).hexdigest())
    return chains


def check_filters(kind: str, filters: dict[str, list[str]], client: EngineClient) -> None:
    """Refuse what the prune endpoint would refuse, before any kind is pruned (and in check mode, which cannot ask)."""
    accepted = ACCEPTED.get(kind)
    if accepted is None:
        return
    for key in filters:
        if key not in accepted or (key == 'all' and not client.api_at_least('1.42')):
            usable = [a for a in accepted if a != 'all' or client.api_at_least('1.42')]
            raise ConfigurationError(
                'Invalid filter %r in %s_filters: pruning %s accepts %s. (The daemon would refuse it with HTTP 400; '
                'nothing was pruned.)' % (key, kind, kind, ', '.join(usable)))
    if len(filters.get('until') or []) > 1:
        raise ConfigurationError('%s_filters has more than one until; give one.' % kind)
    for value in filters.get('dangling') or []:
        if value.lower() not in ('true', 'false', '1', '0'):
            raise ConfigurationError('%s_filters.dangling %r is not a boolean: use true or false.' % (kind, value))
    if len({v.lower() in ('true', '1') for v in filters.get('dangling') or []}) > 1:
        raise ConfigurationError('%s_filters.dangling has both true and false; give one.' % kind)


def _created_after(created_int: int, until: int | None, exact: t.Callable[[], int | None]) -> bool:
    """Whether created > until (the daemon keeps those); the list's whole seconds decide unless too close to call.

    ``created_int`` is whole Unix seconds (the list's ``Created``), ``until`` and ``exact()`` nanoseconds.
    """
    if until is None:
        return False
    created = created_int * NS_PER_SECOND
    if created >= until:
        return created > until or (exact() or created) > until
    if created + NS_PER_SECOND <= until:
        return False
    precise = exact()
    return precise is not None and precise > until


# ---- predictions (check mode) -----------------------------------------------------------

def _read(client: EngineClient, path: str, params: t.Mapping[str, t.Any] | None, shape: type,
          item_key: str | None = None) -> t.Any:
    """A read whose answer must have ``shape`` (list items: objects carrying ``item_key``); else a clear failure."""
    answer = client.get_json(path, params)
    if answer is None:
        return shape()
    ok = isinstance(answer, shape)
    if ok and shape is list:
        ok = all(isinstance(item, dict) and (item_key is None or item_key in item) for item in answer)
    if not ok:
        raise EngineError('Check mode could not predict the prune: the daemon answered GET %s with %s instead of %s. '
                          'Nothing was pruned. Check the daemon (or a proxy in front of it).'
                          % (path, type(answer).__name__, 'a list of objects' if shape is list else 'an object'),
                          daemon_answer=str(answer)[:200])
    return answer


def _created_of(client: EngineClient, path: str) -> int | None:
    answer = _read(client, path, None, dict)
    return iso_to_ns(answer.get('Created'))


def predict_containers(client: EngineClient, filters: dict[str, list[str]], until: int | None = None) -> tuple[list[str], int]:
    query: dict[str, t.Any] = {'status': ['created', 'exited', 'dead']}
    if filters.get('label'):
        query['label'] = filters['label']
    listed = _read(client, '/containers/json', {'all': True, 'size': True, 'filters': query}, list, 'Id')
    ids, space = [], 0
    for c in listed:
        if not labels_match(filters, c.get('Labels')):
            continue

        def exact(cid: str = c['Id']) -> int | None:
            return _created_of(client, '/containers/%s/json' % cid)
        if _created_after(int(c.get('Created') or 0), until, exact):
            continue
        ids.append(c['Id'])
        space += max(int(c.get('SizeRw') or 0), 0)
    return ids, space


def predict_images(client: EngineClient, filters: dict[str, list[str]], until: int | None = None) -> tuple[list[str], list[str]]:
    """(Deleted entries: image IDs and layer chain IDs, Untagged references) of an image prune."""
    dangling_values = filters.get('dangling') or ['true']
    dangling_only = str(dangling_values[0]).lower() in ('1', 'true')
    images = _read(client, '/images/json', {'all': True, 'digests': True}, list, 'Id')
    by_id = {i['Id']: i for i in images}
    children: dict[str, set[str]] = {}
    for image in images:
        if image.get('ParentId'):
            children.setdefault(image['ParentId'], set()).add(image['Id'])
    used = {c.get('ImageID') for c in _read(client, '/containers/json', {'all': True}, list)}

    def refs(image: dict[str, t.Any]) -> tuple[list[str], list[str]]:
        tags = [r for r in image.get('RepoTags') or [] if r != '<none>:<none>']
        digests = [r for r in image.get('RepoDigests') or [] if r != '<none>@<none>']
        return tags, digests

    deleted: list[str] = []
    untagged: list[str] = []
    gone: set[str] = set()
    for image in images:
        iid = image['Id']
        tags, digests = refs(image)
        if dangling_only and children.get(iid):
            continue  # the daemon starts from leaf images only
        if not tags and not digests and children.get(iid):
            continue
        if not labels_match(filters, image.get('Labels')):
            continue

        def exact(ref: str = iid) -> int | None:
            return _created_of(client, '/images/%s/json' % ref)
        if until is not None and _created_after(int(image.get('Created') or 0), until, exact):
            continue
        if (tags or digests) and dangling_only and tags:
            continue
        # Deleting needs: no container uses it and no child image depends on it.
        if iid in used or children.get(iid):
            continue
        untagged.extend(tags + digests)
        gone.add(iid)
    # Untagged parents go with their last child (the daemon prunes the parent chain).
    changed = True
    while changed:
        changed = False
        for image in images:
            iid = image['Id']
            if iid in gone or iid in used or any(refs(image)):
                continue
            kids = children.get(iid) or set()
            if kids and kids <= gone:
                gone.add(iid)
                changed = True
    deleted.extend(sorted(gone))
    deleted.extend(_orphaned_layers(client, by_id, gone))
    return deleted, untagged


def _orphaned_layers(client: EngineClient, by_id: dict[str, t.Any], gone: set[str]) -> list[str]:
    """Layer chain IDs that no image left behind shares (the daemon lists them as Deleted too)."""
    if not gone:
        return []
    chains: dict[str, list[str]] = {}
    for iid in by_id:
        try:
            layers = (_read(client, '/images/%s/json' % iid, None, dict).get('RootFS') or {}).get('Layers') or []
        except NotFound:
            layers = []
        chains[iid] = chain_ids(layers)
    kept = set()
    for iid, chain in chains.items():
        if iid not in gone:
            kept.update(chain)
    orphans: list[str] = []
    for iid in gone:
        for chain_id in chains.get(iid) or []:
            if chain_id not in kept and chain_id not in orphans:
                orphans.append(chain_id)
    return sorted(orphans)


def predict_volumes(client: EngineClient, filters: dict[str, list[str]]) -> list[str]:
    everything = str((filters.get('all') or ['false'])[0]).lower() in ('1', 'true')
    query: dict[str, t.Any] = {'dangling': ['true'], 'driver': ['local']}
    labels = list(filters.get('label') or [])
    if client.api_at_least('1.42') and not everything:
        labels.append(ANONYMOUS_LABEL)  # what the daemon adds for API 1.42+ without all
    if labels:
        query['label'] = labels
    answer = _read(client, '/volumes', {'filters': query}, dict)
    names = []
    for volume in answer.get('Volumes') or []:
        if volume.get('Options'):
            continue  # the daemon skips volumes with driver options (nothing to reclaim)
        if not labels_match(filters, volume.get('Labels')):
            continue
        names.append(volume['Name'])
    return names


def predict_networks(client: EngineClient, filters: dict[str, list[str]], until: int | None = None) -> list[str]:
    query = {'label': filters['label']} if filters.get('label') else None
    names = []
    for network in _read(client, '/networks', {'filters': query}, list, 'Id'):
        if network.get('Name') in PREDEFINED_NETWORKS or network.get('Ingress') or network.get('ConfigOnly'):
            continue
        if network.get('Scope') == 'swarm':
            continue
        if not labels_match(filters, network.get('Labels')):
            continue
        created = iso_to_ns(network.get('Created'))
        if until is not None and created is not None and created > until:
            continue
        try:
            detail = _read(client, '/networks/%s' % quote_path(network['Id']), None, dict)
        except NotFound:
            continue
        if detail.get('Containers'):
            continue
        names.append(network['Name'])
    return names


BUILD_CACHE_FILTERS = ('until', 'unused-for', 'id', 'parent', 'type', 'description', 'inuse', 'shared', 'private')
_BOOL_CACHE_FILTERS = ('inuse', 'shared', 'private')


class BuildCacheFilter(t.NamedTuple):
    keep_ns: int  # records used more recently than this long ago are kept (0: no limit)
    fields: dict[str, str]


def check_build_cache_filters(filters: dict[str, list[str]]) -> BuildCacheFilter:
    """Refuse, before any request, what ``POST /build/prune`` would refuse (or silently ignore)."""
    for key in filters:
        if key not in BUILD_CACHE_FILTERS:
            raise ConfigurationError(
                'Invalid filter %r in builder_cache_filters: pruning the build cache accepts %s.'
                % (key, ', '.join(BUILD_CACHE_FILTERS)))
        if len(filters[key]) > 1:
            raise ConfigurationError('builder_cache_filters has more than one %s value (%s); the daemon takes one.'
                                     % (key, ', '.join(filters[key])))
    if filters.get('until') and filters.get('unused-for'):
        raise ConfigurationError('builder_cache_filters: give until or unused-for (the older name), not both.')
    until = (filters.get('until') or filters.get('unused-for') or [None])[0]
    keep_ns = 0
    if until is not None:
        parsed = parse_duration(str(until).strip())
        if parsed is None or parsed < 0:
            raise ConfigurationError(
                'builder_cache_filters.until %r is not a duration: for the build cache, until means "not used for '
                'that long" and takes a Go duration such as 24h or 90m (not a date).' % until)
        keep_ns = parsed
    fields = {k: v[0] if v else '' for k, v in filters.items() if k not in ('until', 'unused-for')}
    return BuildCacheFilter(keep_ns, fields)


def _cache_record_matches(record: t.Mapping[str, t.Any], fields: t.Mapping[str, str]) -> bool:
    """The filter fields as BuildKit matches them (id: a regular expression; type, description, parent: equal;
    inuse/shared/private: the property holds, or with V(false) does not)."""
    for key, value in fields.items():
        if key == 'id':
            try:
                if not re.search(value, str(record.get('ID') or '')):
                    return False
            except re.error:
                return False
        elif key == 'parent':
            parents = list(record.get('Parents') or [])
            if record.get('Parent'):
                parents.append(record['Parent'])
            if value not in parents:
                return False
        elif key == 'type':
            if str(record.get('Type') or '') != value:
                return False
        elif key == 'description':
            if str(record.get('Description') or '') != value:
                return False
        elif key in _BOOL_CACHE_FILTERS:
            holds = {'inuse': bool(record.get('InUse')), 'shared': bool(record.get('Shared')),
                     'private': not record.get('Shared')}[key]
            wanted = value.lower() not in ('false', '0')
            if holds != wanted:
                return False
    return True


def predict_builder_cache(client: EngineClient, filters: dict[str, list[str]], everything: bool,
                          clock: list[DaemonClock], keep_storage: int | None = None) -> tuple[list[str], int]:
    """The build cache records a prune would remove, applying ``all`` and the filters.

    An estimate: BuildKit decides on records ``/system/df`` does not fully describe (internal
    records, sharing with images, keep-storage), so the result says ``builder_cache_estimate``.
    """
    spec = check_build_cache_filters(filters)
    params = {'type': 'build-cache'} if client.api_at_least('1.42') else None
    records = _read(client, '/system/df', params, dict).get('BuildCache') or []
    cutoff = None
    if spec.keep_ns:
        if not clock:
            clock.append(daemon_clock(client))
        cutoff = clock[0].now - spec.keep_ns
    candidates = []
    for record in records:
        if not isinstance(record, dict) or record.get('InUse'):
            continue  # BuildKit never removes a record in use
        if not everything and (record.get('Shared') or record.get('Type') in ('internal', 'frontend')):
            continue  # without all, BuildKit keeps shared, internal and frontend records
        if cutoff is not None:
            last = created_ns(record.get('LastUsedAt')) or created_ns(record.get('CreatedAt'))
            if last is not None and last > cutoff:
                continue
        if not _cache_record_matches(record, spec.fields):
            continue
        candidates.append(record)
    if keep_storage:
        # keep-storage: BuildKit removes the least recently used records only until the cache fits in that size.
        total = sum(int(r.get('Size') or 0) for r in records if isinstance(r, dict))
        candidates.sort(key=lambda r: created_ns(r.get('LastUsedAt')) or created_ns(r.get('CreatedAt')) or 0)
        kept: list[dict[str, t.Any]] = []
        for record in candidates:
            if total <= keep_storage:
                break
            kept.append(record)
            total -= int(record.get('Size') or 0)
        candidates = kept
    ids = [str(r.get('ID')) for r in candidates]
    return ids, sum(int(r.get('Size') or 0) for r in candidates)


# ---- the service ------------------------------------------------------------------------

def _prune(client: EngineClient, kind: str, path: str, filters: dict[str, list[str]],
           extra: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    params: dict[str, t.Any] = dict(extra or {})
    if filters:
        params['filters'] = filters
    try:
        # The task's timeout applies: a prune answers in one response, and a daemon that never
        # answers must not hang the play.
        answer = client.post_json(path, params)
    except APIError as exc:
        if exc.status == 400:
            raise EngineError('Pruning %s failed: the daemon refused %s_filters %s (HTTP 400): %s'
                              % (kind, kind, filters, exc.message), status=exc.status, daemon_message=exc.message)
        if exc.status == 409:
            raise EngineError('Pruning %s failed: another prune is running on the daemon (HTTP 409: %s). Run the task '
                              'again once it has finished.' % (kind, exc.message), status=exc.status,
                              daemon_message=exc.message)
        raise
    if answer is None:
        return {}
    if not isinstance(answer, dict):
        raise EngineError('Pruning %s: the daemon answered %s %s with %s instead of a JSON object; what was deleted is '
                          'unknown. Check the daemon (or a proxy in front of it).'
                          % (kind, 'POST', path, type(answer).__name__), daemon_answer=str(answer)[:200])
    return answer


def _id_list(answer: t.Mapping[str, t.Any], key: str) -> list[str]:
    items = answer.get(key) or []
    return [str(i) for i in items] if isinstance(items, list) else []


def _size(answer: t.Mapping[str, t.Any], key: str) -> int:
    value = answer.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def prune_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {'changed': False}
    kinds = [k for k in ('containers', 'images', 'networks', 'volumes', 'builder_cache') if params.get(k)]
    filters = {k: normalize_filters(params.get('%s_filters' % k)) for k in kinds}
    clock: list[DaemonClock] = []
    until: dict[str, int | None] = {}
    # Every check that can be made is made for every kind before the first prune runs.
    keep_storage = None
    if params.get('builder_cache_keep_storage') not in (None, ''):
        keep_storage = parse_size(params['builder_cache_keep_storage'], 'builder_cache_keep_storage')
    for kind in kinds:
        if kind == 'builder_cache':
            check_build_cache_filters(filters[kind])
            continue
        check_filters(kind, filters[kind], client)
        until[kind] = resolve_until(kind, filters[kind], client, clock)
    if until and any(v is not None for v in until.values()):
        result['until'] = {k: to_query(v) for k, v in until.items() if v is not None}
    for kind in kinds:
        f = filters[kind]
        if kind == 'containers':
            if check_mode:
                result['containers'], result['containers_space_reclaimed'] = predict_containers(client, f, until[kind])
            else:
                answer = _prune(client, kind, '/containers/prune', f)
                result['containers'] = _id_list(answer, 'ContainersDeleted')
                result['containers_space_reclaimed'] = _size(answer, 'SpaceReclaimed')
        elif kind == 'images':
            if check_mode:
                result['images'], result['images_untagged'] = predict_images(client, f, until[kind])
            else:
                answer = _prune(client, kind, '/images/prune', f)
                items = [i for i in answer.get('ImagesDeleted') or [] if isinstance(i, dict)]
                result['images'] = [i['Deleted'] for i in items if i.get('Deleted')]
                result['images_untagged'] = [i['Untagged'] for i in items if i.get('Untagged')]
                result['images_space_reclaimed'] = _size(answer, 'SpaceReclaimed')
        elif kind == 'networks':
            if check_mode:
                result['networks'] = predict_networks(client, f, until[kind])
            else:
                result['networks'] = _id_list(_prune(client, kind, '/networks/prune', f), 'NetworksDeleted')
        elif kind == 'volumes':
            if check_mode:
                result['volumes'] = predict_volumes(client, f)
            else:
                answer = _prune(client, kind, '/volumes/prune', f)
                result['volumes'] = _id_list(answer, 'VolumesDeleted')
                result['volumes_space_reclaimed'] = _size(answer, 'SpaceReclaimed')
        elif kind == 'builder_cache':
            everything = bool(params.get('builder_cache_all'))
            if check_mode:
                result['builder_cache_caches_deleted'], result['builder_cache_space_reclaimed'] = \
                    predict_builder_cache(client, f, everything, clock, keep_storage)
                result['builder_cache_estimate'] = True
            else:
                extra: dict[str, t.Any] = {'all': True} if everything else {}
                if keep_storage is not None:
                    extra['keep-storage'] = keep_storage  # API 1.48+ reads it as reserved-space
                answer = _prune(client, kind, '/build/prune', f, extra)
                result['builder_cache_caches_deleted'] = _id_list(answer, 'CachesDeleted')
                result['builder_cache_space_reclaimed'] = _size(answer, 'SpaceReclaimed')
    changed_keys = ('containers', 'images', 'images_untagged', 'networks', 'volumes', 'builder_cache_caches_deleted')
    result['changed'] = any(result.get(k) for k in changed_keys)
    if diff:
        gone = {k: result.get(k) for k in ('containers', 'images', 'networks', 'volumes') if k in result}
        result['diff'] = {'before': gone, 'after': {k: [] for k in gone}}
    return result
