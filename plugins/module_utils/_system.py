# Copyright (c) dockerapi.engine contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""System endpoints: /_ping, /version, /info, /system/df, and the host overview."""

from __future__ import annotations

import typing as t

from ._client import EngineClient


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


def host_info(client: EngineClient, params: dict[str, t.Any], check_mode: bool, diff: bool) -> dict[str, t.Any]:
    """Read-only overview of one daemon; never changes anything."""
    result: dict[str, t.Any] = {
        'changed': False,
        'can_talk_to_docker': True,
        'api_version': client.api_version,
        'version': client.version_info,
        'info': client.get_json('/info'),
    }
    if params.get('containers'):
        result['containers'] = list_containers(client, all=params.get('containers_all'),
                                               filters=params.get('containers_filters'))
    if params.get('images'):
        result['images'] = list_images(client, filters=params.get('images_filters'))
    if params.get('volumes'):
        result['volumes'] = list_volumes(client, filters=params.get('volumes_filters'))
    if params.get('networks'):
        result['networks'] = list_networks(client, filters=params.get('networks_filters'))
    if params.get('disk_usage'):
        result['disk_usage'] = client.get_json('/system/df')
    return result
