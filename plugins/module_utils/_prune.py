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

``label`` and ``label!`` follow the daemon's matching (every ``label`` value must match; a
thing is spared when every ``label!`` value matches), ``until`` its time syntax.
"""

from __future__ import annotations

import datetime
import hashlib
import re
import time
import typing as t

from ._client import EngineClient, quote_path
from ._compare import parse_duration
from ._errors import APIError, ConfigurationError, EngineError, NotFound
from ._filters import normalize_filters

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


_RFC3339 = re.compile(r'^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?(Z|[+-]\d{2}:\d{2})?$')


def parse_until(value: str, now: float | None = None) -> float:
    """The daemon's timestamp syntax -> Unix seconds: a Go duration before now, Unix seconds, or a date."""
    now = time.time() if now is None else now
    text = str(value).strip()
    try:
        if not re.match(r'^\d+(\.\d+)?$', text):
            return now - parse_duration(text, 'until') / 1e9
    except ConfigurationError:
        pass
    if re.match(r'^\d+(\.\d+)?$', text):
        return float(text)
    match = _RFC3339.match(text)
    if not match:
        raise ConfigurationError(
            'until %r is not a time: use a duration such as 10m or 24h (that long ago), a date such as 2024-03-01 or '
            '2024-03-01T12:00:00Z, or Unix seconds.' % value)
    date, clock, zone = match.groups()
    clock = clock or '00:00:00'
    if clock.count(':') == 1:
        clock += ':00'
    seconds_fraction = ''
    if '.' in clock:
        clock, seconds_fraction = clock.split('.', 1)
    stamp = datetime.datetime.strptime('%sT%s' % (date, clock), '%Y-%m-%dT%H:%M:%S')
    if zone:
        offset = datetime.timedelta(0)
        if zone != 'Z':
            sign = 1 if zone[0] == '+' else -1
            offset = sign * datetime.timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6]))
        stamp = stamp.replace(tzinfo=datetime.timezone(offset))
    # A date without zone is local time, as on the daemon (which runs on the same clock here).
    base = stamp.timestamp()
    return base + (float('0.' + seconds_fraction) if seconds_fraction else 0.0)


def iso_to_unix(text: str | None) -> float | None:
    """RFC 3339 with nanoseconds (inspect's ``Created``) -> Unix seconds, keeping the fraction."""
    if not text:
        return None
    match = re.match(r'^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:\d{2})$', text)
    if not match:
        return None
    base, fraction, zone = match.groups()
    return parse_until(base + zone) + (float('0.' + fraction) if fraction else 0.0)


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
    """Check mode cannot ask the daemon to validate: refuse what the prune endpoint would refuse."""
    accepted = ACCEPTED.get(kind)
    if accepted is None:
        return
    for key in filters:
        if key not in accepted or (key == 'all' and not client.api_at_least('1.42')):
            raise ConfigurationError(
                'Invalid filter %r in %s_filters: pruning %s accepts %s. (This is what the daemon answers with '
                'HTTP 400 outside check mode.)' % (key, kind, kind, ', '.join(a for a in accepted
                                                                              if a != 'all' or client.api_at_least('1.42'))))
    if len(filters.get('until') or []) > 1:
        raise ConfigurationError('%s_filters has more than one until; give one.' % kind)


def _until(filters: dict[str, list[str]]) -> float | None:
    values = filters.get('until') or []
    return parse_until(values[0]) if values else None


def _created_after(created_int: int, until: float | None, exact: t.Callable[[], float | None]) -> bool:
    """Whether created > until; the list's whole seconds decide unless too close to call."""
    if until is None:
        return False
    if created_int >= until:
        return created_int > until or (exact() or created_int) > until
    if created_int + 1 <= until:
        return False
    precise = exact()
    return precise is not None and precise > until


# ---- predictions (check mode) -----------------------------------------------------------

def predict_containers(client: EngineClient, filters: dict[str, list[str]]) -> tuple[list[str], int]:
    query: dict[str, t.Any] = {'status': ['created', 'exited', 'dead']}
    if filters.get('label'):
        query['label'] = filters['label']
    listed = client.get_json('/containers/json', {'all': True, 'size': True, 'filters': query}) or []
    until = _until(filters)
    ids, space = [], 0
    for c in listed:
        if not labels_match(filters, c.get('Labels')):
            continue

        def exact(cid: str = c['Id']) -> float | None:
            return iso_to_unix(client.get_json('/containers/%s/json' % cid).get('Created'))
        if _created_after(int(c.get('Created') or 0), until, exact):
            continue
        ids.append(c['Id'])
        space += max(int(c.get('SizeRw') or 0), 0)
    return ids, space


