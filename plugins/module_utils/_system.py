# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""System endpoints: /_ping, /version, /info, /system/df, and the host overview."""

from __future__ import annotations

import typing as t

from ._client import EngineClient
from ._errors import EngineError


def list_containers(client: EngineClient, all: bool = False, filters: t.Any = None, limit: int | None = None,
                    size: bool = False) -> list[dict[str, t.Any]]:
    return client.get_json('/containers/json', {'all': all, 'filters': filters, 'limit': limit,
                                                'size': size or None}) or []


def list_images(client: EngineClient, all: bool = False, filters: t.Any = None) -> list[dict[str, t.Any]]:
    return client.get_json('/images/json', {'all': all, 'filters': filters}) or []


def list_volumes(client: EngineClient, filters: t.Any = None) -> list[dict[str, t.Any]]:
    answer = client.get_json('/volumes', {'filters': filters}) or {}
    return answer.get('Volumes') or []


def list_networks(client: EngineClient, filters: t.Any = None) -> list[dict[str, t.Any]]:
    return client.get_json('/networks', {'filters': filters}) or []


def ping(client: EngineClient) -> bool:
    return client.request('GET', '/_ping', versioned=False).body == b'OK'


# docker_host_info's short form of each list entry (verbose_output: false): these keys only.
BRIEF_KEYS = {
    'containers': ('Id', 'Image', 'Command', 'Created', 'Status', 'Ports', 'Names'),
    'images': ('Id', 'RepoTags', 'Created', 'Size'),
    'volumes': ('Driver', 'Name'),
    'networks': ('Id', 'Driver', 'Name', 'Scope'),
}


def _brief(kind: str, items: list[dict[str, t.Any]], verbose: bool) -> list[dict[str, t.Any]]:
    if verbose:
        return items
    return [{key: item[key] for key in BRIEF_KEYS[kind] if key in item} for item in items]


def host_info(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """Read-only overview of one daemon; never changes anything."""
    verbose = bool(params.get('verbose_output'))
    try:
        info = client.get_json('/info')
        result: dict[str, t.Any] = {
            'changed': False,
            'can_talk_to_docker': True,
            'api_version': client.api_version,
            'version': client.version_info,
            'info': info,
            'host_info': info,  # docker_host_info's name for the same answer
        }
        if params.get('containers'):
            result['containers'] = _brief('containers', list_containers(
                client, all=params.get('containers_all'), filters=params.get('containers_filters')), verbose)
        if params.get('images'):
            result['images'] = _brief('images', list_images(client, filters=params.get('images_filters')), verbose)
        if params.get('volumes'):
            result['volumes'] = _brief('volumes', list_volumes(client, filters=params.get('volumes_filters')), verbose)
        if params.get('networks'):
            result['networks'] = _brief('networks', list_networks(client, filters=params.get('networks_filters')), verbose)
        if params.get('disk_usage'):
            usage = client.get_json('/system/df') or {}
            result['disk_usage'] = usage if verbose else {'LayersSize': usage.get('LayersSize')}
    except EngineError as exc:
        exc.details.setdefault('can_talk_to_docker', True)  # it answered the version negotiation
        raise
    return result


# Every failure result of host_info says whether the daemon could be reached (the runner adds it).
host_info.failure_details = {'can_talk_to_docker': False}  # type: ignore[attr-defined]