def predict_images(client: EngineClient, filters: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """(Deleted entries: image IDs and layer chain IDs, Untagged references) of an image prune."""
    dangling_values = filters.get('dangling') or ['true']
    dangling_only = str(dangling_values[0]).lower() in ('1', 'true')
    images = client.get_json('/images/json', {'all': True, 'digests': True}) or []
    by_id = {i['Id']: i for i in images}
    children: dict[str, set[str]] = {}
    for image in images:
        if image.get('ParentId'):
            children.setdefault(image['ParentId'], set()).add(image['Id'])
    used = {c.get('ImageID') for c in client.get_json('/containers/json', {'all': True}) or []}
    until = _until(filters)

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

        def exact(ref: str = iid) -> float | None:
            return iso_to_unix(client.get_json('/images/%s/json' % ref).get('Created'))
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
            layers = ((client.get_json('/images/%s/json' % iid) or {}).get('RootFS') or {}).get('Layers') or []
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
    answer = client.get_json('/volumes', {'filters': query}) or {}
    names = []
    for volume in answer.get('Volumes') or []:
        if volume.get('Options'):
            continue  # the daemon skips volumes with driver options (nothing to reclaim)
        if not labels_match(filters, volume.get('Labels')):
            continue
        names.append(volume['Name'])
    return names


def predict_networks(client: EngineClient, filters: dict[str, list[str]]) -> list[str]:
    query = {'label': filters['label']} if filters.get('label') else None
    until = _until(filters)
    names = []
    for network in client.get_json('/networks', {'filters': query}) or []:
        if network.get('Name') in PREDEFINED_NETWORKS or network.get('Ingress') or network.get('ConfigOnly'):
            continue
        if network.get('Scope') == 'swarm':
            continue
        if not labels_match(filters, network.get('Labels')):
            continue
        created = iso_to_unix(network.get('Created'))
        if until is not None and created is not None and created > until:
            continue
        try:
            detail = client.get_json('/networks/%s' % quote_path(network['Id']))
        except NotFound:
            continue
        if (detail or {}).get('Containers'):
            continue
        names.append(network['Name'])
    return names


def predict_builder_cache(client: EngineClient) -> tuple[list[str], int]:
    params = {'type': 'build-cache'} if client.api_at_least('1.42') else None
    records = (client.get_json('/system/df', params) or {}).get('BuildCache') or []
    idle = [r for r in records if not r.get('InUse')]
    return [r['ID'] for r in idle], sum(int(r.get('Size') or 0) for r in idle)


# ---- the service ------------------------------------------------------------------------

def _prune(client: EngineClient, kind: str, path: str, filters: dict[str, list[str]],
           extra: dict[str, t.Any] | None = None) -> dict[str, t.Any]:
    params: dict[str, t.Any] = dict(extra or {})
    if filters:
        params['filters'] = filters
    try:
        return client.post_json(path, params, timeout=None) or {}
    except APIError as exc:
        if exc.status == 400:
            raise EngineError('Pruning %s failed: the daemon refused %s_filters %s (HTTP 400): %s'
                              % (kind, kind, filters, exc.message), status=exc.status, daemon_message=exc.message)
        raise


def prune_service(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    result: dict[str, t.Any] = {'changed': False}
    kinds = [k for k in ('containers', 'images', 'networks', 'volumes', 'builder_cache') if params.get(k)]
    filters = {k: normalize_filters(params.get('%s_filters' % k)) for k in kinds}
    if check_mode:
        for kind in kinds:
            check_filters(kind, filters[kind], client)
    for kind in kinds:
        f = filters[kind]
        if kind == 'containers':
            if check_mode:
                result['containers'], result['containers_space_reclaimed'] = predict_containers(client, f)
            else:
                answer = _prune(client, kind, '/containers/prune', f)
                result['containers'] = answer.get('ContainersDeleted') or []
                result['containers_space_reclaimed'] = answer.get('SpaceReclaimed') or 0
        elif kind == 'images':
            if check_mode:
                result['images'], result['images_untagged'] = predict_images(client, f)
            else:
                answer = _prune(client, kind, '/images/prune', f)
                items = answer.get('ImagesDeleted') or []
                result['images'] = [i['Deleted'] for i in items if i.get('Deleted')]
                result['images_untagged'] = [i['Untagged'] for i in items if i.get('Untagged')]
                result['images_space_reclaimed'] = answer.get('SpaceReclaimed') or 0
        elif kind == 'networks':
            if check_mode:
                result['networks'] = predict_networks(client, f)
            else:
                result['networks'] = _prune(client, kind, '/networks/prune', f).get('NetworksDeleted') or []
        elif kind == 'volumes':
            if check_mode:
                result['volumes'] = predict_volumes(client, f)
            else:
                answer = _prune(client, kind, '/volumes/prune', f)
                result['volumes'] = answer.get('VolumesDeleted') or []
                result['volumes_space_reclaimed'] = answer.get('SpaceReclaimed') or 0
        elif kind == 'builder_cache':
            if check_mode:
                result['builder_cache_caches_deleted'], result['builder_cache_space_reclaimed'] = \
                    predict_builder_cache(client)
            else:
                extra = {'all': True} if params.get('builder_cache_all') else None
                answer = _prune(client, kind, '/build/prune', f, extra)
                result['builder_cache_caches_deleted'] = answer.get('CachesDeleted') or []
                result['builder_cache_space_reclaimed'] = answer.get('SpaceReclaimed') or 0
    changed_keys = ('containers', 'images', 'images_untagged', 'networks', 'volumes', 'builder_cache_caches_deleted')
    result['changed'] = any(result.get(k) for k in changed_keys)
    if diff:
        gone = {k: result.get(k) for k in ('containers', 'images', 'networks', 'volumes') if k in result}
        result['diff'] = {'before': gone, 'after': {k: [] for k in gone}}
    return result
